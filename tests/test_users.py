"""The user resource against LocalZep over loopback: wire format, statuses, checks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from zep_async import (
    AlreadyExistsError,
    APIResponseValidationError,
    AsyncZep,
    BadRequestError,
    InternalServerError,
    NotFoundError,
    Session,
    SuccessResponse,
    User,
    UserListResponse,
)
from zep_async.testing import LocalZep


async def test_add_sends_one_post_with_only_the_given_fields(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """user.add is POST /users; arguments left None are not in the body."""
    user = await client.user.add(user_id="jane", first_name="Jane", metadata={"plan": "pro"})
    assert isinstance(user, User)
    assert (user.user_id, user.first_name, user.metadata) == ("jane", "Jane", {"plan": "pro"})
    assert isinstance(user.created_at, datetime)
    assert user.created_at.tzinfo is not None
    (request,) = local_zep.requests
    assert (request.method, request.raw_path, request.route) == (
        "POST",
        "/api/v2/users",
        "add_user",
    )
    assert request.json == {"user_id": "jane", "first_name": "Jane", "metadata": {"plan": "pro"}}
    assert [u["user_id"] for u in local_zep.users] == ["jane"]


async def test_add_sends_every_field_and_a_fact_rating_mapping(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """Every body key keeps its API name; a mapping for the instruction is sent as given."""
    instruction = {"instruction": "rate by relevance", "examples": {"high": "likes tea"}}
    user = await client.user.add(
        user_id="u",
        email="u@example.com",
        first_name="F",
        last_name="L",
        metadata={},
        fact_rating_instruction=instruction,  # type: ignore[arg-type]
    )
    assert user.fact_rating_instruction is not None
    assert user.fact_rating_instruction.instruction == "rate by relevance"
    assert user.fact_rating_instruction.examples is not None
    assert user.fact_rating_instruction.examples.high == "likes tea"
    assert local_zep.requests[0].json == {
        "user_id": "u",
        "email": "u@example.com",
        "first_name": "F",
        "last_name": "L",
        "metadata": {},
        "fact_rating_instruction": instruction,
    }


async def test_a_duplicate_user_is_already_exists(local_zep: LocalZep, client: AsyncZep) -> None:
    """The CE's 400 'user already exists' is an AlreadyExistsError (and a BadRequestError)."""
    local_zep.add_user("jane")
    with pytest.raises(AlreadyExistsError) as info:
        await client.user.add(user_id="jane")
    assert isinstance(info.value, BadRequestError)
    assert info.value.status_code == 400
    assert info.value.may_have_been_applied is False
    assert local_zep.count("add_user") == 1


