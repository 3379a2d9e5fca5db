"""The write rule, call by call: a session write that may have been applied is never resent.

For add_session, update_session, end_session and end_sessions: a 500, a timeout,
a connection dropped after the write was applied, and "applied, then 500" each
reach the server exactly once and raise with ``may_have_been_applied``; a refused
connection and a 429 are retried; ``retry_writes`` opts in to resends. delete is
retried like a read, and a 404 after an ambiguous attempt says it may have deleted.

These tests pin the plain write rule, so their clients turn recovery off
(``recover_writes=False``); tests/test_recovery*.py cover the default.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio

from zep_async import (
    AlreadyExistsError,
    APIConnectionError,
    APITimeoutError,
    AsyncZep,
    InternalServerError,
    NotFoundError,
    RequestOptions,
    ZepError,
)
from zep_async.testing import LocalZep

from .conftest import NO_WAIT, local_client
from .write_support import closed_port, options_for

Call = Callable[[AsyncZep, RequestOptions | None], Awaitable[Any]]

#: Each POST or PATCH session write, by its route: a call that succeeds on the seeded data.
WRITES: dict[str, Call] = {
    "add_session": lambda zep, options: zep.memory.add_session(
        session_id="new", user_id="u-1", request_options=options
    ),
    "update_session": lambda zep, options: zep.memory.update_session(
        "s-1", metadata={"k": 1}, request_options=options
    ),
    "end_session": lambda zep, options: zep.memory.end_session("s-1", request_options=options),
    "end_sessions": lambda zep, options: zep.memory.end_sessions(
        session_ids=["s-1"], request_options=options
    ),
}

#: Failures after which the write may have been applied: (script it, the error raised).
AMBIGUOUS: dict[str, tuple[Callable[[LocalZep, str], None], type[ZepError]]] = {
    "500": (lambda server, route: server.fail(route, 500), InternalServerError),
    "timeout": (lambda server, route: server.stall(route), APITimeoutError),
    "dropped after applying": (
        lambda server, route: server.drop_connection(route, after_applying=True),
        APIConnectionError,
    ),
    "500 after applying": (
        lambda server, route: server.fail_after_applying(route),
        InternalServerError,
    ),
}


def _seed(server: LocalZep) -> None:
    server.add_user("u-1")
    server.add_session("s-1", user_id="u-1")


@pytest_asyncio.fixture
async def zep(local_zep: LocalZep) -> AsyncIterator[AsyncZep]:
    """A client with 3 retries that never waits, and the seeded data."""
    _seed(local_zep)
    async with local_client(local_zep, max_retries=3, recover_writes=False) as client:
        yield client


@pytest.mark.parametrize("fault", sorted(AMBIGUOUS))
@pytest.mark.parametrize("route", sorted(WRITES))
async def test_an_ambiguous_failure_is_sent_once(
    local_zep: LocalZep, zep: AsyncZep, route: str, fault: str
) -> None:
    """The write reaches the server exactly once and the error says it may have been applied."""
    script, error = AMBIGUOUS[fault]
    script(local_zep, route)
    with pytest.raises(error) as info:
        await WRITES[route](zep, options_for(fault))
    assert local_zep.count(route) == 1
    assert info.value.attempts == 1
    assert info.value.may_have_been_applied is True
    assert "may have been applied: check before sending it again" in str(info.value)


@pytest.mark.parametrize("route", sorted(WRITES))
async def test_applied_then_failed_is_really_applied(
    local_zep: LocalZep, zep: AsyncZep, route: str
) -> None:
    """After 'applied, then 500' the store shows the write: why it must not be resent."""
    local_zep.fail_after_applying(route)
    with pytest.raises(InternalServerError):
        await WRITES[route](zep, None)
    stored = {s["session_id"]: s for s in local_zep.sessions}
    if route == "add_session":
        assert "new" in stored
    elif route == "update_session":
        assert stored["s-1"]["metadata"] == {"k": 1}
    else:
        assert stored["s-1"]["ended_at"] is not None


@pytest.mark.parametrize("route", sorted(WRITES))
async def test_a_429_is_retried_and_succeeds(
    local_zep: LocalZep, zep: AsyncZep, route: str
) -> None:
    """A 429 refuses the request, so the write is sent again and goes through."""
    local_zep.fail(route, 429, headers={"Retry-After": "0"}, times=2)
    await WRITES[route](zep, None)
    assert local_zep.count(route) == 3


@pytest.mark.parametrize("route", sorted(WRITES))
async def test_a_refused_connection_is_retried(route: str) -> None:
    """Nothing listening: the server never saw the write, so it is retried and not 'applied'."""
    url = f"http://127.0.0.1:{closed_port()}/api/v2"
    async with AsyncZep(api_key="k", base_url=url, retry_policy=NO_WAIT, max_retries=2) as zep:
        with pytest.raises(APIConnectionError) as info:
            await WRITES[route](zep, None)
    assert info.value.attempts == 3
    assert info.value.may_have_been_applied is False


@pytest.mark.parametrize("route", sorted(WRITES))
async def test_retry_writes_per_call_resends(
    local_zep: LocalZep, zep: AsyncZep, route: str
) -> None:
    """With retry_writes the write is resent after 'applied, then 500'."""
    local_zep.fail_after_applying(route)
    options: RequestOptions = {"retry_writes": True}
    if route == "add_session":
        # The resend finds the session its first attempt created.
        with pytest.raises(AlreadyExistsError) as info:
            await WRITES[route](zep, options)
        assert info.value.may_have_been_applied is True
    else:
        await WRITES[route](zep, options)  # merging or ending again is harmless
    assert local_zep.count(route) == 2


async def test_retry_writes_on_the_client_resends(local_zep: LocalZep) -> None:
    """AsyncZep(retry_writes=True) resends after a 500 that applied nothing."""
    _seed(local_zep)
    async with local_client(local_zep, retry_writes=True, recover_writes=False) as zep:
        local_zep.fail("add_session", 500)
        session = await zep.memory.add_session(session_id="new", user_id="u-1")
    assert session.session_id == "new"
    assert local_zep.count("add_session") == 2


@pytest.mark.parametrize("fault", ["500", "timeout"])
async def test_delete_is_retried_after_a_failure_that_deleted_nothing(
    local_zep: LocalZep, zep: AsyncZep, fault: str
) -> None:
    """DELETE is idempotent in effect: retried, and the retry deletes the session."""
    AMBIGUOUS[fault][0](local_zep, "delete_session")
    answer = await zep.memory.delete("s-1", request_options=options_for(fault))
    assert answer.message == "OK"
    assert local_zep.count("delete_session") == 2
    assert local_zep.sessions == []


@pytest.mark.parametrize("fault", ["dropped after applying", "500 after applying"])
async def test_delete_retried_into_a_404_may_have_deleted(
    local_zep: LocalZep, zep: AsyncZep, fault: str
) -> None:
    """The first attempt deleted it, the retry gets 404: NotFoundError, may_have_been_applied."""
    AMBIGUOUS[fault][0](local_zep, "delete_session")
    with pytest.raises(NotFoundError) as info:
        await zep.memory.delete("s-1")
    assert local_zep.count("delete_session") == 2
    assert local_zep.sessions == []
    assert info.value.may_have_been_applied is True
    assert "may already have deleted it" in str(info.value)
