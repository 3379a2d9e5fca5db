"""Load and soak: thousands of requests leave no sockets, connections, memory or warnings behind.

LocalZep runs in a child process (``LocalZepProcess``), so this process holds
only the client's sockets and the server gets the other core. Each soak checks,
against a baseline taken before the client exists: every answer correct, the
server's count and connection count, the pool idle after the burst and empty
after close, open file descriptors back to the baseline, RSS growth, no
``ResourceWarning`` and no task left behind.

Under ``python -X dev`` asyncio's debug mode is on for each soak's warm-up, where
its checks (thread safety of calls into the loop, slow callbacks) see the full
concurrency, and off for the measured rest: its bookkeeping would make 20,000
requests take over 25 s on two cores. ``ResourceWarning`` stays an error throughout.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from zep_async import AsyncZep, Zep

from .reliability_support import LocalZepProcess, open_fds, pool_state, rss_bytes

KEY = "sk-soak-key"
SESSIONS = 100
ASYNC_REQUESTS = 20_000
ASYNC_CONCURRENCY = 256
SYNC_THREADS = 32
SYNC_WARM_UP = 25
SYNC_PER_THREAD = 150
#: Requests made before the memory baseline, so the pool and caches are warm.
WARM_UP = 1_000
MAX_RSS_GROWTH = 10 << 20


@pytest.fixture(scope="module")
def server() -> Iterator[LocalZepProcess]:
    """One LocalZep process, seeded with sessions s-0 ... s-99, for both soaks."""
    with LocalZepProcess(KEY, SESSIONS) as process:
        yield process


async def test_async_soak(server: LocalZepProcess) -> None:
    """20,000 requests, 256 at a time, on one AsyncZep: all correct, nothing leaks."""
    served_before, connections_before = server.stats()
    gc.collect()
    fds_before = open_fds()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        zep = AsyncZep(api_key=KEY, base_url=server.base_url)
        wrong = 0

        async def burst(requests: int) -> int:
            """``requests`` get_session calls, ASYNC_CONCURRENCY at a time; returns how many."""
            remaining = requests

            async def worker() -> int:
                nonlocal remaining, wrong
                done = 0
                while remaining > 0:
                    remaining -= 1
                    session_id = f"s-{remaining % SESSIONS}"
                    session = await zep.memory.get_session(session_id)
                    wrong += session.session_id != session_id
                    done += 1
                return done

            return sum(await asyncio.gather(*(worker() for _ in range(ASYNC_CONCURRENCY))))

        async with zep:
            done = await burst(WARM_UP)
            asyncio.get_running_loop().set_debug(False)  # see the module docstring
            gc.collect()
            rss_warm = rss_bytes()
            done += await burst(ASYNC_REQUESTS - WARM_UP)
            gc.collect()
            rss_after = rss_bytes()
            in_use, idle = pool_state(zep)
            assert zep._transport._session is not None
            connector = zep._transport._session.connector
            assert connector is not None
        gc.collect()
        fds_after = open_fds()
    assert done == ASYNC_REQUESTS
    assert wrong == 0
    served, connections = server.stats()
    assert served - served_before == ASYNC_REQUESTS
    assert connections - connections_before <= 100  # the pool's limit: reused, not churned
    assert in_use == 0
    assert 0 < idle <= 100
    assert connector.closed
    assert not connector._conns  # type: ignore[attr-defined]
    assert not connector._acquired  # type: ignore[attr-defined]
    assert fds_after == fds_before
    assert rss_after - rss_warm < MAX_RSS_GROWTH
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
    assert asyncio.all_tasks() == {asyncio.current_task()}


async def _debug_off() -> None:
    asyncio.get_running_loop().set_debug(False)


def test_sync_soak_from_32_threads(server: LocalZepProcess) -> None:
    """32 threads share one Zep for 5,600 requests: all correct, nothing leaks."""
    served_before, connections_before = server.stats()
    gc.collect()
    fds_before = open_fds()
    threads_before = threading.active_count()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        zep = Zep(api_key=KEY, base_url=server.base_url)

        def work(n: int, requests: int) -> int:
            ok = 0
            for i in range(requests):
                session_id = f"s-{(n * requests + i) % SESSIONS}"
                ok += zep.memory.get_session(session_id).session_id == session_id
            return ok

        with zep, ThreadPoolExecutor(max_workers=SYNC_THREADS) as pool:
            list(pool.map(work, range(SYNC_THREADS), [SYNC_WARM_UP] * SYNC_THREADS))
            zep._runner.call(_debug_off)  # see the module docstring
            gc.collect()
            rss_warm = rss_bytes()
            results = list(pool.map(work, range(SYNC_THREADS), [SYNC_PER_THREAD] * SYNC_THREADS))
            gc.collect()
            rss_after = rss_bytes()
            in_use, idle = pool_state(zep)
        gc.collect()
    assert results == [SYNC_PER_THREAD] * SYNC_THREADS
    served, connections = server.stats()
    assert served - served_before == SYNC_THREADS * (SYNC_WARM_UP + SYNC_PER_THREAD)
    assert connections - connections_before <= 100
    assert in_use == 0
    assert 0 < idle <= 100
    assert pool_state(zep) == (0, 0)
    assert open_fds() == fds_before
    assert threading.active_count() == threads_before
    assert rss_after - rss_warm < MAX_RSS_GROWTH
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
