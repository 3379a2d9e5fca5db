"""memory.add/get and the message calls against LocalZep: wire format, shapes, statuses."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from zep_async import (
    AddMemoryResponse,
    AsyncZep,
    BadRequestError,
    Memory,
    Message,
    MessageListResponse,
    NotFoundError,
    SessionEndedError,
)
from zep_async.testing import LocalZep

from .conftest import NO_WAIT

JANE = Message(role_type="user", role="Jane", content="My card was charged twice.")
SUPPORT = {"role_type": "assistant", "role": "Support", "content": "Let me check that."}


def _pop_uuids(body: Any) -> None:
    """Take out the uuid4 the SDK gave each message (for recovery), checking each is one."""
    for message in body["messages"]:
        assert uuid.UUID(message.pop("uuid")).version == 4


async def test_add_sends_only_the_given_keys(local_zep: LocalZep, client: AsyncZep) -> None:
    """POST /sessions/{id}/memory with messages as set, and ignore_roles/return_context."""
    local_zep.add_session("chat-42")
    answer = await client.memory.add(
        "chat-42", messages=[JANE, SUPPORT], ignore_roles=["assistant"], return_context=False
    )
    assert answer == AddMemoryResponse(context=None)
    (request,) = local_zep.requests
    assert (request.method, request.path, request.route) == (
        "POST",
        "/api/v2/sessions/chat-42/memory",
        "add_memory",
    )
    _pop_uuids(request.json)
    assert request.json == {
        "messages": [
            {"content": "My card was charged twice.", "role_type": "user", "role": "Jane"},
            SUPPORT,
        ],
        "ignore_roles": ["assistant"],
        "return_context": False,
    }
    assert [m["content"] for m in local_zep.messages("chat-42")] == [
        "My card was charged twice.",
        "Let me check that.",
    ]


async def test_add_leaves_out_unset_options(local_zep: LocalZep, client: AsyncZep) -> None:
    """Without ignore_roles and return_context the body holds messages only."""
    local_zep.add_session("s")
    await client.memory.add("s", messages=(JANE,))
    _pop_uuids(local_zep.requests[0].json)
    assert local_zep.requests[0].json == {
        "messages": [{"content": JANE.content, "role_type": "user", "role": "Jane"}]
    }


async def test_add_returns_the_context_when_asked(local_zep: LocalZep, client: AsyncZep) -> None:
    """return_context=True: Cloud answers the (LocalZep: deterministic) context string."""
    local_zep.add_session("s")
    answer = await client.memory.add("s", messages=[JANE, SUPPORT], return_context=True)
    assert answer.context == "Jane: My card was charged twice.\nSupport: Let me check that."


async def test_add_decodes_the_community_editions_201() -> None:
    """CE answers 201 {"message":"OK"} (and creates an unknown session): no context."""
    async with LocalZep(flavor="ce") as server, _zep(server) as zep:
        answer = await zep.memory.add("new", messages=[JANE], return_context=True)
        assert answer == AddMemoryResponse()
        assert len(server.messages("new")) == 1


async def test_add_to_an_unknown_session_is_not_found_on_cloud(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """Cloud: 404 NotFoundError; nothing stored."""
    with pytest.raises(NotFoundError) as info:
        await client.memory.add("nobody", messages=[JANE])
    assert info.value.status_code == 404
    assert info.value.may_have_been_applied is False


async def test_add_to_an_ended_session_is_session_ended(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """409 'session ended' is SessionEndedError."""
    local_zep.add_session("s", ended_at=datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(SessionEndedError):
        await client.memory.add("s", messages=[JANE])


@pytest.mark.parametrize(
    ("messages", "said"),
    [
        ([JANE] * 31, "max messages per memory of 30 exceeded"),
        ([Message(role_type="user", content="x" * 2501)], "exceeds 2500 characters"),
    ],
    ids=["31-messages", "2501-characters"],
)
async def test_the_servers_limits_arrive_as_bad_request(
    local_zep: LocalZep, client: AsyncZep, messages: list[Message], said: str
) -> None:
    """The plan's limits are the server's: its 400 is a BadRequestError with its words."""
    local_zep.add_session("s")
    with pytest.raises(BadRequestError) as info:
        await client.memory.add("s", messages=messages)
    assert said in info.value.message
    assert info.value.request_id is not None
    assert local_zep.count("add_memory") == 1
    assert local_zep.messages("s") == []


async def test_get_sends_lastn_and_min_rating(local_zep: LocalZep, client: AsyncZep) -> None:
    """GET /sessions/{id}/memory?lastn=&minRating= (camelCase on the wire)."""
    local_zep.add_session("s")
    local_zep.add_messages("s", [dict(SUPPORT, content=f"m{n}") for n in range(8)])
    memory = await client.memory.get("s", lastn=3, min_rating=0.5)
    request = local_zep.requests[-1]
    assert (request.method, request.path) == ("GET", "/api/v2/sessions/s/memory")
    assert request.query == {"lastn": "3", "minRating": "0.5"}
    assert [m.content for m in memory.messages] == ["m5", "m6", "m7"]
    assert memory.context == "Support: m5\nSupport: m6\nSupport: m7"


async def test_get_without_arguments_sends_no_query(local_zep: LocalZep, client: AsyncZep) -> None:
    """The server's default lastn (6) applies when none is given."""
    local_zep.add_session("s")
    local_zep.add_messages("s", [dict(SUPPORT, content=f"m{n}") for n in range(8)])
    memory = await client.memory.get("s")
    assert local_zep.requests[-1].query == {}
    assert len(memory.messages) == 6


