"""LocalZep's session routes: create, read, update (merge), delete (cascade), end (Cloud)."""

from __future__ import annotations

import pytest

from tests.local_zep_support import Api, ce, cloud, http_client, msg

__all__ = ["ce", "cloud", "http_client"]


async def test_add_session_answers_201_and_stores_it(cloud: Api) -> None:
    """POST /sessions stores the session and answers 201 with it."""
    cloud.server.add_user("u-1")
    status, body = await cloud(
        "POST", "/sessions", body={"session_id": "s-1", "user_id": "u-1", "metadata": {"a": 1}}
    )
    assert status == 201
    assert (body["session_id"], body["user_id"], body["metadata"]) == ("s-1", "u-1", {"a": 1})
    assert body["ended_at"] is None
    assert body["uuid"]
    assert body["created_at"]
    assert (await cloud("GET", "/sessions/{}", "s-1")) == (200, body)
    assert cloud.server.requests[0].json == {
        "session_id": "s-1",
        "user_id": "u-1",
        "metadata": {"a": 1},
    }
    assert cloud.server.requests[0].route == "add_session"


async def test_add_session_without_user_is_accepted(cloud: Api) -> None:
    """A missing user_id stores a session with no user, as the server does."""
    status, body = await cloud("POST", "/sessions", body={"session_id": "s"})
    assert (status, body["user_id"]) == (201, None)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"session_id": "dup"}, "bad request: session already exists with session_id: dup"),
        ({"session_id": "x", "user_id": "nobody"}, "user not found"),
        ({"session_id": ""}, "bad request: sessionID cannot be empty"),
        ({"user_id": None}, "bad request: sessionID cannot be empty"),
        ({"session_id": "x", "user_id": ""}, "bad request: user does not exist with user_id: "),
        ({"session_id": "x", "metadata": [1]}, "bad request: metadata must be a JSON object"),
        ([1], "the request body must be a JSON object"),
    ],
)
async def test_add_session_refusals_are_400(cloud: Api, body: object, message: str) -> None:
    """Duplicates, unknown users, empty ids and bad shapes get 400 with Zep's message."""
    cloud.server.add_session("dup")
    assert await cloud("POST", "/sessions", body=body) == (400, {"message": message})
    assert len(cloud.server.sessions) == 1


async def test_add_session_with_no_body_is_400_eof(cloud: Api) -> None:
    """An empty body gets 400 "EOF", as the Go decoder says."""
    assert await cloud("POST", "/sessions") == (400, {"message": "EOF"})


async def test_update_session_merges_metadata(cloud: Api) -> None:
    """New keys added, existing ones overwritten, others kept; a top-level system key dropped."""
    before = cloud.server.add_session("s", metadata={"keep": 1, "change": 1})
    status, body = await cloud(
        "PATCH",
        "/sessions/{}",
        "s",
        body={"metadata": {"change": 2, "new": {"x": 1}, "system": {"p": 1}}},
    )
    assert status == 200
    assert body["metadata"] == {"keep": 1, "change": 2, "new": {"x": 1}}
    assert body["updated_at"] != before["updated_at"]
    assert cloud.server.sessions[0]["metadata"] == body["metadata"]


@pytest.mark.parametrize("metadata", [None, {}])
async def test_update_session_with_no_metadata_changes_nothing(
    cloud: Api, metadata: object
) -> None:
    """null or {} metadata leaves the metadata as it was."""
    cloud.server.add_session("s", metadata={"a": 1})
    status, body = await cloud("PATCH", "/sessions/{}", "s", body={"metadata": metadata})
    assert (status, body["metadata"]) == (200, {"a": 1})


async def test_update_unknown_session_is_404(cloud: Api) -> None:
    """PATCH of an unknown session gets 404 not found."""
    assert await cloud("PATCH", "/sessions/{}", "nope", body={"metadata": {}}) == (
        404,
        {"message": "not found"},
    )


async def test_delete_session_removes_it_and_its_messages(cloud: Api) -> None:
    """DELETE .../memory answers 200 OK, then the session is 404 and its messages gone."""
    cloud.server.add_session("s")
    cloud.server.add_messages("s", [msg("hello")])
    assert await cloud("DELETE", "/sessions/{}/memory", "s") == (200, {"message": "OK"})
    assert await cloud("GET", "/sessions/{}", "s") == (404, {"message": "not found"})
    assert cloud.server.messages("s") == []
    assert await cloud("DELETE", "/sessions/{}/memory", "s") == (404, {"message": "not found"})
    status, _ = await cloud("POST", "/sessions", body={"session_id": "s"})
    assert status == 201  # the id can be used again