async def test_get_returns_the_user_with_its_session_count(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """user.get is GET /users/<id>, the id percent-encoded as one segment."""
    local_zep.add_user("a/b ?#%..", email="x@example.com")
    local_zep.add_session("s1", user_id="a/b ?#%..")
    user = await client.user.get("a/b ?#%..")
    assert (user.user_id, user.email, user.session_count) == ("a/b ?#%..", "x@example.com", 1)
    (request,) = local_zep.requests
    assert request.raw_path == "/api/v2/users/a%2Fb%20%3F%23%25.."
    assert (request.method, request.route, request.user_id) == ("GET", "get_user", "a/b ?#%..")


@pytest.mark.parametrize("user_id", ["..", ".", "../users-ordered"])
async def test_dot_ids_reach_the_same_user(
    local_zep: LocalZep, client: AsyncZep, user_id: str
) -> None:
    """Dot-segments and traversal attempts are one id, never another endpoint."""
    local_zep.add_user(user_id)
    assert (await client.user.get(user_id)).user_id == user_id
    await client.user.update(user_id, first_name="x")
    assert [s.session_id for s in await client.user.get_sessions(user_id)] == []
    assert isinstance(await client.user.delete(user_id), SuccessResponse)
    assert local_zep.users == []


async def test_get_of_an_unknown_user_is_not_found(client: AsyncZep) -> None:
    """A 404 is NotFoundError with the server's message."""
    with pytest.raises(NotFoundError) as info:
        await client.user.get("nobody")
    assert info.value.status_code == 404
    assert info.value.message == "not found"


async def test_update_is_a_patch_of_the_given_fields(local_zep: LocalZep, client: AsyncZep) -> None:
    """user.update sends only what is given; metadata is merged by the server."""
    local_zep.add_user("jane", first_name="Jane", metadata={"a": 1})
    user = await client.user.update("jane", last_name="Doe", metadata={"b": 2})
    assert (user.first_name, user.last_name, user.metadata) == ("Jane", "Doe", {"a": 1, "b": 2})
    (request,) = local_zep.requests
    assert (request.method, request.raw_path) == ("PATCH", "/api/v2/users/jane")
    assert request.json == {"last_name": "Doe", "metadata": {"b": 2}}


async def test_update_with_nothing_sends_an_empty_object(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """user.update('u') sends {} as the official SDK does."""
    local_zep.add_user("u")
    await client.user.update("u")
    assert local_zep.requests[0].json == {}


async def test_update_of_an_unknown_user_is_not_found(client: AsyncZep) -> None:
    """PATCH of a user that does not exist: NotFoundError, nothing 'applied'."""
    with pytest.raises(NotFoundError) as info:
        await client.user.update("nobody", email="e@example.com")
    assert info.value.may_have_been_applied is False


async def test_list_ordered_sends_camel_case_paging(local_zep: LocalZep, client: AsyncZep) -> None:
    """page_number and page_size go on the wire as pageNumber and pageSize."""
    for n in range(5):
        local_zep.add_user(f"u{n}")
    page = await client.user.list_ordered(page_number=2, page_size=2)
    assert isinstance(page, UserListResponse)
    assert [u.user_id for u in page.users] == ["u2", "u1"]  # newest first
    assert (page.total_count, page.row_count) == (5, 2)
    (request,) = local_zep.requests
    assert (request.raw_path, request.route) == ("/api/v2/users-ordered", "list_users")
    assert request.query == {"pageNumber": "2", "pageSize": "2"}


async def test_list_ordered_without_arguments_sends_no_query(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """Left None, the paging parameters are not sent (the server returns every user)."""
    for n in range(3):
        local_zep.add_user(f"u{n}")
    page = await client.user.list_ordered()
    assert page.row_count == 3
    assert local_zep.requests[0].query_string == ""


async def test_get_sessions_is_a_bare_array(local_zep: LocalZep, client: AsyncZep) -> None:
    """GET /users/<id>/sessions answers a JSON array: a list of Session."""
    local_zep.add_user("jane")
    local_zep.add_session("s1", user_id="jane")
    local_zep.add_session("s2", user_id="jane")
    local_zep.add_session("other", user_id=None)
    sessions = await client.user.get_sessions("jane")
    assert all(isinstance(s, Session) for s in sessions)
    assert sorted(s.session_id for s in sessions) == ["s1", "s2"]  # type: ignore[type-var]
    assert local_zep.requests[0].raw_path == "/api/v2/users/jane/sessions"


async def test_get_sessions_of_an_unknown_user_is_empty(client: AsyncZep) -> None:
    """The API answers [] for a user it does not know, not a 404."""
    assert await client.user.get_sessions("nobody") == []


async def test_delete_removes_the_users_sessions_and_messages(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """user.delete cascades: the user's sessions and their messages are gone, others stay."""
    local_zep.add_user("jane")
    local_zep.add_user("joe")
    local_zep.add_session("s1", user_id="jane")
    local_zep.add_session("s2", user_id="jane")
    local_zep.add_session("keep", user_id="joe")
    local_zep.add_messages("s1", [{"content": "hi", "role_type": "user"}])
    local_zep.add_messages("keep", [{"content": "yo", "role_type": "user"}])
    result = await client.user.delete("jane")
    assert result == SuccessResponse(message="OK")
    assert local_zep.requests[-1].method == "DELETE"
    assert local_zep.requests[-1].raw_path == "/api/v2/users/jane"
    with pytest.raises(NotFoundError):
        await client.user.get("jane")
    for session_id in ("s1", "s2"):
        with pytest.raises(NotFoundError):
            await client.memory.get_session(session_id)
    assert await client.user.get_sessions("jane") == []
    assert local_zep.messages("s1") == []
    assert [s["session_id"] for s in local_zep.sessions] == ["keep"]
    assert len(local_zep.messages("keep")) == 1


async def test_delete_of_an_unknown_user_is_not_found(client: AsyncZep) -> None:
    """DELETE of a user that does not exist: NotFoundError, not 'may have deleted'."""
    with pytest.raises(NotFoundError) as info:
        await client.user.delete("nobody")
    assert info.value.may_have_been_applied is False


@pytest.mark.parametrize(
    ("call", "route"),
    [
        (lambda zep: zep.user.get("u"), "get_user"),
        (lambda zep: zep.user.list_ordered(), "list_users"),
        (lambda zep: zep.user.get_sessions("u"), "get_user_sessions"),
        (lambda zep: zep.user.update("u"), "update_user"),
        (lambda zep: zep.user.add(user_id="u"), "add_user"),
        (lambda zep: zep.user.delete("u"), "delete_user"),
    ],
)
async def test_a_500_is_an_internal_server_error_with_its_request_id(
    local_zep: LocalZep, client: AsyncZep, call: Any, route: str
) -> None:
    """Every call turns a 5xx into InternalServerError with status, message and request id."""
    local_zep.fail(route, 500, json={"message": "boom"}, times=10)
    with pytest.raises(InternalServerError) as info:
        await call(client)
    assert (info.value.status_code, info.value.message) == (500, "boom")
    assert str(info.value.request_id).startswith("req-")


async def test_a_body_that_is_not_a_user_is_a_validation_error(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """A 2xx whose body does not fit the model raises APIResponseValidationError."""
    local_zep.fail("get_user_sessions", 200, json={"not": "a list"})
    with pytest.raises(APIResponseValidationError):
        await client.user.get_sessions("u")


async def test_the_community_edition_leaves_out_empty_fields() -> None:
    """Against the CE flavor, a user without names decodes with None for them."""
    async with (
        LocalZep(flavor="ce") as server,
        AsyncZep(api_key=server.api_key, base_url=server.base_url) as zep,
    ):
        user = await zep.user.add(user_id="ce-user", fact_rating_instruction={"instruction": "x"})  # type: ignore[arg-type]
        assert (user.user_id, user.email, user.fact_rating_instruction) == (
            "ce-user",
            None,
            None,
        )
        with pytest.raises(AlreadyExistsError):
            await zep.user.add(user_id="ce-user")
