"""Request bodies: keys as the API names them, None left out, non-JSON refused by name."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from zep_async import (
    ClassifySessionRequest,
    FactRatingExamples,
    FactRatingInstruction,
    Message,
    to_dict,
)
from zep_async._codec._encode import (
    check_classify,
    check_fact_rating_instruction,
    check_messages,
    check_metadata,
    encode_body,
)


def _sent(fields: dict[str, object]) -> Any:
    body = encode_body(fields)
    assert isinstance(body, bytes)
    return json.loads(body)


def test_none_arguments_are_not_sent() -> None:
    """Arguments left None are dropped; the rest keep their names as JSON keys."""
    assert _sent({"session_id": "s", "user_id": None, "metadata": None}) == {"session_id": "s"}
    assert encode_body({}) == b"{}"


def test_metadata_passes_through_as_given() -> None:
    """Any JSON value inside metadata is sent unchanged, nulls and unicode included."""
    metadata = {"a": [1, 2.5, None, True, "é☃"], "b": {"c": {}}, "t": (1, 2)}
    assert _sent({"metadata": metadata}) == {"metadata": dict(metadata, t=[1, 2])}
    assert "é☃".encode() in encode_body({"metadata": metadata})  # UTF-8, not \\u escapes


def test_models_send_only_their_set_fields() -> None:
    """A request model is sent with its non-None fields only, under its JSON names."""
    instruction = FactRatingInstruction(instruction="rate", examples=FactRatingExamples(high="h"))
    messages = [
        Message(content="hi", role_type="user"),
        Message(
            content="yo",
            role_type="assistant",
            role="bot",
            created_at=datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2))),
            metadata={"k": [1]},
        ),
    ]
    assert _sent({"fact_rating_instruction": instruction, "messages": messages}) == {
        "fact_rating_instruction": {"instruction": "rate", "examples": {"high": "h"}},
        "messages": [
            {"content": "hi", "role_type": "user"},
            {
                "content": "yo",
                "role_type": "assistant",
                "role": "bot",
                "created_at": "2024-01-02T03:04:05+02:00",
                "metadata": {"k": [1]},
            },
        ],
    }


def test_classify_goes_out_with_its_keys() -> None:
    """ClassifySessionRequest is sent with the keys the API reads."""
    classify = ClassifySessionRequest(classes=["a", "b"], name="mood", last_n=4, persist=False)
    assert _sent({"classify": classify}) == {
        "classify": {"classes": ["a", "b"], "name": "mood", "last_n": 4, "persist": False}
    }


@pytest.mark.parametrize(
    ("metadata", "error", "where"),
    [
        ({"a": [0, 1, 2, {1, 2}]}, TypeError, "metadata['a'][3] is a set, not JSON"),
        ({"a": math.nan}, ValueError, "metadata['a'] is nan"),
        ({"a": {"b": -math.inf}}, ValueError, "metadata['a']['b'] is -inf"),
        ({1: "x"}, TypeError, "metadata has a key 1 of type int"),
        ({"a": {None: 1}}, TypeError, "metadata['a'] has a key None"),
        ({"a": "\ud800"}, ValueError, "metadata['a'] is not valid Unicode"),
        ({"\udfff": 1}, ValueError, "metadata has a key that is not valid Unicode"),
        ({"a": object()}, TypeError, "metadata['a'] is an object, not JSON"),
        ({"a": b"bytes"}, TypeError, "metadata['a'] is a bytes, not JSON"),
        ({"a": datetime.now(UTC)}, TypeError, "metadata['a'] is a datetime, not JSON"),
        ({"a": Message(content="x")}, TypeError, "metadata['a'] is a Message, not JSON"),
    ],
)
def test_non_json_is_refused_naming_where(
    metadata: dict[Any, Any], error: type[Exception], where: str
) -> None:
    """Anything json would refuse or mangle is refused, with its path, before sending."""
    with pytest.raises(error) as info:
        encode_body({"session_id": "s", "metadata": metadata})
    assert where in str(info.value)


def test_a_container_inside_itself_is_refused() -> None:
    """A cycle is refused by name; a part shared twice (no cycle) is fine."""
    loop: dict[str, Any] = {}
    loop["self"] = loop
    with pytest.raises(ValueError, match=r"metadata\['self'\] contains itself"):
        encode_body({"metadata": loop})
    shared = [1]
    assert _sent({"metadata": {"a": shared, "b": shared}}) == {"metadata": {"a": [1], "b": [1]}}


def _nested(levels: int) -> dict[str, Any]:
    root: dict[str, Any] = {}
    node = root
    for _ in range(levels):
        node["a"] = {}
        node = node["a"]
    return root


def test_deep_metadata_encodes_or_fails_by_name() -> None:
    """Depth json can write is sent; deeper is a ValueError naming the parameter."""
    assert json.loads(encode_body({"metadata": _nested(400)}))["metadata"] == _nested(400)
    with pytest.raises(ValueError, match=r"^metadata nests 10001 levels deep"):
        encode_body({"session_id": "s", "metadata": _nested(10_000)})
    with pytest.raises(ValueError, match=r"^messages nests deeper than"):
        encode_body({"messages": [Message(content="x", role_type="user", metadata=_nested(5000))]})


def test_huge_integers_are_refused_by_name() -> None:
    """An int too long for Python to print is a ValueError naming the parameter."""
    with pytest.raises(ValueError, match=r"^metadata cannot be encoded as JSON"):
        encode_body({"metadata": {"n": 10**5000}})


@pytest.mark.parametrize(
    ("messages", "error", "where"),
    [
        ("hi", TypeError, "messages must be a list of Message"),
        ([{"content": "x", "role_type": "user"}, 5], TypeError, "messages[1] must be a Message"),
        ([{"content": "x"}], TypeError, "messages[0].role_type is required: one of 'norole'"),
        ([{"content": "x", "role": "user"}], TypeError, "role is the speaker's free-form name"),
        ([{"role_type": "user"}], TypeError, "messages[0].content is required"),
        ([Message(role_type="user")], TypeError, "messages[0].content is required"),
        ([{"content": "x", "role_type": "robot"}], ValueError, "messages[0].role_type must be"),
        ([{"content": 5, "role_type": "user"}], TypeError, "messages[0].content must be a str"),
        ([{"content": "\ud800", "role_type": "user"}], ValueError, "messages[0].content is not"),
        ([{"contents": "x"}], ValueError, "messages[0] has an unknown key 'contents'"),
        ([{"content": "x", "role_type": "user", "metadata": [1]}], TypeError, ".metadata must"),
        (
            [{"content": "x", "role_type": "user", "metadata": {"a": {1}}}],
            TypeError,
            "messages[0].metadata['a'] is a set",
        ),
        (
            [{"content": "x", "role_type": "user", "created_at": datetime(2024, 1, 1)}],
            ValueError,
            "messages[0].created_at must be timezone-aware",
        ),
        (
            [{"content": "x", "role_type": "user", "created_at": "soon"}],
            ValueError,
            "messages[0].created_at is not an RFC 3339 timestamp",
        ),
        (
            [{"content": "x", "role_type": "user", "token_count": True}],
            TypeError,
            "messages[0].token_count must be an int",
        ),
        (
            [{"content": "x", "role_type": "user", "token_count": 2**64}],
            ValueError,
            "messages[0].token_count must fit in 64 bits",
        ),
    ],
)
def test_bad_messages_are_refused_naming_the_path(
    messages: object, error: type[Exception], where: str
) -> None:
    """Each bad message is refused with its index and field."""
    with pytest.raises(error) as info:
        check_messages(messages)
    assert where in str(info.value)


def test_messages_may_be_mappings() -> None:
    """A mapping becomes the Message it describes, timestamps as datetime or RFC 3339 text."""
    stamp = datetime(2024, 1, 1, tzinfo=UTC)
    checked = check_messages(
        ({"content": "a", "role_type": "user", "created_at": "2024-01-01T00:00:00Z"},)
    )
    assert checked == [Message(content="a", role_type="user", created_at=stamp)]


def test_messages_read_back_can_be_sent_again() -> None:
    """A message as to_dict wrote it (year-1 updated_at and all) is accepted again."""
    received = Message(
        content="hi",
        role_type="user",
        role="",
        uuid="u",
        created_at=datetime(2024, 1, 1, tzinfo=UTC),
        updated_at=datetime(1, 1, 1, tzinfo=UTC),
        token_count=0,
    )
    assert check_messages([to_dict(received)]) == [received]
    assert _sent({"messages": [received]})["messages"][0]["updated_at"] == (
        "0001-01-01T00:00:00+00:00"
    )


def test_scalar_parameters_are_checked_too() -> None:
    """A top-level str with a lone surrogate or a NaN is refused by name."""
    with pytest.raises(ValueError, match=r"^text is not valid Unicode"):
        encode_body({"text": "a\udc00"})
    with pytest.raises(ValueError, match=r"^min_score is nan, not JSON"):
        encode_body({"min_score": math.nan})
    with pytest.raises(TypeError, match=r"^session_ids\[1\] is an object, not JSON"):
        encode_body({"session_ids": ["a", object()]})
    assert _sent({"limit": 3, "asc": True, "text": "é"}) == {"limit": 3, "asc": True, "text": "é"}


@pytest.mark.parametrize(
    ("value", "error", "where"),
    [
        ({"classes": ["a"]}, TypeError, "classify.name is required"),
        ({"name": "n"}, TypeError, "classify.classes is required"),
        ({"classes": "ab", "name": "n"}, TypeError, "classify.classes must be a list of str"),
        ({"classes": ["a", 1], "name": "n"}, TypeError, "classify.classes[1] must be a str"),
        ({"classes": [], "name": "n", "last_n": "4"}, TypeError, "classify.last_n must be an int"),
        ({"classes": [], "name": "n", "persist": "no"}, TypeError, "classify.persist must be a"),
        ({"classes": [], "name": "n", "class": "x"}, ValueError, "classify has an unknown key"),
        (["a"], TypeError, "classify must be a ClassifySessionRequest or a mapping"),
    ],
)
def test_bad_classify_is_refused(value: object, error: type[Exception], where: str) -> None:
    """classify is checked key by key, naming the path."""
    with pytest.raises(error) as info:
        check_classify(value)
    assert where in str(info.value)


def test_classify_mapping_becomes_the_model() -> None:
    """A mapping with the request's keys is accepted as the model."""
    assert check_classify({"classes": ("a",), "name": "n"}) == ClassifySessionRequest(
        classes=["a"], name="n"
    )


