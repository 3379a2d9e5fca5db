"""The generated request checks and encoders agree with the general path on every input."""

from __future__ import annotations

import json
from collections import OrderedDict
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from types import MappingProxyType
from typing import Any, get_type_hints
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zep_async import ClassifySessionRequest, FactRatingExamples, FactRatingInstruction, Message
from zep_async._codec._encode import (
    _as_json,
    _check_model,
    _encoder,
    check_classify,
    check_fact_rating_instruction,
    check_messages,
    encode_body,
)
from zep_async._codec._encodegen import REQUIRED, _kind, fast_checker

MODELS = (Message, ClassifySessionRequest, FactRatingInstruction, FactRatingExamples)


class Text(str):
    """A str subclass: the fast path leaves it to the general check."""


TEXT = st.one_of(
    *[st.sampled_from(["", "user", "assistant", "Hi", "héllo", "日本", "norole"])] * 4,
    *[st.text(max_size=6)] * 4,
    st.just("\ud800"),
    st.builds(Text, st.sampled_from(["user", "x"])),
)
STAMP = st.one_of(
    st.just(datetime(2024, 8, 7, 18, 25, 43, tzinfo=UTC)),
    st.just(datetime(2024, 8, 7, 18, 25, 43, 123456, tzinfo=timezone(timedelta(hours=-7)))),
    st.just(datetime(2024, 8, 7, 18, 25, 43)),  # naive: refused
    st.just(datetime(2024, 8, 7, tzinfo=ZoneInfo("Europe/Paris"))),
    st.sampled_from(["2024-08-07T18:25:43+00:00", "2024-08-07T18:25:43", "yesterday"]),
)
JSONISH = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(TEXT, st.integers()), inner, max_size=3),
        st.frozensets(st.integers(), max_size=2),
    ),
    max_leaves=6,
)
JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)
SCALAR = st.one_of(
    st.none(),
    TEXT,
    st.booleans(),
    st.integers(min_value=-(2**65), max_value=2**65),
    st.floats(allow_nan=True),
    STAMP,
    st.lists(st.one_of(TEXT, st.integers()), max_size=3),
    st.tuples(TEXT, TEXT),
    JSONISH,
)


def _model_or_mapping(cls: type[Any]) -> st.SearchStrategy[Any]:
    """An instance of ``cls`` or a mapping of its keys: values of the fields' types, or any."""
    return st.one_of(
        _shapes(cls, 0, messy=False), _shapes(cls, 0, messy=True), _one_off(cls, messy=False)
    )


@cache
def _one_off(cls: type[Any], messy: bool) -> st.SearchStrategy[Any]:
    """Values of the fields' types but one, which may be anything (e.g. naive, 2**64)."""
    names = [field.name for field in attrs.fields(cls)]
    fine = _shapes(cls, 0, messy).filter(lambda v: isinstance(v, cls | dict))
    hints = get_type_hints(cls)
    odd = st.sampled_from(names).flatmap(
        lambda name: st.tuples(st.just(name), st.one_of(_near_misses(hints[name]), SCALAR))
    )

    def spoil(value: Any, change: tuple[str, Any]) -> Any:
        name, item = change
        if isinstance(value, dict):
            return {**value, name: item}
        return attrs.evolve(value, **{name: item})

    return st.builds(spoil, fine, odd)


@cache
def _shapes(cls: type[Any], depth: int, messy: bool) -> st.SearchStrategy[Any]:
    names = [field.name for field in attrs.fields(cls)]
    hints = get_type_hints(cls)
    fitting = {name: _fitting(hints[name], depth) for name in names}
    if messy or depth:  # a nested model: sometimes one odd value inside
        fitting = {name: st.one_of(fit, SCALAR) for name, fit in fitting.items()}
    needed = REQUIRED.get(cls, frozenset()) if not messy else frozenset()
    fields = st.fixed_dictionaries(
        {name: fit for name, fit in fitting.items() if name in needed},
        optional={name: fit for name, fit in fitting.items() if name not in needed},
    )
    stray = st.dictionaries(st.sampled_from(["speaker", "Content", 1]), SCALAR, max_size=1)
    stray = stray if messy else st.just({})
    mapping = st.builds(lambda known, extra: {**known, **extra}, fields, stray)
    model = fields.map(lambda given: cls(**{name: given.get(name) for name in names}))
    if not messy:
        return st.one_of(model, mapping)
    others = st.sampled_from([None, 3, "text", ["a"]])
    return st.one_of(
        model, mapping, mapping.map(OrderedDict), mapping.map(MappingProxyType), others
    )


def _fitting(hint: Any, depth: int) -> st.SearchStrategy[Any]:
    """Values of the field's type (so the fast path is taken), some of them refused."""
    kind, extra = _kind(hint)
    fit: st.SearchStrategy[Any] = {
        "str": st.one_of(st.text(max_size=6), st.sampled_from(["Hi", "héllo", "日本"])),
        "choice": st.sampled_from(["user", "assistant", "norole", "tool"]),
        "bool": st.booleans(),  # the refused values (2**64, "\ud800"...) come in SCALAR
        "int": st.integers(min_value=-(2**63), max_value=2**63 - 1),
        "datetime": st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=2))])),
        "strings": st.lists(st.text(max_size=3), max_size=3),
        "json": st.dictionaries(st.text(max_size=3), JSON, max_size=3),
    }.get(kind, st.nothing())
    if kind == "model" and depth == 0:
        fit = _shapes(extra, 1, messy=False)
    return fit