async def test_end_session_sets_ended_at_then_updates_are_409(cloud: Api) -> None:
    """POST .../end sets ended_at and answers {classification, session}; writes then get 409."""
    cloud.server.add_session("s")
    status, body = await cloud("POST", "/sessions/{}/end", "s", body={})
    assert status == 200
    assert body["classification"] is None
    ended = body["session"]["ended_at"]
    assert ended
    ended_message = {"message": "session ended: session has ended"}
    assert await cloud("PATCH", "/sessions/{}", "s", body={"metadata": {"a": 1}}) == (
        409,
        ended_message,
    )
    assert await cloud("POST", "/sessions/{}/memory", "s", body={"messages": [msg("x")]}) == (
        409,
        ended_message,
    )
    again = await cloud("POST", "/sessions/{}/end", "s")
    assert again[1]["session"]["ended_at"] == ended  # a repeat keeps the first end


async def test_end_session_classifies_deterministically(cloud: Api) -> None:
    """classify picks the class named most often in the last messages."""
    cloud.server.add_session("s")
    cloud.server.add_messages("s", [msg("my refund please"), msg("a refund, not billing")])
    classify = {"classes": ["billing", "refund"], "name": "topic"}
    status, body = await cloud("POST", "/sessions/{}/end", "s", body={"classify": classify})
    assert (status, body["classification"]) == (200, {"class": "refund", "label": "topic"})


async def test_end_unknown_session_is_404(cloud: Api) -> None:
    """Ending an unknown session gets 404."""
    assert await cloud("POST", "/sessions/{}/end", "nope") == (404, {"message": "not found"})


async def test_end_sessions_ends_all_or_none(cloud: Api) -> None:
    """POST /sessions/end ends every listed session; one unknown id ends none."""
    cloud.server.add_session("a")
    cloud.server.add_session("b")
    assert await cloud("POST", "/sessions/end", body={"session_ids": ["a", "nope"]}) == (
        404,
        {"message": "not found"},
    )
    assert all(s["ended_at"] is None for s in cloud.server.sessions)
    status, body = await cloud("POST", "/sessions/end", body={"session_ids": ["a", "b"]})
    assert status == 200
    assert [s["session_id"] for s in body["sessions"]] == ["a", "b"]
    assert all(s["ended_at"] for s in cloud.server.sessions)
    assert (await cloud("POST", "/sessions/end", body={}))[0] == 400


async def test_list_default_order_is_newest_first_by_creation(cloud: Api) -> None:
    """Seeded sessions listed without order_by come newest first, which is created_at descending."""
    cloud.server.seed(30)
    status, body = await cloud("GET", "/sessions-ordered", page_size="30")
    assert status == 200
    by_default = [s["session_id"] for s in body["sessions"]]
    status, body = await cloud("GET", "/sessions-ordered", page_size="30", order_by="created_at")
    assert by_default == [s["session_id"] for s in body["sessions"]]
    assert by_default[0] == "session-0030"


@pytest.mark.parametrize("digits", [19, 20, 4300, 4301, 8000])
async def test_huge_page_numbers_are_400_not_500(cloud: Api, digits: int) -> None:
    """A page number too big for an int64 gets 400, however many digits it has (issue 14.9)."""
    status, body = await cloud("GET", "/sessions-ordered", page_number="9" * digits)
    assert (status, body) == (400, {"message": "invalid value for page_number"})


async def test_largest_int64_page_number_is_an_empty_page(cloud: Api) -> None:
    """2**63-1 is a valid page number: past the end, so an empty page."""
    cloud.server.seed(2)
    status, body = await cloud("GET", "/sessions-ordered", page_number=str(2**63 - 1))
    assert (status, body["sessions"], body["total_count"]) == (200, [], 2)


async def test_seed_stores_the_users_its_sessions_name(cloud: Api) -> None:
    """Seeded sessions name users that exist, so the users routes see them."""
    sessions = cloud.server.seed(12)
    named = {s["user_id"] for s in sessions} - {None}
    assert named == {u["user_id"] for u in cloud.server.users}
    user_id = sorted(named)[0]
    status, body = await cloud("GET", "/users/{}/sessions", user_id)
    assert status == 200
    assert sorted(s["session_id"] for s in body) == sorted(
        s["session_id"] for s in sessions if s["user_id"] == user_id
    )
