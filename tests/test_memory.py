"""get_session and list_sessions against the local server, over loopback."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zep_async import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    AsyncZep,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    NotFoundError,
    Session,
)
from zep_async.resources import MAX_SESSION_ID_LENGTH
from zep_async.testing import LocalZep

from .conftest import NO_WAIT

# Any text a caller may use as an id: no control characters or lone surrogates, not blank.
session_ids = st.text(
    alphabet=st.characters(blacklist_categories=["Cc", "Cs"]),
    min_size=1,
    max_size=60,
).filter(lambda text: not text.isspace())


async def test_get_session_returns_the_stored_session(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """A stored session comes back as a Session with aware timestamps and its metadata."""
    local_zep.add_session(
        "chat-1", user_id="u-1", metadata={"k": [1, 2]}, created_at="2024-08-07T18:25:43.1Z"
    )
    session = await client.memory.get_session("chat-1")
    assert isinstance(session, Session)
    assert session.session_id == "chat-1"
    assert session.user_id == "u-1"
    assert session.metadata == {"k": [1, 2]}
    assert session.created_at == datetime.fromisoformat("2024-08-07T18:25:43.100000+00:00")


async def test_server_sees_one_get_with_headers(local_zep: LocalZep, client: AsyncZep) -> None:
    """The wire request is one GET of the encoded path with the auth and agent headers."""
    local_zep.add_session("a/b ?#%..")
    await client.memory.get_session("a/b ?#%..")
    (request,) = local_zep.requests
    assert request.method == "GET"
    assert request.raw_path == "/api/v2/sessions/a%2Fb%20%3F%23%25.."
    assert request.session_id == "a/b ?#%.."
    headers = {key.lower(): value for key, value in request.headers.items()}
    assert headers["authorization"] == f"Api-Key {local_zep.api_key}"
    assert headers["accept"] == "application/json"
    assert headers["user-agent"].startswith("zep-async/")


@pytest.mark.parametrize(
    "session_id", ["..", ".", "../sessions-ordered", "x" * MAX_SESSION_ID_LENGTH]
)
async def test_awkward_ids_reach_the_same_session(
    local_zep: LocalZep, client: AsyncZep, session_id: str
) -> None:
    """Dot-segments and traversal attempts are one id, never another endpoint."""
    local_zep.add_session(session_id)
    session = await client.memory.get_session(session_id)
    assert session.session_id == session_id


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(session_id=session_ids)
async def test_any_id_reaches_the_server_unchanged(
    local_zep: LocalZep, client: AsyncZep, session_id: str
) -> None:
    """Whatever the id, the server decodes exactly it from exactly one path segment."""
    local_zep.clear()
    local_zep.add_session(session_id)
    session = await client.memory.get_session(session_id)
    assert session.session_id == session_id
    assert local_zep.requests[-1].session_id == session_id
    assert local_zep.requests[-1].route == "get_session"


async def test_unknown_id_raises_not_found(local_zep: LocalZep, client: AsyncZep) -> None:
    """404 becomes NotFoundError carrying status, message, request id and headers."""
    with pytest.raises(NotFoundError) as info:
        await client.memory.get_session("missing")
    error = info.value
    assert error.status_code == 404
    assert error.message == "not found"
    assert error.body == {"message": "not found"}
    assert error.request_id is not None
    assert error.request_id.startswith("req-")
    assert str(error) == f"404 Not Found: not found (request id {error.request_id})"
    assert error.attempts == 1
    assert local_zep.count() == 1


async def test_wrong_key_raises_authentication_error(local_zep: LocalZep) -> None:
    """401 becomes AuthenticationError and the key is not in it."""
    async with AsyncZep(api_key="sk-wrong-key-999", base_url=local_zep.base_url) as zep:
        with pytest.raises(AuthenticationError) as info:
            await zep.memory.list_sessions()
    assert "sk-wrong-key-999" not in str(info.value)
    assert "sk-wrong-key-999" not in repr(info.value)
    assert "sk-wrong-key-999" not in str(vars(info.value))


async def test_list_sessions_orders_and_pages(local_zep: LocalZep, client: AsyncZep) -> None:
    """Sorting and offset paging are those of the server; counts come through."""
    for name in ["c", "a", "d", "b", "e"]:
        local_zep.add_session(name)
    page = await client.memory.list_sessions(
        page_number=2, page_size=2, order_by="session_id", asc=True
    )
    assert [s.session_id for s in page.sessions] == ["c", "d"]
    assert (page.total_count, page.response_count) == (5, 2)
    newest = await client.memory.list_sessions()
    assert [s.session_id for s in newest.sessions] == ["e", "b", "d", "a", "c"]
    request = local_zep.requests[0]
    assert request.query == {
        "page_number": "2",
        "pageNumber": "2",
        "page_size": "2",
        "pageSize": "2",
        "order_by": "session_id",
        "asc": "true",
    }


async def test_bad_order_by_from_the_server_is_bad_request(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """A 400 the server sends (here via an extra query parameter) is BadRequestError."""
    with pytest.raises(BadRequestError, match="invalid value for order_by"):
        await client.memory.list_sessions(
            request_options={"additional_query_parameters": {"order_by": "nope"}}
        )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {
                "body": "<html><head><title>502 Bad Gateway</title></head><body>x</body></html>",
                "content_type": "text/html",
            },
            "502 Bad Gateway",
        ),
        ({"body": ""}, "Internal Server Error"),
        ({"json": {"error": "boom"}}, '{"error": "boom"}'),
        ({"json": {"message": "db down"}}, "db down"),
    ],
)
async def test_error_bodies_of_any_shape(
    local_zep: LocalZep, client: AsyncZep, kwargs: dict[str, str], message: str
) -> None:
    """HTML, empty and odd JSON error bodies all give a readable message."""
    local_zep.fail("get_session", 500, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InternalServerError) as info:
        await client.memory.get_session("x", request_options={"max_retries": 0})
    assert info.value.message == message
    assert info.value.status_code == 500


@pytest.mark.parametrize(
    "body",
    ["not json at all", "[1, 2, 3]", '{"sessions": 5}', '{"sessions": [{"created_at": "never"}]}'],
)
async def test_bad_2xx_body_is_a_validation_error(
    local_zep: LocalZep, client: AsyncZep, body: str
) -> None:
    """A 200 with a body that is not a SessionListResponse raises APIResponseValidationError."""
    local_zep.fail("list_sessions", 200, body=body, content_type="application/json")
    with pytest.raises(APIResponseValidationError) as info:
        await client.memory.list_sessions()
    assert info.value.status_code == 200
    assert info.value.request_id is not None


async def test_refused_connection_is_a_connection_error() -> None:
    """Nothing listening: APIConnectionError with the aiohttp error as its cause."""
    async with AsyncZep(
        api_key="k", base_url="http://127.0.0.1:9/api/v2", retry_policy=NO_WAIT
    ) as zep:
        with pytest.raises(APIConnectionError) as info:
            await zep.memory.get_session("x")
    assert not isinstance(info.value, APITimeoutError)
    assert info.value.__cause__ is not None
    assert info.value.attempts == 3


async def test_slow_server_is_a_timeout(local_zep: LocalZep) -> None:
    """An attempt past `timeout` raises APITimeoutError."""
    local_zep.stall("get_session")
    async with AsyncZep(
        api_key=local_zep.api_key, base_url=local_zep.base_url, timeout=0.2, max_retries=0
    ) as zep:
        with pytest.raises(APITimeoutError, match="timed out"):
            await zep.memory.get_session("x")


async def test_key_never_logged(local_zep: LocalZep, caplog: pytest.LogCaptureFixture) -> None:
    """At DEBUG, successful, failing and retried calls never log the key."""
    caplog.set_level(logging.DEBUG, logger="zep_async")
    secret = local_zep.api_key
    local_zep.add_session("s")
    local_zep.fail("get_session", 503, times=1)
    async with AsyncZep(api_key=secret, base_url=local_zep.base_url, retry_policy=NO_WAIT) as zep:
        await zep.memory.get_session("s")
        with pytest.raises(NotFoundError):
            await zep.memory.get_session("nope")
    assert "retrying GET" in caplog.text
    assert secret not in caplog.text
