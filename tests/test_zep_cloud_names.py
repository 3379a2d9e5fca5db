"""Every model answers to zep-cloud 2.22.1's attribute names, read-only, with the same values.

tests/zep_cloud_names.json is zep-cloud's attribute -> JSON key per class, written by
scripts/zep_cloud_names.py from the zep-cloud wheel (zep-cloud is not a dependency).
"""

from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path
from typing import Any, get_type_hints

import attrs
import pytest
from pydantic import TypeAdapter

from zep_async import Message, Session, from_dict, models, to_dict, to_json
from zep_async._codec import json_name

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT: dict[str, Any] = json.loads((ROOT / "tests" / "zep_cloud_names.json").read_text())
CLASSES: dict[str, dict[str, str]] = SNAPSHOT["classes"]


def _field_of(cls: type[Any], key: str) -> str:
    """Our field name for JSON key ``key``."""
    return next(f.name for f in attrs.fields(cls) if json_name(f.name) == key)


def _spellings() -> list[tuple[str, str, str]]:
    """(class, zep-cloud attribute, our field) for each attribute spelt differently."""
    return [
        (cls, theirs, _field_of(getattr(models, cls), key))
        for cls, fields in sorted(CLASSES.items())
        for theirs, key in sorted(fields.items())
        if theirs != _field_of(getattr(models, cls), key)
    ]


SPELLINGS = _spellings()


def _filled(cls: type[Any]) -> tuple[Any, dict[str, object]]:
    """An instance whose every field holds a distinct sentinel, and the sentinels by field."""
    sentinels = {field.name: object() for field in attrs.fields(cls)}
    return cls(**sentinels), sentinels


def test_the_snapshot_covers_every_model_and_the_same_json_keys() -> None:
    """zep-cloud has a class of each model's name, with exactly the model's JSON keys."""
    for name in models.__all__:
        cls = getattr(models, name)
        if attrs.has(cls):
            ours = {json_name(f.name) for f in attrs.fields(cls)}
            assert set(CLASSES[name].values()) == ours, name


def test_the_differing_spellings_are_the_six_uuid_aliases() -> None:
    """zep-cloud 2.22.1 spells uuid as uuid_ on six models, EntityNode to User."""
    classes = ("EntityNode", "Fact", "Message", "Session", "Summary", "User")
    assert [(cls, "uuid_", "uuid") for cls in classes] == SPELLINGS


@pytest.mark.parametrize("cls_name", sorted(CLASSES))
def test_every_zep_cloud_attribute_reads_our_field(cls_name: str) -> None:
    """Each zep-cloud attribute name of a model returns the very value of our field."""
    cls = getattr(models, cls_name)
    instance, sentinels = _filled(cls)
    for theirs, key in CLASSES[cls_name].items():
        assert getattr(instance, theirs) is sentinels[_field_of(cls, key)], (cls_name, theirs)


@pytest.mark.parametrize(("cls_name", "alias", "field"), SPELLINGS)
def test_an_alias_is_no_field_and_in_no_output(cls_name: str, alias: str, field: str) -> None:
    """The alias is not an attrs field, nor in to_dict, to_json or the pydantic schema."""
    cls = getattr(models, cls_name)
    instance = from_dict(cls, {"uuid": "u-1"})
    assert alias not in attrs.fields_dict(cls)
    assert alias not in to_dict(instance)
    assert alias not in json.loads(to_json(instance))
    schema = json.dumps(TypeAdapter(cls).json_schema())
    assert f'"{alias}"' not in schema
    assert getattr(instance, alias) == getattr(instance, field) == "u-1"


@pytest.mark.parametrize(("cls_name", "alias", "field"), SPELLINGS)
def test_an_alias_is_read_only(cls_name: str, alias: str, field: str) -> None:
    """Setting or deleting the alias fails as for a frozen field, and changes nothing."""
    instance = getattr(models, cls_name)(**{field: "u-1"})
    with pytest.raises(AttributeError):
        setattr(instance, alias, "other")
    with pytest.raises(AttributeError):
        delattr(instance, alias)
    assert getattr(instance, alias) == "u-1"


@pytest.mark.parametrize(("cls_name", "alias", "field"), SPELLINGS)
def test_an_alias_is_typed_as_its_field(cls_name: str, alias: str, field: str) -> None:
    """The alias's declared type (what mypy reads) is its field's type."""
    cls = getattr(models, cls_name)
    prop = vars(cls)[alias]
    assert isinstance(prop, property)
    assert get_type_hints(prop.fget)["return"] == get_type_hints(cls)[field]
    assert prop.__doc__


@pytest.mark.parametrize(("cls_name", "alias", "field"), SPELLINGS)
def test_an_alias_follows_copies_pickles_and_evolve(cls_name: str, alias: str, field: str) -> None:
    """Copied, deep-copied, pickled and evolved models read the alias as their field."""
    instance = getattr(models, cls_name)(**{field: "u-1"})
    for again in (copy.copy(instance), copy.deepcopy(instance)):
        assert getattr(again, alias) == "u-1"
    assert getattr(pickle.loads(pickle.dumps(instance)), alias) == "u-1"
    assert getattr(attrs.evolve(instance, **{field: "u-2"}), alias) == "u-2"


def test_an_alias_is_no_constructor_or_evolve_argument() -> None:
    """Message(uuid_=...) and evolve(..., uuid_=...) fail: only the field is an argument."""
    with pytest.raises(TypeError, match="uuid_"):
        Message(uuid_="x")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="uuid_"):
        attrs.evolve(Session(uuid="a"), uuid_="x")


def test_decoded_models_read_the_alias() -> None:
    """A model decoded from the API's JSON, nested in a list, answers to uuid_."""
    page = from_dict(models.MessageListResponse, {"messages": [{"uuid": "m-1", "content": "hi"}]})
    assert [m.uuid_ for m in page.messages] == ["m-1"]


def test_docs_migrating_has_the_table() -> None:
    """docs/migrating.md carries every differing spelling, as the script writes the table."""
    page = (ROOT / "docs" / "migrating.md").read_text(encoding="utf-8")
    rows = [
        f"| `{cls}` | `{theirs}` | `{ours}` | `{CLASSES[cls][theirs]}` |"
        for cls, theirs, ours in SPELLINGS
    ]
    header = "| model | zep-cloud attribute | zep_async field | JSON key |\n|---|---|---|---|\n"
    assert header + "\n".join(rows) + "\n\n" in page
