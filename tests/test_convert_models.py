"""Every v2 model decodes Cloud- and Community-Edition-shaped JSON and round-trips."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from zep_async import (
    AddMemoryResponse,
    APIResponseValidationError,
    EndSessionResponse,
    EndSessionsResponse,
    Fact,
    Memory,
    MemorySearchResult,
    Message,
    MessageListResponse,
    Session,
    SessionClassification,
    SessionSearchResponse,
    SuccessResponse,
    Summary,
    User,
    UserListResponse,
    from_dict,
    to_dict,
)
from zep_async._codec import decode

YEAR_ONE = datetime(1, 1, 1, tzinfo=UTC)
# As the Community Edition writes them (API-V2.md §4): key order, year-1 updated_at, no content.
CE_MESSAGE = {
    "uuid": "0d6a8e64-8f5c-4b7e-9a52-4d0b2b8f6a10",
    "created_at": "2024-08-07T18:25:43.123456Z",
    "updated_at": "0001-01-01T00:00:00Z",
    "role": "",
    "role_type": "user",
    "content": "hello",
    "token_count": 0,
}
CE_FACT = {"uuid": "f1", "created_at": "2024-08-07T18:25:43Z", "fact": "likes tea"}
CE_USER = {
    "uuid": "a0b1",
    "id": 3,
    "created_at": "2024-08-07T18:25:43.5Z",
    "updated_at": "2024-08-07T18:25:43.5Z",
    "deleted_at": None,
    "user_id": "u-7",
    "project_uuid": "00000000-0000-0000-0000-000000000000",
}
CLOUD_SUMMARY = {
    "uuid": "s1",
    "content": "they talked",
    "created_at": "2024-08-07T18:25:43+02:00",
    "metadata": {"k": [1, {"x": None}]},
    "related_message_uuids": ["m1", "m2"],
    "token_count": 12,
}
CLOUD_MESSAGE = dict(CE_MESSAGE, metadata={"lang": "en"}, processed=True, role="Jane")
CLOUD_FACT = {
    "uuid": "f2",
    "content": "Jane likes tea",
    "fact": "Jane likes tea",
    "created_at": "2024-08-07T18:25:43Z",
    "name": "LIKES",
    "rating": 0.75,
    "valid_at": "2024-08-07T18:25:43Z",
    "invalid_at": None,
    "expired_at": None,
    "source_node_name": "Jane",
    "target_node_name": "tea",
}

CASES: list[tuple[type[Any], dict[str, Any]]] = [
    (Message, CE_MESSAGE),
    (Message, CLOUD_MESSAGE),
    (Fact, CE_FACT),
    (Fact, CLOUD_FACT),
    (Summary, CLOUD_SUMMARY),
    (Memory, {"messages": [CE_MESSAGE], "relevant_facts": [CE_FACT]}),
    (
        Memory,
        {
            "context": "FACTS: ...",
            "messages": [CLOUD_MESSAGE],
            "relevant_facts": [CLOUD_FACT],
            "facts": ["likes tea"],
            "summary": CLOUD_SUMMARY,
            "metadata": {"m": 1},
        },
    ),
    (MessageListResponse, {"messages": [CE_MESSAGE] * 3, "total_count": 9, "row_count": 3}),
    (AddMemoryResponse, {"context": "ctx"}),
    (User, CE_USER),
    (
        User,
        dict(
            CE_USER,
            email="j@example.com",
            first_name="Jane",
            last_name="Doe",
            metadata={"plan": "pro"},
            session_count=2,
            fact_rating_instruction={"instruction": "rate", "examples": {"high": "h"}},
        ),
    ),
    (UserListResponse, {"users": [CE_USER], "total_count": 1, "row_count": 1}),
    (SuccessResponse, {"message": "OK"}),
    (
        EndSessionResponse,
        {"classification": {"class": "happy", "label": "mood"}, "session": {"session_id": "s"}},
    ),
    (EndSessionsResponse, {"sessions": [{"session_id": "a"}, {"session_id": "b"}]}),
    (SessionSearchResponse, {"results": [{"fact": CE_FACT}]}),
    (
        SessionSearchResponse,
        {
            "results": [
                {
                    "fact": CLOUD_FACT,
                    "message": CLOUD_MESSAGE,
                    "score": 1,
                    "session_id": "s",
                    "summary": CLOUD_SUMMARY,
                }
            ]
        },
    ),
    (MemorySearchResult, {"message": CLOUD_MESSAGE, "metadata": {}, "score": 0.5}),
]


@pytest.mark.parametrize(("cls", "data"), CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_model_round_trips(cls: type[Any], data: dict[str, Any]) -> None:
    """Decoding, to_dict and decoding again give an equal model, through JSON text too."""
    model = decode(cls, json.dumps(data).encode())
    assert model == from_dict(cls, data)
    again = to_dict(model)
    assert from_dict(cls, json.loads(json.dumps(again))) == model
    assert set(again) >= {key for key in data if key != "from_the_future"}


def test_community_edition_message_and_fact_decode() -> None:
    """Year-1 updated_at and a fact without content, as the Community Edition sends them."""
    memory = from_dict(Memory, {"messages": [CE_MESSAGE], "relevant_facts": [CE_FACT]})
    assert memory.messages[0].updated_at == YEAR_ONE
    assert memory.messages[0].role == ""
    assert memory.relevant_facts[0].content is None
    assert memory.relevant_facts[0].fact == "likes tea"
    assert to_dict(memory.messages[0])["updated_at"] == "0001-01-01T00:00:00+00:00"


def test_class_is_class_underscore_both_ways() -> None:
    """JSON `class` is SessionClassification.class_, and to_dict writes `class` again."""
    classification = from_dict(SessionClassification, {"class": "happy", "label": "mood"})
    assert classification.class_ == "happy"
    assert to_dict(classification) == {"class": "happy", "label": "mood"}
    assert from_dict(SessionClassification, {"class_": "x"}).class_ is None


@pytest.mark.parametrize(
    ("cls", "key"),
    [
        (Memory, "messages"),
        (Memory, "relevant_facts"),
        (MessageListResponse, "messages"),
        (UserListResponse, "users"),
        (EndSessionsResponse, "sessions"),
        (SessionSearchResponse, "results"),
    ],
)
def test_lists_of_models_are_never_none(cls: type[Any], key: str) -> None:
    """A list of models sent as null, or left out, is an empty list."""
    assert getattr(from_dict(cls, {key: None}), key) == []
    assert getattr(from_dict(cls, {}), key) == []
    assert getattr(cls(), key) == []


def test_lists_of_strings_keep_none() -> None:
    """A list of strings left out stays None: absent is not the same as empty."""
    assert from_dict(Memory, {}).facts is None
    assert from_dict(Summary, {}).related_message_uuids is None


def test_unknown_role_type_is_kept() -> None:
    """A role type newer than the SDK is kept as its string, not an error."""
    assert from_dict(Message, {"role_type": "developer"}).role_type == "developer"


@pytest.mark.parametrize(
    ("cls", "data", "where"),
    [
        (Fact, {"rating": "0.5"}, "$.rating"),
        (Fact, {"rating": True}, "$.rating"),
        (Message, {"processed": "false"}, "$.processed"),
        (Message, {"processed": 1}, "$.processed"),
        (Message, {"role_type": 1}, "$.role_type"),
        (Memory, {"messages": [{"content": 5}]}, "$.messages[0].content"),
        (Memory, {"messages": "abc"}, "$.messages"),
        (Memory, {"relevant_facts": ["f"]}, "$.relevant_facts[0]"),
        (EndSessionResponse, {"classification": {"class": 1}}, "$.classification.class"),
        (UserListResponse, {"users": [{"id": "1"}]}, "$.users[0].id"),
    ],
)
def test_wrong_shapes_name_the_field(cls: type[Any], data: dict[str, Any], where: str) -> None:
    """A value of the wrong JSON type is refused with its path in the message."""
    with pytest.raises(ValueError, match=r"\$") as info:
        from_dict(cls, data)
    assert where in str(info.value)


def test_integers_are_numbers() -> None:
    """A float field takes a JSON integer, as a float."""
    rating = from_dict(Fact, {"rating": 1}).rating
    assert rating == 1.0
    assert type(rating) is float


def test_bare_arrays_decode() -> None:
    """decode takes list[Model] for a bare JSON array; null is an empty list."""
    body = json.dumps([{"session_id": "a"}, {"session_id": "b", "id": 0}]).encode()
    sessions = decode(list[Session], body)
    assert [s.session_id for s in sessions] == ["a", "b"]
    assert decode(list[Session], b"[]") == []
    assert decode(list[Session], b"null") == []
    hits = decode(list[MemorySearchResult], json.dumps([{"score": 0.5}]).encode())
    assert hits == [MemorySearchResult(score=0.5)]


@pytest.mark.parametrize(
    ("body", "where"),
    [(b"{}", "JSON array @ $"), (b'[{"id": "x"}]', "$[0].id"), (b"[1]", "$[0]"), (b"[", "JSON")],
)
def test_bad_bare_arrays_are_refused(body: bytes, where: str) -> None:
    """A bare array of the wrong shape raises APIResponseValidationError naming the item."""
    with pytest.raises(APIResponseValidationError) as info:
        decode(list[Session], body)
    assert where in str(info.value)
    assert "list[Session]" in str(info.value)


def _nested(levels: int) -> dict[str, Any]:
    root: dict[str, Any] = {}
    node = root
    for _ in range(levels):
        node["a"] = {}
        node = node["a"]
    return root


@pytest.mark.parametrize("levels", [400, 10_000])
@pytest.mark.parametrize("cls", [Session, User, Message, Summary, Memory, MemorySearchResult])
def test_deep_metadata_passes_through_to_dict(cls: type[Any], levels: int) -> None:
    """Deep metadata comes out of to_dict as it went in, without a recursive walk."""
    metadata = _nested(levels)
    data = to_dict(cls(metadata=metadata))
    assert data["metadata"] is not metadata  # a fresh top level: editing it spares the model
    assert data["metadata"].keys() == metadata.keys()
    assert data["metadata"]["a"] is metadata["a"]  # the contents are shared, never walked


def test_deep_metadata_decodes_and_encodes_back() -> None:
    """A session whose metadata nests 400 levels decodes and comes back out as JSON."""
    body = ('{"session_id":"s","metadata":' + '{"a":' * 400 + "{}" + "}" * 400 + "}").encode()
    session = decode(Session, body)
    assert json.dumps(to_dict(session)["metadata"]) == json.dumps(json.loads(body)["metadata"])