@pytest.mark.parametrize(
    ("value", "error", "where"),
    [
        ({"instruction": 5}, TypeError, "fact_rating_instruction.instruction must be a str"),
        ({"examples": {"top": "x"}}, ValueError, "fact_rating_instruction.examples has an unkn"),
        ({"examples": {"high": 1}}, TypeError, "fact_rating_instruction.examples.high must be"),
        ({"examples": "x"}, TypeError, "fact_rating_instruction.examples must be a FactRating"),
        ("rate", TypeError, "fact_rating_instruction must be a FactRatingInstruction"),
    ],
)
def test_bad_fact_rating_instruction_is_refused(
    value: object, error: type[Exception], where: str
) -> None:
    """fact_rating_instruction and its examples are checked, naming the path."""
    with pytest.raises(error) as info:
        check_fact_rating_instruction(value)
    assert where in str(info.value)


def test_fact_rating_instruction_mapping_becomes_the_model() -> None:
    """Nested mappings become nested models."""
    checked = check_fact_rating_instruction({"instruction": "i", "examples": {"low": "l"}})
    assert checked == FactRatingInstruction(instruction="i", examples=FactRatingExamples(low="l"))


def test_check_metadata_wants_a_dict_of_json() -> None:
    """metadata itself must be a dict; its contents any JSON."""
    assert check_metadata({"a": [1]}) == {"a": [1]}
    with pytest.raises(TypeError, match="metadata must be a dict, not list"):
        check_metadata([1])
    with pytest.raises(TypeError, match=r"record_filter\['x'\] is a set"):
        check_metadata({"x": set()}, "record_filter")