async def test_get_of_an_unknown_session(local_zep: LocalZep, client: AsyncZep) -> None:
    """Cloud: 404 NotFoundError."""
    with pytest.raises(NotFoundError):
        await client.memory.get("nobody")


async def test_the_community_edition_answers_empty_lists() -> None:
    """CE: 200 with empty lists for an unknown session, for memory and for messages."""
    async with LocalZep(flavor="ce") as server, _zep(server) as zep:
        memory = await zep.memory.get("nobody")
        page = await zep.memory.get_session_messages("nobody")
    assert memory == Memory()
    assert page == MessageListResponse(messages=[], total_count=0, row_count=0)


async def test_community_shapes_decode(local_zep: LocalZep) -> None:
    """Facts without content and messages with updated_at of year 1 decode."""
    body = {
        "messages": [
            {
                "uuid": "7c1b2a3d-0000-4000-8000-000000000001",
                "created_at": "2026-03-01T10:00:00.123456789Z",
                "updated_at": "0001-01-01T00:00:00Z",
                "role": "",
                "role_type": "user",
                "content": "hi",
                "token_count": 0,
            }
        ],
        "relevant_facts": [
            {"uuid": "f-1", "created_at": "2026-03-01T10:00:00Z", "fact": "Jane was charged."}
        ],
    }
    local_zep.fail("get_memory", 200, json=body)
    async with _zep(local_zep) as zep:
        memory = await zep.memory.get("s")
    (message,) = memory.messages
    assert message.updated_at == datetime(1, 1, 1, tzinfo=UTC)
    assert message.created_at == datetime(2026, 3, 1, 10, 0, 0, 123456, tzinfo=UTC)
    (fact,) = memory.relevant_facts
    assert (fact.content, fact.fact, fact.rating) == (None, "Jane was charged.", None)
    assert memory.context is None


