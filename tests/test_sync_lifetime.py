"""The sync client's lifetime: no cycles, walks keep their client, interrupts cancel.

A dropped ``Zep`` is freed (and closed) at once, without the cycle collector;
an iterator keeps its client open while it is used, whatever collects in
between; finalizers neither raise nor print; and any exception raised in the
waiting thread (an alarm handler's, ``SystemExit`` from a SIGTERM handler)
cancels the request on the loop and reaches the caller unchanged.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from types import FrameType

import pytest

from zep_async import RetryPolicy, Zep
from zep_async.testing import LocalZep

from .conftest import NO_WAIT
from .sync_support import assert_gave_the_loop_back, run_dev

KEY = "test-api-key"  # LocalZep's default


@pytest.fixture
def server(local_zep_thread: LocalZep) -> LocalZep:
    """LocalZep in its own thread (the plugin's fixture), under a short name."""
    return local_zep_thread


@pytest.fixture
def unraisable() -> Iterator[list[object]]:
    """Whatever Python would print as "Exception ignored ..." during the test."""
    seen: list[object] = []
    previous = sys.unraisablehook
    sys.unraisablehook = seen.append
    try:
        yield seen
    finally:
        sys.unraisablehook = previous


def test_a_dropped_client_is_freed_at_once(server: LocalZep) -> None:
    """With the cycle collector off, dropping the last reference closes the pool and gives
    the shared loop back (its thread ends with the last client)."""
    server.add_session("s")
    gc.disable()
    try:
        zep = Zep(api_key=KEY, base_url=server.base_url)
        assert zep.memory.get_session("s").session_id == "s"
        runner = zep._runner
        pool = zep._async._transport._session
        del zep
        assert_gave_the_loop_back(runner)
        assert pool is not None
        assert pool.closed
    finally:
        gc.enable()


def _walk_collecting(server: LocalZep, collect: Callable[[], None]) -> list[str]:
    """Walk a client that only the iterator holds, calling ``collect`` between items."""
    iterator = Zep(api_key=KEY, base_url=server.base_url).memory.iter_sessions(
        page_size=2, prefetch=1
    )
    ids = []
    for session in iterator:
        ids.append(session.session_id or "")
        collect()
    return ids


def test_a_walk_keeps_its_client_alive_across_collections(server: LocalZep) -> None:
    """gc.collect() between items, here and in another thread, never closes the walk's client."""
    server.seed(7)
    expected = sorted(s["session_id"] for s in server.sessions)

    def collect_in_another_thread() -> None:
        other = threading.Thread(target=gc.collect)
        other.start()
        other.join(10)

    assert sorted(_walk_collecting(server, gc.collect)) == expected
    assert sorted(_walk_collecting(server, collect_in_another_thread)) == expected


def test_a_collection_on_the_loop_thread_mid_walk(server: LocalZep) -> None:
    """A collection on the loop thread (in a retry wait) during a walk does not end it."""
    server.seed(5)
    server.fail("list_sessions", 503)

    async def collect(_: float) -> None:
        gc.collect()

    policy = RetryPolicy(sleep=collect)
    iterator = Zep(api_key=KEY, base_url=server.base_url, retry_policy=policy).memory.iter_sessions(
        page_size=2, prefetch=1
    )
    assert len(list(iterator)) == 5


def test_an_iterator_collected_on_the_loop_thread_is_quiet(
    server: LocalZep, unraisable: list[object]
) -> None:
    """An abandoned walk dropped on the loop thread closes quietly; the client still works."""
    server.seed(6)
    with Zep(api_key=KEY, base_url=server.base_url, retry_policy=NO_WAIT) as zep:
        holder = [zep.memory.iter_sessions(page_size=2, prefetch=1)]
        next(holder[0])

        async def drop() -> None:
            holder.clear()  # the generator is finalized here, on the loop thread

        zep._runner.call(drop)
        assert len(zep.memory.list_sessions(page_size=10).sessions) == 6
    assert unraisable == []


def test_the_last_reference_dropped_on_the_loop_thread_closes_the_pool() -> None:
    """A client whose last holder dies on its loop thread closes its pool, silently (-X dev)."""
    code = textwrap.dedent(
        """
        from zep_async import Zep
        from zep_async.testing import LocalZep

        server = LocalZep()
        server.seed(4)
        with server.run_in_thread():
            zep = Zep(api_key=server.api_key, base_url=server.base_url)
            runner = zep._runner
            holder = [zep.memory.iter_sessions(page_size=2, prefetch=1)]
            next(holder[0])
            pool = zep._async._transport._session
            del zep

            async def drop():
                holder.clear()  # the walk held the last reference: closing starts here

            try:
                runner.call(drop)
            except RuntimeError:
                pass  # the loop may already be winding down
            runner.loop_thread.join(10)
            assert not runner.loop_thread.is_alive()
            assert pool.closed
        print("ok")
        """
    )
    result = run_dev(code, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
    assert result.stderr == ""


class AlarmError(Exception):
    """What the test's alarm handler raises."""


def _main_thread_only() -> None:
    if threading.current_thread() is not threading.main_thread() or os.name != "posix":
        pytest.skip("needs POSIX signals delivered to the main thread")


def _signal_when_waiting(server: LocalZep, signum: int, count: int = 1) -> threading.Thread:
    """Send ``signum`` to the main thread once the server holds ``count`` requests."""

    def send() -> None:
        if server.wait_for_requests(count, timeout=10):
            signal.pthread_kill(threading.main_thread().ident or 0, signum)

    helper = threading.Thread(target=send)
    helper.start()
    return helper


@pytest.fixture
def handler() -> Iterator[Callable[[int, Callable[[int, FrameType | None], None]], None]]:
    """Install signal handlers for the test, restoring the previous ones after."""
    previous: dict[int, object] = {}

    def install(signum: int, function: Callable[[int, FrameType | None], None]) -> None:
        previous.setdefault(signum, signal.signal(signum, function))

    yield install
    for signum, old in previous.items():
        signal.signal(signum, old)  # type: ignore[arg-type]


def _raise_alarm(signum: int, frame: FrameType | None) -> None:
    raise AlarmError(signum)


def _exit(signum: int, frame: FrameType | None) -> None:
    sys.exit(143)


def _interrupted(
    server: LocalZep,
    zep: Zep,
    signum: int,
    expected: type[BaseException],
    wait: Callable[[], object],
) -> None:
    """``wait()`` ends with ``expected`` from ``signum``'s handler, and the request is gone."""
    helper = _signal_when_waiting(server, signum, count=server.count() + 1)
    with pytest.raises(expected):
        wait()
    helper.join(10)
    assert server.wait_for_disconnects(1, timeout=10)
    server.clear()  # the client still works afterwards
    server.add_session("after")
    assert zep.memory.get_session("after").session_id == "after"


@pytest.mark.parametrize(
    ("signum", "function", "expected"),
    [(signal.SIGALRM, _raise_alarm, AlarmError), (signal.SIGTERM, _exit, SystemExit)],
    ids=["alarm-raises", "sigterm-exits"],
)
def test_an_exception_in_the_waiting_thread_cancels_the_request(
    server: LocalZep,
    handler: Callable[..., None],
    signum: int,
    function: Callable[[int, FrameType | None], None],
    expected: type[BaseException],
) -> None:
    """A signal handler's exception reaches the caller unchanged, and the request is cancelled."""
    _main_thread_only()
    handler(signum, function)
    server.stall("get_session")
    with Zep(api_key=KEY, base_url=server.base_url, retry_policy=NO_WAIT) as zep:
        _interrupted(server, zep, signum, expected, lambda: zep.memory.get_session("slow"))


def test_an_alarm_during_a_sync_walk_surfaces_unchanged(
    server: LocalZep, handler: Callable[..., None]
) -> None:
    """An alarm while a walk waits for a page gives the alarm, not "aclose(): already running"."""
    _main_thread_only()
    handler(signal.SIGALRM, _raise_alarm)
    server.seed(4)
    with Zep(api_key=KEY, base_url=server.base_url, retry_policy=NO_WAIT) as zep:
        walk = zep.memory.iter_sessions(page_size=2, prefetch=1)
        assert len([next(walk), next(walk)]) == 2
        server.stall("list_sessions")
        _interrupted(server, zep, signal.SIGALRM, AlarmError, lambda: next(walk))


def test_an_interval_timer_alarm_cancels_a_stalled_call(
    server: LocalZep, handler: Callable[..., None]
) -> None:
    """signal.setitimer's alarm, raising in its handler, ends a stalled call with that error."""
    _main_thread_only()
    handler(signal.SIGALRM, _raise_alarm)
    server.stall("get_session")
    with Zep(api_key=KEY, base_url=server.base_url, retry_policy=NO_WAIT) as zep:
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        try:
            with pytest.raises(AlarmError):
                zep.memory.get_session("slow")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        assert server.wait_for_disconnects(server.count("get_session"), timeout=10)
