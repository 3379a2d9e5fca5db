"""LocalZep's user routes: create, read, update, delete (cascade), list, a user's sessions."""

from __future__ import annotations

import pytest

from tests.local_zep_support import Api, ce, cloud, http_client, msg

__all__ = ["ce", "cloud", "http_client"]


async def test_add_user_answers_201_and_stores_it(cloud: Api) -> None:
    """POST /users answers 201 with the user, session_count included."""
    body = {
        "user_id": "u",
        "email": "a@example.com",
        "first_name": "Ada",
        "metadata": {"plan": "pro"},
    }
    status, user = await cloud("POST", "/users", body=body)
    assert status == 201
    assert {k: user[k] for k in body} == body
    assert (user["last_name"], user["session_count"]) == (None, 0)
    assert await cloud("GET", "/users/{}", "u") == (200, user)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"user_id": "dup"}, "bad request: user already exists with user_id: dup"),
        ({"user_id": ""}, "bad request: UserID cannot be empty"),
        ({"email": "a@example.com"}, "bad request: UserID cannot be empty"),
        ({"user_id": "x", "email": 5}, "bad request: email must be a string"),
    ],
)
async def test_add_user_refusals_are_400(cloud: Api, body: object, message: str) -> None:
    """Duplicates and empty ids get 400 with Zep's message."""
    cloud.server.add_user("dup")
    assert await cloud("POST", "/users", body=body) == (400, {"message": message})
    assert len(cloud.server.users) == 1


async def test_get_unknown_user_is_404(cloud: Api) -> None:
    """GET of an unknown user gets 404 not found."""
    assert await cloud("GET", "/users/{}", "nope") == (404, {"message": "not found"})


async def test_update_user_keeps_what_is_empty_and_merges_metadata(cloud: Api) -> None:
    """Empty or null strings change nothing; metadata is merged, and here a system key is kept."""
    cloud.server.add_user("u", email="a@example.com", first_name="Ada", metadata={"keep": 1})
    body = {"email": "", "first_name": None, "last_name": "Lovelace", "metadata": {"system": 1}}
    status, user = await cloud("PATCH", "/users/{}", "u", body=body)
    assert status == 200
    assert (user["email"], user["first_name"], user["last_name"]) == (
        "a@example.com",
        "Ada",
        "Lovelace",
    )
    assert user["metadata"] == {"keep": 1, "system": 1}
    assert await cloud("PATCH", "/users/{}", "nope", body={}) == (404, {"message": "not found"})


async def test_delete_user_deletes_its_sessions_and_messages(cloud: Api) -> None:
    """DELETE /users/{id} answers OK and takes the user's sessions and their messages along."""
    cloud.server.add_user("u")
    cloud.server.add_session("mine", user_id="u")
    cloud.server.add_session("other")
    cloud.server.add_messages("mine", [msg("x")])
    assert await cloud("DELETE", "/users/{}", "u") == (200, {"message": "OK"})
    assert [s["session_id"] for s in cloud.server.sessions] == ["other"]
    assert cloud.server.messages("mine") == []
    assert await cloud("GET", "/users/{}", "u") == (404, {"message": "not found"})
    assert await cloud("DELETE", "/users/{}", "u") == (404, {"message": "not found"})


async def test_list_users_pages_newest_first_in_camel_case(cloud: Api) -> None:
    """users-ordered reads pageNumber/pageSize, newest first, with total_count and row_count."""
    for n in range(5):
        cloud.server.add_user(f"u{n}")
    status, body = await cloud("GET", "/users-ordered", pageNumber="2", pageSize="2")
    assert status == 200
    assert ([u["user_id"] for u in body["users"]], body["total_count"], body["row_count"]) == (
        ["u2", "u1"],
        5,
        2,
    )
    status, body = await cloud("GET", "/users-ordered", page_number="2", page_size="2")
    assert [u["user_id"] for u in body["users"]] == [
        "u4",
        "u3",
        "u2",
        "u1",
        "u0",
    ]  # snake_case is not read
    assert await cloud("GET", "/users-ordered", pageSize="x") == (
        400,
        {"message": "invalid value for pageSize"},
    )


async def test_user_sessions_is_a_bare_array(cloud: Api) -> None:
    """GET /users/{id}/sessions answers a bare array, [] for an unknown user, and counts them."""
    cloud.server.add_user("u")
    cloud.server.add_session("a", user_id="u")
    cloud.server.add_session("b")
    status, body = await cloud("GET", "/users/{}/sessions", "u")
    assert (status, [s["session_id"] for s in body]) == (200, ["a"])
    assert await cloud("GET", "/users/{}/sessions", "nope") == (200, [])
    assert (await cloud("GET", "/users/{}", "u"))[1]["session_count"] == 1
    assert cloud.server.requests[0].user_id == "u"


async def test_session_of_a_stored_user_is_created(cloud: Api) -> None:
    """Once the user exists, POST /sessions with its id succeeds."""
    assert await cloud("POST", "/sessions", body={"session_id": "s", "user_id": "u"}) == (
        400,
        {"message": "user not found"},
    )
    await cloud("POST", "/users", body={"user_id": "u"})
    assert (await cloud("POST", "/sessions", body={"session_id": "s", "user_id": "u"}))[0] == 201
