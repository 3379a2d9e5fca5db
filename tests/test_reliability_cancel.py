"""Cancellation: a cancelled call gives its connection back and leaves no task behind.

LocalZep runs in its own thread (the ``local_zep_thread`` fixture), so every task
on the test's loop is the client's. Each test cancels at one point (waiting for
the answer, reading the body, waiting for a pool slot, in a retry delay, in a
pagination walk) and then checks that no connection is held, that the server saw
the client go, that no task is pending, and that the client still works.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable

import pytest
import pytest_asyncio

from zep_async import AsyncZep, RetryPolicy, Session, Zep
from zep_async.testing import LocalZep

from .reliability_support import RawServer, pool_state

KEY = "test-api-key"  # LocalZep's default


def others() -> set[asyncio.Task[object]]:
    """The tasks on this loop besides the running test."""
    return asyncio.all_tasks() - {asyncio.current_task()}  # type: ignore[operator]


async def cancelled(task: asyncio.Task[object]) -> None:
    """Cancel ``task`` and wait until it is done, which must be by cancellation."""
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        async with asyncio.timeout(10):
            await task


async def still_works(zep: AsyncZep, server: LocalZep) -> None:
    """A call after the cancellation succeeds, and its connection goes back to the pool."""
    server.clear()
    server.add_session("after")
    assert (await zep.memory.get_session("after")).session_id == "after"
    assert pool_state(zep)[0] == 0


@pytest_asyncio.fixture
async def zep(local_zep_thread: LocalZep) -> AsyncIterator[AsyncZep]:
    """An AsyncZep on the test's loop, pointed at the threaded LocalZep."""
    async with AsyncZep(api_key=KEY, base_url=local_zep_thread.base_url) as client:
        yield client


def start(call: Awaitable[object]) -> asyncio.Task[object]:
    async def run() -> object:
        return await call

    return asyncio.create_task(run())


async def test_cancel_while_waiting_for_the_answer(
    local_zep_thread: LocalZep, zep: AsyncZep
) -> None:
    """Cancelled before the status line: the connection is closed, not pooled or leaked."""
    server = local_zep_thread
    server.add_session("s")
    await zep.memory.get_session("s")  # one idle connection in the pool
    server.stall("get_session")
    task = start(zep.memory.get_session("s"))
    async with asyncio.timeout(10):
        await server.wait_for_requests_async(2)
    assert pool_state(zep) == (1, 0)
    await cancelled(task)
    assert pool_state(zep) == (0, 0)
    async with asyncio.timeout(10):
        await server.wait_for_disconnects_async(1)
    assert others() == set()
    await still_works(zep, server)


async def test_a_callers_own_timeout_releases_the_connection(
    local_zep_thread: LocalZep, zep: AsyncZep
) -> None:
    """asyncio.timeout around a call cancels it the same way: nothing held, nothing left."""
    server = local_zep_thread
    server.stall("get_session")
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.2):
            await zep.memory.get_session("s")
    assert pool_state(zep) == (0, 0)
    async with asyncio.timeout(10):
        await server.wait_for_disconnects_async(1)
    assert others() == set()
    await still_works(zep, server)


