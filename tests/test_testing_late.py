"""Faults that hold an answer: the write applies whatever the client does meanwhile."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from tests.conftest import local_client
from tests.local_zep_support import http_client
from zep_async import APITimeoutError
from zep_async.testing import LocalZep

__all__ = ["http_client"]


async def _detached_done(server: LocalZep) -> None:
    """Wait (bounded) until the server's delayed handlings have ended."""
    tasks = set(server._detached_tasks)
    if tasks:
        await asyncio.wait_for(asyncio.wait(tasks), timeout=10)


async def test_a_delayed_write_applies_after_the_client_gave_up(local_zep: LocalZep) -> None:
    """delay(): a client that times out first does not cancel the write; it lands after the wait."""
    local_zep.delay("add_session", 0.5, times=1)
    async with local_client(local_zep, timeout=0.05, recover_writes=False) as zep:
        with pytest.raises(APITimeoutError):
            await zep.memory.add_session(session_id="s-1")
    async with asyncio.timeout(10):
        await local_zep.wait_for_disconnects_async(1)
    await _detached_done(local_zep)
    assert [data["session_id"] for data in local_zep.sessions] == ["s-1"]
    assert local_zep.count("add_session") == 1


async def test_answer_late_stores_the_write_before_the_client_gives_up(
    local_zep: LocalZep,
) -> None:
    """answer_late(): the write is stored at once, so a timed-out client finds it by looking."""
    local_zep.answer_late("add_session", 30)
    async with local_client(local_zep, timeout=0.5, recover_writes=False) as zep:
        with pytest.raises(APITimeoutError) as info:
            await zep.memory.add_session(session_id="s-1")
        assert info.value.may_have_been_applied is True
        assert (await zep.memory.get_session("s-1")).session_id == "s-1"
    assert local_zep.count("add_session") == 1


async def test_answer_late_sends_the_real_answer_to_a_patient_client(
    local_zep: LocalZep,
) -> None:
    """A client that waits long enough gets the normal answer of the applied write."""
    local_zep.answer_late("add_session", 0.05)
    async with local_client(local_zep) as zep:
        session = await zep.memory.add_session(session_id="s-1")
    assert session.session_id == "s-1"
    assert local_zep.disconnects == 0


async def test_closing_during_a_late_answer_keeps_the_write(
    http_client: aiohttp.ClientSession,
) -> None:
    """Closing the server cuts the hold short: no answer, but the write stays applied."""
    server = LocalZep()
    await server.start()
    server.answer_late("add_session", 30)
    request = asyncio.ensure_future(
        http_client.post(
            server.base_url + "/sessions",
            json={"session_id": "s-1"},
            headers={"Authorization": f"Api-Key {server.api_key}"},
        )
    )
    async with asyncio.timeout(10):
        await server.wait_for_requests_async(1)
    await server.close()
    with pytest.raises(aiohttp.ClientError):
        await request
    assert [data["session_id"] for data in server.sessions] == ["s-1"]


async def test_closing_during_a_delay_applies_nothing_and_leaves_no_task(
    http_client: aiohttp.ClientSession,
) -> None:
    """Closing cuts a delay short: nothing is applied and no delayed handling outlives close."""
    server = LocalZep()
    await server.start()
    server.delay("add_session", 30, times=1)
    request = asyncio.ensure_future(
        http_client.post(
            server.base_url + "/sessions",
            json={"session_id": "s-1"},
            headers={"Authorization": f"Api-Key {server.api_key}"},
        )
    )
    async with asyncio.timeout(10):
        await server.wait_for_requests_async(1)
    await server.close()
    with pytest.raises(aiohttp.ClientError):
        await request
    assert (server.sessions, server._detached_tasks) == ([], set())


async def test_answer_late_combines_with_a_delay(local_zep: LocalZep) -> None:
    """delay() then answer_late(): the write applies after the delay, the answer later still."""
    local_zep.delay("add_session", 0.01, times=1)
    local_zep.answer_late("add_session", 0.01)
    async with local_client(local_zep) as zep:
        session = await zep.memory.add_session(session_id="s-1")
    assert session.session_id == "s-1"


@pytest.mark.parametrize("seconds", [-1, float("nan"), "1", True])
def test_answer_late_refuses_a_bad_wait(seconds: object) -> None:
    """answer_late() names the bad ``seconds`` before queueing anything."""
    server = LocalZep()
    with pytest.raises(ValueError, match="seconds"):
        server.answer_late("add_session", seconds)  # type: ignore[arg-type]


def test_answer_late_refuses_an_unknown_route() -> None:
    """answer_late() names the bad route."""
    with pytest.raises(ValueError, match="route must be one of"):
        LocalZep().answer_late("add_sessions", 1)