def _near_misses(hint: Any) -> st.SearchStrategy[Any]:
    """Values next to what a field of this type takes: some refused, some taken slowly."""
    kind, _ = _kind(hint)
    misses: list[Any] = {
        "str": ["\ud800", Text("x"), b"x", "héllo"],
        "choice": ["boss", Text("user"), "User", ["user"]],
        "bool": [1, 0, "true"],
        "int": [2**63, -(2**63) - 1, 2**63 - 1, True, 1.0],
        "datetime": [
            datetime(2024, 8, 7, 18, 25, 43),
            datetime(2024, 8, 7, tzinfo=ZoneInfo("Europe/Paris")),
            "2024-08-07T18:25:43+02:00",
            "2024-08-07T18:25:43",
        ],
        "strings": [["a", 1], ("a", "b"), ["\ud800"], [Text("a")], "ab"],
        "json": [{"a": {1}}, {1: "a"}, {"a": float("nan")}, OrderedDict(a=1), {"a": [1, {"b": 2}]}],
        "model": [{"high": 1}, {"bogus": "x"}, FactRatingExamples(high=1), {"low": "\ud800"}],
    }.get(kind, [None])
    return st.sampled_from(misses)


def _outcome(check: Any, *args: Any) -> tuple[Any, ...]:
    try:
        result = check(*args)
    except (TypeError, ValueError) as exc:
        return ("error", type(exc), str(exc))
    return ("ok", result, repr(result))


@pytest.mark.pure
@settings(max_examples=400, deadline=None)
@given(st.data())
def test_the_checks_agree_with_the_general_path(data: st.DataObject) -> None:
    """Same model (equal, same repr), or the same error with the same words."""
    cls = data.draw(st.sampled_from(MODELS[:3]))
    value = data.draw(_model_or_mapping(cls))
    where = {Message: "messages[0]", ClassifySessionRequest: "classify"}.get(
        cls, "fact_rating_instruction"
    )
    expected = _outcome(_check_model, cls, value, where)
    public = {
        Message: lambda v: check_messages([v])[0],
        ClassifySessionRequest: check_classify,
        FactRatingInstruction: check_fact_rating_instruction,
    }[cls]
    assert _outcome(public, value) == expected
    fast = fast_checker(cls)(value)
    if fast is not None:  # the fast path only ever takes what the general one accepts
        assert expected[0] == "ok"
        assert (fast, repr(fast)) == expected[1:]


@pytest.mark.pure
@settings(max_examples=300, deadline=None)
@given(st.data())
def test_the_encoders_agree_with_the_general_walk(data: st.DataObject) -> None:
    """Any model instance, checked or not, encodes to the data ``_as_json`` makes."""
    cls = data.draw(st.sampled_from(MODELS))
    model = data.draw(_model_or_mapping(cls).filter(lambda v: isinstance(v, cls)))
    assert repr(_encoder(cls)(model)) == repr(_as_json(model))


@pytest.mark.pure
@settings(max_examples=200, deadline=None)
@given(st.lists(_model_or_mapping(Message), min_size=1, max_size=4))
def test_the_bytes_sent_agree_with_the_general_path(items: list[Any]) -> None:
    """``encode_body`` of checked messages: the bytes of the general walk, or its error."""
    outcome = _outcome(check_messages, items)
    general = _outcome(
        lambda values: [_check_model(Message, v, f"messages[{i}]") for i, v in enumerate(values)],
        items,
    )
    assert outcome == general
    if outcome[0] == "ok":
        sent = encode_body({"messages": outcome[1], "return_context": True})
        walked = {"messages": [_as_json(m) for m in outcome[1]], "return_context": True}
        expected = json.dumps(walked, ensure_ascii=False, separators=(",", ":"))
        assert sent == expected.encode()


def test_the_common_shapes_take_the_fast_path() -> None:
    """A Message, or a dict with the usual keys, is checked without the general path."""
    message = Message(content="Hi", role_type="user", role="Jane", metadata={"a": [1]})
    assert fast_checker(Message)(message) is message
    given = {"content": "héllo", "role_type": "user", "created_at": message_time()}
    made = fast_checker(Message)(given)
    assert made == Message(content="héllo", role_type="user", created_at=message_time())
    rating = {"instruction": "x", "examples": {"high": "a"}}
    assert fast_checker(FactRatingInstruction)(rating) == FactRatingInstruction(
        instruction="x", examples=FactRatingExamples(high="a")
    )
    classify = fast_checker(ClassifySessionRequest)({"classes": ["a", "b"], "name": "n"})
    assert classify == ClassifySessionRequest(classes=["a", "b"], name="n")


def test_unusual_shapes_fall_back_with_the_general_words() -> None:
    """What the fast path leaves (a missing role type, a str timestamp) reads as before."""
    assert fast_checker(Message)({"content": "Hi"}) is None
    with pytest.raises(TypeError, match=r"^messages\[0\]\.role_type is required: one of 'norole'"):
        check_messages([{"content": "Hi"}, {"content": "x", "role_type": "boss"}])
    stamp = {"content": "Hi", "role_type": "user", "created_at": "2024-08-07T18:25:43+00:00"}
    assert fast_checker(Message)(stamp) is None
    (made,) = check_messages([stamp])
    assert made.created_at == datetime(2024, 8, 7, 18, 25, 43, tzinfo=UTC)


def message_time() -> datetime:
    """An aware timestamp with a fixed offset, as the fast path takes it."""
    return datetime(2024, 8, 7, 18, 25, 43, tzinfo=timezone(timedelta(hours=2)))