async def test_cancel_while_reading_the_body() -> None:
    """Cancelled with the headers in and the body half read: the connection is closed."""
    headers_sent = asyncio.Event()

    async def respond(raw: RawServer, head: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"session_id": ')
        await writer.drain()
        headers_sent.set()
        await raw.release.wait()

    async with RawServer(respond) as raw, AsyncZep(api_key=KEY, base_url=raw.base_url) as zep:
        task = start(zep.memory.get_session("s"))
        async with asyncio.timeout(10):
            await headers_sent.wait()
        await cancelled(task)
        assert pool_state(zep) == (0, 0)
        assert others() - raw._tasks == set()


async def test_cancel_while_waiting_for_a_pool_slot(local_zep_thread: LocalZep) -> None:
    """A call queued for the only connection, cancelled, leaves the queue and the pool clean."""
    server = local_zep_thread
    server.add_session("s")
    server.stall("get_session")
    async with AsyncZep(api_key=KEY, base_url=server.base_url, max_connections=1) as zep:
        holder = start(zep.memory.get_session("s"))
        async with asyncio.timeout(10):
            await server.wait_for_requests_async(1)
        waiter = start(zep.memory.get_session("s"))
        assert zep._transport._session is not None
        queues = zep._transport._session.connector._waiters  # type: ignore[union-attr]
        async with asyncio.timeout(10):
            while not any(queues.values()):  # noqa: ASYNC110 - aiohttp's queue has no event
                await asyncio.sleep(0)  # a few loop turns, no I/O: the call only queues
        await cancelled(waiter)
        assert not any(queues.values())
        assert server.count() == 1
        await cancelled(holder)
        assert pool_state(zep) == (0, 0)
        assert others() == set()
        await still_works(zep, server)


async def test_cancel_during_a_retry_delay(local_zep_thread: LocalZep) -> None:
    """Cancelled while waiting to retry: the failed answer's connection is back in the pool."""
    server = local_zep_thread
    server.add_session("s")
    server.fail("get_session", 503)
    waiting = asyncio.Event()

    async def long_sleep(seconds: float) -> None:
        waiting.set()
        await asyncio.sleep(3600)

    policy = RetryPolicy(sleep=long_sleep)
    async with AsyncZep(api_key=KEY, base_url=server.base_url, retry_policy=policy) as zep:
        task = start(zep.memory.get_session("s"))
        async with asyncio.timeout(10):
            await waiting.wait()
        assert pool_state(zep) == (0, 1)
        await cancelled(task)
        assert pool_state(zep) == (0, 1)
        assert server.count() == 1
        assert others() == set()
        await still_works(zep, server)


async def test_cancel_in_a_pagination_walk(local_zep_thread: LocalZep, zep: AsyncZep) -> None:
    """Cancelling a walk with pages in flight closes their connections and ends every fetch."""
    server = local_zep_thread
    server.seed(100)
    first_page = asyncio.Event()

    async def walk() -> list[Session]:
        seen: list[Session] = []
        async for session in zep.memory.iter_sessions(page_size=10, prefetch=4):
            seen.append(session)
            if len(seen) == 10:
                server.delay("list_sessions", 3600)
                first_page.set()
        return seen

    task: asyncio.Task[object] = asyncio.create_task(walk())
    async with asyncio.timeout(10):
        await first_page.wait()
        await server.wait_for_requests_async(5, route="list_sessions")
    assert pool_state(zep)[0] == 4
    await cancelled(task)
    assert pool_state(zep)[0] == 0
    async with asyncio.timeout(10):
        await server.wait_for_disconnects_async(4)
    assert others() == set()
    await still_works(zep, server)


async def _tasks_besides_this_one() -> set[asyncio.Task[object]]:
    return others()


def test_leaving_a_sync_walk_releases_its_connections(local_zep_thread: LocalZep) -> None:
    """Breaking out of Zep.iter_sessions with pages in flight frees them on the runner's loop."""
    server = local_zep_thread
    server.seed(100)
    # Page 2 goes out first, on the pooled connection, so it is the one the 0 s delay meets;
    # should that ever not hold, the 5 s timeout fails the test instead of hanging it.
    with Zep(api_key=KEY, base_url=server.base_url, timeout=5) as zep:
        for seen, _ in enumerate(zep.memory.iter_sessions(page_size=10, prefetch=4), start=1):
            if seen == 10:  # page 2 answers at once; pages 3, 4 and 5 are held
                server.delay("list_sessions", 0, times=1)
                server.delay("list_sessions", 3600)
            if seen == 11:
                assert server.wait_for_requests(5, route="list_sessions", timeout=10)
                assert pool_state(zep)[0] == 3
                break
        assert server.wait_for_disconnects(3, timeout=10)
        assert pool_state(zep)[0] == 0
        assert zep._runner.call(_tasks_besides_this_one) == set()