async def test_unknown_fields_and_role_types_are_kept_or_ignored(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """A role type newer than the SDK is kept as its string; unknown keys are ignored."""
    local_zep.fail(
        "get_session_message",
        200,
        json={"content": "x", "role_type": "critic", "shiny_new_field": [1, 2]},
    )
    message = await client.memory.get_session_message("s", "a-uuid")
    assert message == Message(content="x", role_type="critic")  # type: ignore[arg-type]


async def test_messages_page_wire_and_counts(local_zep: LocalZep, client: AsyncZep) -> None:
    """GET /sessions/{id}/messages?limit=&cursor=: cursor is a 1-based page number."""
    local_zep.add_session("s")
    local_zep.add_messages("s", [dict(SUPPORT, content=f"m{n}") for n in range(5)])
    page = await client.memory.get_session_messages("s", limit=2, cursor=2)
    assert local_zep.requests[-1].query == {"limit": "2", "cursor": "2"}
    assert [m.content for m in page.messages] == ["m2", "m3"]
    assert (page.total_count, page.row_count) == (5, 2)
    everything = await client.memory.get_session_messages("s")
    assert local_zep.requests[-1].query == {}
    assert everything.row_count == 5


async def test_one_message_and_its_metadata_patch(local_zep: LocalZep, client: AsyncZep) -> None:
    """GET and PATCH /sessions/{id}/messages/{uuid}; metadata is merged, system dropped."""
    local_zep.add_session("s")
    (stored,) = local_zep.add_messages("s", [dict(SUPPORT, metadata={"keep": 1, "k": "old"})])
    uuid = stored["uuid"]
    message = await client.memory.get_session_message("s", uuid)
    assert (message.uuid, message.content) == (uuid, SUPPORT["content"])
    updated = await client.memory.update_message_metadata(
        "s", uuid, metadata={"k": "new", "system": {"x": 1}}
    )
    request = local_zep.requests[-1]
    assert (request.method, request.path) == ("PATCH", f"/api/v2/sessions/s/messages/{uuid}")
    assert request.json == {"metadata": {"k": "new", "system": {"x": 1}}}
    assert updated.metadata == {"keep": 1, "k": "new"}


async def test_an_unknown_message_is_not_found(local_zep: LocalZep, client: AsyncZep) -> None:
    """404 for a valid uuid the session does not hold; 400 for one that is not a UUID."""
    local_zep.add_session("s")
    with pytest.raises(NotFoundError):
        await client.memory.get_session_message("s", "7c1b2a3d-0000-4000-8000-000000000001")
    with pytest.raises(NotFoundError):
        await client.memory.update_message_metadata(
            "s", "7c1b2a3d-0000-4000-8000-000000000001", metadata={"a": 1}
        )
    with pytest.raises(BadRequestError):
        await client.memory.get_session_message("s", "not-a-uuid")


async def test_ids_are_one_path_segment_each(local_zep: LocalZep, client: AsyncZep) -> None:
    """'/', '?', '#' and '..' in ids stay inside their own segment."""
    for session_id in ("a/b", "q?x=1", "h#f", ".."):
        local_zep.add_session(session_id)
        await client.memory.add(session_id, messages=[JANE])
        page = await client.memory.get_session_messages(session_id)
        assert local_zep.requests[-1].session_id == session_id
        uuid = page.messages[0].uuid
        assert uuid is not None
        await client.memory.get_session_message(session_id, uuid)
        assert local_zep.requests[-1].message_uuid == uuid
    assert local_zep.requests[-1].raw_path == "/api/v2/sessions/%2E%2E/messages/" + uuid


@pytest.mark.parametrize(
    ("call", "error", "said"),
    [
        (lambda z: z.memory.add("", messages=[JANE]), ValueError, "session_id"),
        (lambda z: z.memory.add("s", messages=[]), ValueError, "messages is empty"),
        (lambda z: z.memory.add("s", messages=JANE), TypeError, "messages must be a list"),
        (
            lambda z: z.memory.add("s", messages=[{"role_type": "human", "content": "x"}]),
            ValueError,
            "messages[0].role_type must be one of",
        ),
        (
            lambda z: z.memory.add("s", messages=[JANE, {"role_type": "user", "content": 3}]),
            TypeError,
            "messages[1].content must be a str",
        ),
        (
            lambda z: z.memory.add("s", messages=[{"role": "Jane", "content": "x"}]),
            TypeError,
            "messages[0].role_type is required",
        ),
        (
            lambda z: z.memory.add("s", messages=[{"content": "x", "role_type": "user", "u": 1}]),
            ValueError,
            "unknown key 'u'",
        ),
        (
            lambda z: z.memory.add("s", messages=[JANE], ignore_roles=["bot"]),
            ValueError,
            "ignore_roles[0] must be one of",
        ),
        (
            lambda z: z.memory.add("s", messages=[JANE], ignore_roles="user"),
            TypeError,
            "ignore_roles must be a list",
        ),
        (
            lambda z: z.memory.add("s", messages=[JANE], return_context="yes"),
            TypeError,
            "return_context",
        ),
        (lambda z: z.memory.get("s", lastn=0), ValueError, "lastn must be >= 1"),
        (lambda z: z.memory.get("s", lastn=2.0), TypeError, "lastn must be an int"),
        (lambda z: z.memory.get("s", min_rating=1.5), ValueError, "min_rating"),
        (lambda z: z.memory.get("s", min_rating=math.nan), ValueError, "min_rating"),
        (lambda z: z.memory.get("s", min_rating="0.5"), TypeError, "min_rating"),
        (lambda z: z.memory.get("s", min_rating=True), TypeError, "min_rating"),
        (lambda z: z.memory.get_session_messages("s", limit=0), ValueError, "limit"),
        (lambda z: z.memory.get_session_messages("s", cursor=0), ValueError, "cursor"),
        (lambda z: z.memory.get_session_message("s", ""), ValueError, "message_uuid"),
        (lambda z: z.memory.get_session_message("s", None), TypeError, "message_uuid"),
        (
            lambda z: z.memory.update_message_metadata("s", "u", metadata=[1]),
            TypeError,
            "metadata must be a dict",
        ),
        (
            lambda z: z.memory.update_message_metadata("s", "u", metadata={"a": math.inf}),
            ValueError,
            "metadata['a']",
        ),
        (
            lambda z: z.memory.get("s", request_options={"timeout_in_seconds": -1}),
            ValueError,
            "timeout_in_seconds",
        ),
    ],
)
async def test_bad_arguments_are_refused_before_sending(
    local_zep: LocalZep, client: AsyncZep, call: Any, error: type[Exception], said: str
) -> None:
    """A TypeError or ValueError naming the parameter, and no request at all."""
    with pytest.raises(error) as info:
        await call(client)
    assert said in str(info.value)
    assert local_zep.requests == []


def _zep(local_zep: LocalZep) -> AsyncZep:
    return AsyncZep(api_key=local_zep.api_key, base_url=local_zep.base_url, retry_policy=NO_WAIT)
