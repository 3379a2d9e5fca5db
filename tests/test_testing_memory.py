"""LocalZep's memory and message routes: add, get, list, one message, metadata, search."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from tests.local_zep_support import Api, ce, cloud, http_client, msg

__all__ = ["ce", "cloud", "http_client"]


async def test_add_memory_stores_messages_in_order_with_server_fields(cloud: Api) -> None:
    """Messages are appended in order; uuid and created_at come from the server."""
    cloud.server.add_session("s")
    body = {
        "messages": [
            msg("one", role="Jane", created_at="1999-01-01T00:00:00Z"),
            msg("two", "assistant"),
        ]
    }
    assert await cloud("POST", "/sessions/{}/memory", "s", body=body) == (200, {})
    assert await cloud("POST", "/sessions/{}/memory", "s", body={"messages": [msg("three")]}) == (
        200,
        {},
    )
    stored = cloud.server.messages("s")
    assert [m["content"] for m in stored] == ["one", "two", "three"]
    assert [m["role"] for m in stored] == ["Jane", None, None]
    assert len({m["uuid"] for m in stored}) == 3
    assert stored[0]["created_at"] != "1999-01-01T00:00:00Z"
    stamps = [datetime.fromisoformat(m["created_at"]) for m in stored]
    assert stamps[0] < stamps[1] < stamps[2]


async def test_add_memory_keeps_a_given_uuid_and_refuses_its_reuse(cloud: Api) -> None:
    """A client uuid is kept; sending it again gets 400 and stores nothing."""
    cloud.server.add_session("s")
    given = str(uuid.uuid4())
    assert (
        await cloud("POST", "/sessions/{}/memory", "s", body={"messages": [msg("a", uuid=given)]})
    )[0] == 200
    again = await cloud(
        "POST", "/sessions/{}/memory", "s", body={"messages": [msg("b", uuid=given)]}
    )
    assert again == (400, {"message": "bad request: message_uuid already exists"})
    assert [m["uuid"] for m in cloud.server.messages("s")] == [given]


async def test_add_memory_returns_context_when_asked(cloud: Api) -> None:
    """return_context gives the deterministic context of the recent messages."""
    cloud.server.add_session("s")
    body = {"messages": [msg("hi", role="Jane"), msg("hello", "assistant")], "return_context": True}
    assert await cloud("POST", "/sessions/{}/memory", "s", body=body) == (
        200,
        {"context": "Jane: hi\nassistant: hello"},
    )


@pytest.mark.parametrize(
    ("messages", "message"),
    [
        (
            [msg("x")] * 31,
            "max messages per memory of 30 exceeded. reduce the number of messages in your request",
        ),
        ([msg("x" * 2501)], "message content exceeds 2500 characters"),
        ([{"content": "x"}], "messages are required to have a RoleType"),
        ([msg("x", role_type="")], "messages are required to have a RoleType"),
        ([msg("x", role_type="robot")], "bad request: invalid RoleType: robot"),
        ([{"role_type": "user"}], "bad request: each message needs a string content"),
        (
            None,
            "Key: 'AddMemoryRequest.AddMemoryRequestCommon.Messages' Error:"
            "Field validation for 'Messages' failed on the 'required' tag",
        ),
    ],
)
async def test_add_memory_limits_are_clean_400s(cloud: Api, messages: object, message: str) -> None:
    """Over 30 messages or 2,500 characters, a missing or unknown role_type: one 400, no write."""
    cloud.server.add_session("s")
    assert await cloud("POST", "/sessions/{}/memory", "s", body={"messages": messages}) == (
        400,
        {"message": message},
    )
    assert cloud.server.messages("s") == []


async def test_add_memory_limits_count_code_points(cloud: Api) -> None:
    """30 messages of 2,500 code points each (emoji, 4 UTF-8 bytes apiece) are accepted."""
    cloud.server.add_session("s")
    body = {"messages": [msg("😀" * 2500)] * 30}
    assert (await cloud("POST", "/sessions/{}/memory", "s", body=body))[0] == 200
    assert len(cloud.server.messages("s")) == 30


async def test_add_memory_empty_list_is_accepted(cloud: Api) -> None:
    """An empty message list is accepted and stores nothing."""
    cloud.server.add_session("s")
    assert await cloud("POST", "/sessions/{}/memory", "s", body={"messages": []}) == (200, {})


async def test_add_memory_to_unknown_session_is_404_on_cloud(cloud: Api) -> None:
    """Cloud answers 404 for an unknown session and creates nothing."""
    assert await cloud("POST", "/sessions/{}/memory", "nope", body={"messages": [msg("x")]}) == (
        404,
        {"message": "not found"},
    )
    assert cloud.server.sessions == []


async def test_get_memory_returns_the_last_six_in_order_with_context(cloud: Api) -> None:
    """lastn defaults to 6: the most recent messages, oldest first, and a context from them."""
    cloud.server.add_session("s")
    cloud.server.add_messages("s", [msg(f"m{n}") for n in range(10)])
    status, body = await cloud("GET", "/sessions/{}/memory", "s")
    assert status == 200
    assert [m["content"] for m in body["messages"]] == [f"m{n}" for n in range(4, 10)]
    assert body["context"] == "\n".join(f"user: m{n}" for n in range(4, 10))
    assert body["relevant_facts"] == []
    status, body = await cloud("GET", "/sessions/{}/memory", "s", lastn="2", minRating="0.5")
    assert [m["content"] for m in body["messages"]] == ["m8", "m9"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"lastn": "-1"}, "lastn cannot be negative"),
        ({"lastn": "x"}, "invalid value for lastn"),
        ({"minRating": "nan"}, "invalid value for minRating"),
    ],
)
async def test_get_memory_bad_query_is_400(
    cloud: Api, params: dict[str, str], message: str
) -> None:
    """A negative or non-integer lastn, a non-finite minRating: 400."""
    cloud.server.add_session("s")
    assert await cloud("GET", "/sessions/{}/memory", "s", **params) == (400, {"message": message})


async def test_get_memory_of_unknown_session_is_404_on_cloud(cloud: Api) -> None:
    """Cloud answers 404 for the memory of an unknown session."""
    assert await cloud("GET", "/sessions/{}/memory", "nope") == (404, {"message": "not found"})


async def test_messages_page_by_cursor_as_page_number(cloud: Api) -> None:
    """cursor is a 1-based page of limit messages, with total_count and row_count."""
    cloud.server.add_session("s")
    cloud.server.add_messages("s", [msg(f"m{n}") for n in range(5)])
    pages = []
    for cursor in ("1", "2", "3", "4"):
        status, body = await cloud("GET", "/sessions/{}/messages", "s", limit="2", cursor=cursor)
        assert status == 200
        pages.append(
            ([m["content"] for m in body["messages"]], body["total_count"], body["row_count"])
        )
    assert pages == [(["m0", "m1"], 5, 2), (["m2", "m3"], 5, 2), (["m4"], 5, 1), ([], 5, 0)]
    status, body = await cloud("GET", "/sessions/{}/messages", "s")
    assert (len(body["messages"]), body["total_count"], body["row_count"]) == (5, 5, 5)


async def test_messages_of_unknown_session_is_404_on_cloud(cloud: Api) -> None:
    """Cloud answers 404 for the messages of an unknown session."""
    assert await cloud("GET", "/sessions/{}/messages", "nope") == (404, {"message": "not found"})


async def test_get_one_message(cloud: Api) -> None:
    """A message is found by uuid within its session only; other uuids get 404 or 400."""
    cloud.server.add_session("s")
    cloud.server.add_session("other")
    (stored,) = cloud.server.add_messages("s", [msg("hi")])
    assert await cloud("GET", "/sessions/{}/messages/{}", "s", stored["uuid"]) == (200, stored)
    missing = (404, {"message": "no message found for UUID"})
    assert await cloud("GET", "/sessions/{}/messages/{}", "other", stored["uuid"]) == missing
    assert await cloud("GET", "/sessions/{}/messages/{}", "s", str(uuid.uuid4())) == missing
    assert await cloud("GET", "/sessions/{}/messages/{}", "s", "not-a-uuid") == (
        400,
        {"message": "unable to parse UUID: not-a-uuid"},
    )
    assert cloud.server.requests[0].message_uuid == stored["uuid"]


async def test_update_message_metadata_merges(cloud: Api) -> None:
    """PATCH merges metadata like sessions do (system key dropped) and returns the message."""
    cloud.server.add_session("s")
    (stored,) = cloud.server.add_messages("s", [msg("hi", metadata={"keep": 1, "change": 1})])
    body = {"metadata": {"change": 2, "system": 1, "new": True}}
    status, message = await cloud(
        "PATCH", "/sessions/{}/messages/{}", "s", stored["uuid"], body=body
    )
    assert status == 200
    assert message["metadata"] == {"keep": 1, "change": 2, "new": True}
    assert cloud.server.messages("s")[0]["metadata"] == message["metadata"]
    assert await cloud("PATCH", "/sessions/{}/messages/{}", "s", str(uuid.uuid4()), body=body) == (
        404,
        {"message": "no message found for UUID"},
    )


async def test_search_memory_scores_by_shared_words(cloud: Api) -> None:
    """Search ranks messages by the share of query words they contain, best first, then by age."""
    cloud.server.add_session("s")
    cloud.server.add_messages(
        "s", [msg("my card was charged twice"), msg("nothing here"), msg("Card declined")]
    )
    status, body = await cloud("POST", "/sessions/{}/search", "s", body={"text": "card charged"})
    assert status == 200
    assert [(r["message"]["content"], r["score"]) for r in body] == [
        ("my card was charged twice", 1.0),
        ("Card declined", 0.5),
    ]
    status, body = await cloud(
        "POST",
        "/sessions/{}/search",
        "s",
        body={"text": "card charged", "min_score": 0.6},
        limit="5",
    )
    assert len(body) == 1
    assert (await cloud("POST", "/sessions/{}/search", "s", body={"text": "card"}, limit="1"))[1][
        0
    ]["message"]["content"] == "my card was charged twice"


async def test_search_sessions_across_sessions(cloud: Api) -> None:
    """POST /sessions/search scores messages of the chosen sessions and names their session."""
    cloud.server.add_user("u")
    cloud.server.add_session("a", user_id="u")
    cloud.server.add_session("b")
    cloud.server.add_messages("a", [msg("refund please")])
    cloud.server.add_messages("b", [msg("refund now please")])
    status, body = await cloud("POST", "/sessions/search", body={"text": "refund please"})
    assert status == 200
    assert [(r["session_id"], r["score"]) for r in body["results"]] == [("a", 1.0), ("b", 1.0)]
    status, body = await cloud("POST", "/sessions/search", body={"text": "refund", "user_id": "u"})
    assert [r["session_id"] for r in body["results"]] == ["a"]
    status, body = await cloud(
        "POST", "/sessions/search", body={"text": "refund", "session_ids": ["b"]}
    )
    assert [r["session_id"] for r in body["results"]] == ["b"]
    assert await cloud("POST", "/sessions/search", body={}) == (
        400,
        {"message": "bad request: text is required"},
    )
    assert await cloud("POST", "/sessions/search", body={"text": "x"}, limit="-1") == (
        400,
        {"message": "limit cannot be negative"},
    )
