"""Closing a client while calls run: nothing starts after, calls in flight end with our error.

Async and sync. Each test closes at one point (an attempt waiting for its
answer, a retry wait, the first call racing the close, 16 waiting threads, the
loop's own thread) and checks what the callers got, what the server saw, and
that the pool was closed.
"""

from __future__ import annotations

import asyncio
import textwrap
import threading

import pytest

from zep_async import AsyncZep, ClientClosedError, RetryPolicy, Zep, ZepError
from zep_async.testing import LocalZep

from .conftest import NO_WAIT
from .sync_support import assert_gave_the_loop_back, run_dev

KEY = "test-api-key"  # LocalZep's default


@pytest.fixture
def server(local_zep_thread: LocalZep) -> LocalZep:
    """LocalZep in its own thread (the plugin's fixture), under a short name."""
    return local_zep_thread


def _pool(client: AsyncZep) -> object:
    """The client's aiohttp session (read-only look at its state)."""
    return client._transport._session


def test_the_error_is_ours_and_a_runtime_error() -> None:
    """ClientClosedError is a ZepError, and a RuntimeError as calls after close raised before."""
    assert issubclass(ClientClosedError, ZepError)
    assert issubclass(ClientClosedError, RuntimeError)


@pytest.mark.parametrize("max_retries", [0, 3])
async def test_aclose_ends_a_call_waiting_for_its_answer(
    server: LocalZep, max_retries: int
) -> None:
    """A call waiting on a stalled server ends with ClientClosedError, not a retry or aiohttp's."""
    server.stall("get_session", times=10)
    zep = AsyncZep(
        api_key=KEY, base_url=server.base_url, max_retries=max_retries, retry_policy=NO_WAIT
    )
    call = asyncio.create_task(zep.memory.get_session("slow"))
    await server.wait_for_requests_async(1)
    pool = _pool(zep)
    await zep.aclose()
    with pytest.raises(ClientClosedError, match="closed while this call ran") as info:
        async with asyncio.timeout(10):
            await call
    assert info.value.method == "GET"
    assert pool is not None
    assert pool.closed  # type: ignore[attr-defined]
    assert server.count("get_session") == 1  # no retry after close began


async def test_aclose_ends_a_retry_wait_at_once(server: LocalZep) -> None:
    """A call waiting between attempts ends with ClientClosedError and never retries."""
    server.fail("get_session", 503, times=5)
    waiting = asyncio.Event()

    async def endless_wait(_: float) -> None:
        waiting.set()
        await asyncio.Event().wait()

    zep = AsyncZep(
        api_key=KEY, base_url=server.base_url, retry_policy=RetryPolicy(sleep=endless_wait)
    )
    call = asyncio.create_task(zep.memory.get_session("s"))
    async with asyncio.timeout(10):
        await waiting.wait()
    await zep.aclose()
    with pytest.raises(ClientClosedError):
        async with asyncio.timeout(10):
            await call
    assert server.count("get_session") == 1


async def test_a_call_after_aclose_is_refused_before_sending(server: LocalZep) -> None:
    """After aclose a call raises ClientClosedError (a RuntimeError) and sends nothing."""
    zep = AsyncZep(api_key=KEY, base_url=server.base_url)
    await zep.aclose()
    with pytest.raises(RuntimeError, match="closed") as info:
        await zep.memory.get_session("s")
    assert isinstance(info.value, ClientClosedError)
    assert server.count() == 0


def test_sync_close_while_16_threads_wait(server: LocalZep) -> None:
    """zep.close() under 16 waiting threads: each gets ClientClosedError, never CancelledError."""
    server.stall("get_session", times=16)
    zep = Zep(api_key=KEY, base_url=server.base_url, retry_policy=NO_WAIT)
    outcomes: list[BaseException | None] = []
    lock = threading.Lock()

    def call() -> None:
        try:
            zep.memory.get_session("slow")
            result: BaseException | None = None
        except BaseException as exc:
            result = exc
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=call) for _ in range(16)]
    for thread in threads:
        thread.start()
    assert server.wait_for_requests(16, timeout=10)
    loop_thread = zep._runner.loop_thread
    zep.close()
    for thread in threads:
        thread.join(10)
    assert len(outcomes) == 16
    assert all(type(error) is ClientClosedError for error in outcomes), outcomes
    assert zep._runner.loop_thread is loop_thread
    assert_gave_the_loop_back(zep._runner)  # shared: it ends only with the last client
    assert server.wait_for_disconnects(16, timeout=10)


def test_sync_close_from_the_loop_thread_closes_the_pool(server: LocalZep) -> None:
    """close() called on the loop's own thread (a retry hook) ends the call and closes the pool."""
    server.fail("get_session", 503)
    seen: dict[str, object] = {}

    async def close_while_waiting(_: float) -> None:
        seen["pool"] = _pool(zep._async)
        zep.close()  # on the loop thread: cannot wait, must still close everything

    zep = Zep(
        api_key=KEY, base_url=server.base_url, retry_policy=RetryPolicy(sleep=close_while_waiting)
    )
    with pytest.raises(ClientClosedError):
        zep.memory.get_session("s")
    assert zep._runner._ended.wait(10)  # the close ran as a task on the loop
    assert_gave_the_loop_back(zep._runner)
    assert seen["pool"].closed  # type: ignore[attr-defined]
    assert zep.closed
    assert server.count("get_session") == 1


RACES = textwrap.dedent(
    """
    import threading
    from zep_async import ClientClosedError, NotFoundError, Zep
    from zep_async.testing import LocalZep

    server = LocalZep()
    with server.run_in_thread():
        outcomes = {}
        keeper = Zep(api_key=server.api_key, base_url=server.base_url)
        if KEEP:  # another client holds the shared loop all along
            keeper.memory.list_sessions(page_size=1)
        for n in range(RACES):
            zep = Zep(api_key=server.api_key, base_url=server.base_url)
            calling = threading.Event()

            def first_call():
                calling.set()
                try:
                    zep.memory.get_session("missing")
                    kind = "ok"
                except NotFoundError:
                    kind = "answered"
                except ClientClosedError:
                    kind = "closed"
                outcomes[kind] = outcomes.get(kind, 0) + 1

            caller = threading.Thread(target=first_call)
            caller.start()
            if n % 2:  # half the time, let the call get going before closing
                calling.wait()
                for _ in range(n * 40):  # spread the close over the call's first steps
                    pass
            zep.close()
            caller.join(10)
            assert not caller.is_alive()
            assert not zep._runner.holds_loop
            thread = zep._runner.loop_thread
            assert thread is None or thread.is_alive() is KEEP
        # One more connection, accepted after any a cancelled connect left in the listen
        # backlog: LocalZep then never shuts down with an accept pending (asyncio's
        # server fails such an accept, and warns about its socket).
        assert keeper.memory.list_sessions(page_size=1).total_count == 0
        keeper.close()
        print(sorted(outcomes.items()))
    """
)


@pytest.mark.parametrize(("races", "keep"), [(1000, False), (300, True)], ids=["alone", "shared"])
def test_close_vs_first_call_races_leak_nothing(races: int, keep: bool) -> None:
    """close() racing a first call never leaks the pool, alone on the shared loop thread or
    beside a client that holds it (-X dev, ResourceWarning = error)."""
    code = RACES.replace("RACES", str(races)).replace("KEEP", str(keep))
    result = run_dev(code, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no "Unclosed client session", no "Exception ignored"
    assert "closed" in result.stdout or "answered" in result.stdout
