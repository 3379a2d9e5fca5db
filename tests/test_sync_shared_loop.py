"""Every sync client of a process runs on one shared loop thread, each with its own pool.

The thread is leased by a client's first call and given back by its close (or
collection); the last one ends it. Closing, collecting or interrupting one client
touches only that client's calls; a slow server for one does not delay another; a
blocking hook does, and only while it blocks (documented in docs/sync.md).
"""

from __future__ import annotations

import concurrent.futures
import gc
import os
import signal
import sys
import textwrap
import threading
import warnings
from collections.abc import Iterator

import pytest

from zep_async import CallStartEvent, ClientClosedError, Hooks, Zep
from zep_async._runner import loop_users
from zep_async.testing import LocalZep

from .conftest import NO_WAIT
from .sync_support import run_dev

KEY = "test-api-key"  # LocalZep's default


@pytest.fixture
def server(local_zep_thread: LocalZep) -> LocalZep:
    """LocalZep in its own thread, with one session to read."""
    local_zep_thread.add_session("s")
    return local_zep_thread


@pytest.fixture
def clients(server: LocalZep) -> Iterator[list[Zep]]:
    """Three clients of the same server, each closed after the test."""
    made = [Zep(api_key=KEY, base_url=server.base_url, retry_policy=NO_WAIT) for _ in range(3)]
    yield made
    for zep in made:
        zep.close()


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


def _in_thread(call: object) -> concurrent.futures.Future[object]:
    """Run ``call()`` in a new thread; its outcome lands in the returned future."""
    future: concurrent.futures.Future[object] = concurrent.futures.Future()

    def run() -> None:
        try:
            future.set_result(call())  # type: ignore[operator]
        except BaseException as exc:
            future.set_exception(exc)

    threading.Thread(target=run, daemon=True).start()
    return future


def test_clients_share_one_loop_thread(clients: list[Zep]) -> None:
    """Three clients that each made a call run on the same thread, each with its own pool."""
    for zep in clients:
        assert zep.memory.get_session("s").session_id == "s"
    threads = {zep._runner.loop_thread for zep in clients}
    pools = {id(zep._async._transport._session) for zep in clients}
    assert len(threads) == 1
    assert len(pools) == 3
    users, thread = loop_users()
    assert thread in threads
    assert users >= 3


def test_a_client_that_made_no_call_holds_no_thread(server: LocalZep) -> None:
    """Constructing a client leases nothing; its first call does."""
    zep = Zep(api_key=KEY, base_url=server.base_url)
    assert not zep._runner.holds_loop
    zep.memory.get_session("s")
    assert zep._runner.holds_loop
    zep.close()
    assert not zep._runner.holds_loop


def test_closing_one_client_leaves_the_others_working(clients: list[Zep]) -> None:
    """close() gives back one lease and closes one pool; the others keep their pools and calls."""
    first, second, third = clients
    for zep in clients:
        zep.memory.get_session("s")
    pool = first._async._transport._session
    first.close()
    assert pool is not None
    assert pool.closed
    assert second.memory.get_session("s").session_id == "s"
    assert third.memory.get_session("s").session_id == "s"
    assert second._runner.loop_thread is not None
    assert second._runner.loop_thread.is_alive()
    with pytest.raises(ClientClosedError):
        first.memory.get_session("s")


def test_close_from_another_thread_ends_only_that_clients_call(
    server: LocalZep, clients: list[Zep]
) -> None:
    """A client closed from another thread mid-call raises ClientClosedError; others go on."""
    slow, other, _ = clients
    other.memory.get_session("s")
    server.stall("get_session")
    waiting = _in_thread(lambda: slow.memory.get_session("s"))
    assert server.wait_for_requests(2, route="get_session", timeout=10)
    closer = threading.Thread(target=slow.close)
    closer.start()
    # Meanwhile the shared loop keeps serving the other client.
    assert other.memory.list_sessions(page_size=1).total_count == 1
    closer.join(10)
    with pytest.raises(ClientClosedError, match="closed while this call ran"):
        waiting.result(timeout=10)
    assert other.memory.get_session("s").session_id == "s"


def test_a_slow_server_for_one_client_does_not_delay_another(
    server: LocalZep, clients: list[Zep]
) -> None:
    """While client A waits on a stalled answer, client B makes 20 calls on the shared loop."""
    slow, fast, _ = clients
    server.stall("get_session")
    waiting = _in_thread(lambda: slow.memory.get_session("s"))
    assert server.wait_for_requests(1, route="get_session", timeout=10)
    for _ in range(20):
        assert fast.memory.list_sessions(page_size=1).total_count == 1
    assert not waiting.done()  # A is still waiting: B never queued behind it
    slow.close()
    with pytest.raises(ClientClosedError):
        waiting.result(timeout=10)


def test_a_blocking_hook_holds_every_client_until_it_returns(server: LocalZep) -> None:
    """A sync hook runs on the shared loop: while it blocks no other client's call starts."""
    release = threading.Event()
    in_hook = threading.Event()
    started: list[str] = []

    def block(event: CallStartEvent) -> None:
        in_hook.set()
        assert release.wait(10)

    hooked = Zep(api_key=KEY, base_url=server.base_url, hooks=Hooks(on_call_start=block))
    other = Zep(
        api_key=KEY,
        base_url=server.base_url,
        hooks=Hooks(on_call_start=lambda event: started.append(event.url)),
    )
    try:
        other.memory.get_session("s")  # both clients on the loop already
        started.clear()
        first = _in_thread(lambda: hooked.memory.get_session("s"))
        assert in_hook.wait(10)
        second = _in_thread(lambda: other.memory.get_session("s"))
        # The loop is held by the hook, so the other call cannot even begin. (A wait that
        # can only pass early, never fail because a machine is slow.)
        assert not second.done()
        assert started == []
        release.set()
        assert first.result(timeout=10).session_id == "s"  # type: ignore[attr-defined]
        assert second.result(timeout=10).session_id == "s"  # type: ignore[attr-defined]
        assert len(started) == 1
    finally:
        release.set()
        hooked.close()
        other.close()


def test_a_sync_client_called_from_another_clients_hook_raises(server: LocalZep) -> None:
    """The deadlock guard covers every client: a hook calling any sync client raises."""
    seen: list[BaseException] = []
    other = Zep(api_key=KEY, base_url=server.base_url)

    def call_other(event: CallStartEvent) -> None:
        try:
            other.memory.get_session("s")
        except RuntimeError as exc:
            seen.append(exc)

    with Zep(api_key=KEY, base_url=server.base_url, hooks=Hooks(on_call_start=call_other)) as zep:
        assert zep.memory.get_session("s").session_id == "s"
    other.close()
    (error,) = seen
    assert "deadlock" in str(error)


def test_sixteen_threads_over_four_clients(server: LocalZep) -> None:
    """16 threads x 4 clients x 5 calls all succeed on the one loop thread."""
    zeps = [Zep(api_key=KEY, base_url=server.base_url) for _ in range(4)]
    try:

        def work(n: int) -> int:
            zep = zeps[n % 4]
            return sum(zep.memory.get_session("s").session_id == "s" for _ in range(5))

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            assert sum(pool.map(work, range(16))) == 80
        assert len({zep._runner.loop_thread for zep in zeps}) == 1
    finally:
        for zep in zeps:
            zep.close()


def test_closing_clients_from_16_threads_while_others_call(server: LocalZep) -> None:
    """8 clients closed from 8 threads while 8 other threads call 8 other clients."""
    doomed = [Zep(api_key=KEY, base_url=server.base_url) for _ in range(8)]
    kept = [Zep(api_key=KEY, base_url=server.base_url) for _ in range(8)]
    for zep in doomed + kept:
        zep.memory.get_session("s")
    try:

        def call(zep: Zep) -> int:
            return sum(zep.memory.get_session("s").session_id == "s" for _ in range(5))

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            calls = [pool.submit(call, zep) for zep in kept]
            closes = [pool.submit(zep.close) for zep in doomed]
            assert [f.result(timeout=30) for f in calls] == [5] * 8
            for f in closes:
                f.result(timeout=30)
        assert all(zep.closed and not zep._runner.holds_loop for zep in doomed)
        assert all(zep.memory.get_session("s").session_id == "s" for zep in kept)
    finally:
        for zep in kept:
            zep.close()


def test_a_client_collected_mid_walk_keeps_the_loop_for_the_others(
    server: LocalZep, clients: list[Zep]
) -> None:
    """A walk and its client dropped mid-iteration close that pool; the shared loop serves on."""
    server.seed(6)
    other = clients[0]
    other.memory.get_session("s")
    zep = Zep(api_key=KEY, base_url=server.base_url)
    walk = zep.memory.iter_sessions(page_size=2, prefetch=1)
    next(walk)
    pool = zep._async._transport._session
    runner = zep._runner
    del zep, walk
    gc.collect()
    assert pool is not None
    assert pool.closed
    assert not runner.holds_loop
    assert other.memory.list_sessions(page_size=10).total_count == 7


def test_the_last_close_ends_the_thread_and_the_next_call_starts_one() -> None:
    """The thread lives while any client holds it, ends with the last, and starts anew (-X dev)."""
    code = textwrap.dedent(
        """
        import threading
        from zep_async import Zep
        from zep_async._runner import loop_users
        from zep_async.testing import LocalZep

        server = LocalZep()
        server.add_session("s")
        with server.run_in_thread():
            zeps = [Zep(api_key=server.api_key, base_url=server.base_url) for _ in range(3)]
            for zep in zeps:
                zep.memory.get_session("s")
            thread = zeps[0]._runner.loop_thread
            assert loop_users() == (3, thread)
            zeps[0].close()
            del zeps[1]  # collected: gives its lease back too
            assert loop_users() == (1, thread) and thread.is_alive()
            zeps[-1].close()
            assert loop_users() == (0, None)
            assert not thread.is_alive()
            with Zep(api_key=server.api_key, base_url=server.base_url) as again:
                again.memory.get_session("s")
                assert again._runner.loop_thread is not thread
        assert [t.name for t in threading.enumerate() if t.name == "zep-async-loop"] == []
        print("ok")
        """
    )
    result = run_dev(code, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
    assert result.stderr == ""


def test_exit_with_a_call_in_flight_is_prompt_and_quiet() -> None:
    """A daemon thread still waiting on a call at exit: exit 0, empty stderr (-X dev)."""
    code = textwrap.dedent(
        """
        import threading
        from zep_async import Zep
        from zep_async.testing import LocalZep

        server = LocalZep()
        server.add_session("s")
        server.stall("get_session")
        server_cm = server.run_in_thread()
        server_cm.__enter__()
        idle = Zep(api_key=server.api_key, base_url=server.base_url)
        idle.memory.list_sessions(page_size=1)
        busy = Zep(api_key=server.api_key, base_url=server.base_url)
        threading.Thread(target=busy.memory.get_session, args=("s",), daemon=True).start()
        assert server.wait_for_requests(1, route="get_session", timeout=10)
        print("exiting")
        """
    )
    result = run_dev(code, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "exiting"
    assert result.stderr == ""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX only")
def test_fork_with_live_clients(server: LocalZep, clients: list[Zep]) -> None:
    """A forked child's live clients work on the child's own loop; the parent's go on."""
    for zep in clients:
        zep.memory.get_session("s")
    parent_thread = clients[0]._runner.loop_thread
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork() with threads running
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit status
        status = 1
        try:
            ok = all(zep.memory.get_session("s").session_id == "s" for zep in clients)
            threads = {zep._runner.loop_thread for zep in clients}
            status = 0 if ok and len(threads) == 1 and parent_thread not in threads else 2
            for zep in clients:
                zep.close()
            if loop_users() != (0, None):
                status = 3
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert all(zep.memory.get_session("s").session_id == "s" for zep in clients)
    assert {zep._runner.loop_thread for zep in clients} == {parent_thread}


class AlarmError(Exception):
    """What the test's alarm handler raises."""


def test_an_interrupt_cancels_only_that_call(server: LocalZep, clients: list[Zep]) -> None:
    """An alarm in the waiting thread cancels its own call; another client's call goes on."""
    if threading.current_thread() is not threading.main_thread() or os.name != "posix":
        pytest.skip("needs POSIX signals delivered to the main thread")
    interrupted, other, _ = clients
    server.stall("get_session", times=2)
    waiting = _in_thread(lambda: other.memory.get_session("s"))
    assert server.wait_for_requests(1, route="get_session", timeout=10)

    def alarm(signum: int, frame: object) -> None:
        raise AlarmError(signum)

    def send() -> None:
        if server.wait_for_requests(2, route="get_session", timeout=10):
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGALRM)

    previous = signal.signal(signal.SIGALRM, alarm)
    helper = threading.Thread(target=send)
    try:
        helper.start()
        with pytest.raises(AlarmError):
            interrupted.memory.get_session("s")
    finally:
        helper.join(10)
        signal.signal(signal.SIGALRM, previous)
    assert server.wait_for_disconnects(1, timeout=10)
    assert not waiting.done()  # the other client's call still waits for its answer
    assert interrupted.memory.list_sessions(page_size=1).total_count == 1
    other.close()
    with pytest.raises(ClientClosedError):
        waiting.result(timeout=10)


def test_a_client_dropped_on_the_loop_thread_closes_quietly_beside_others(
    server: LocalZep, clients: list[Zep], unraisable: list[object]
) -> None:
    """A client whose last holder dies on the shared loop thread closes its pool there;
    the client that ran the drop keeps working and nothing is printed."""
    server.seed(4)
    keeper = clients[0]
    zep = Zep(api_key=KEY, base_url=server.base_url)
    holder = [zep.memory.iter_sessions(page_size=2, prefetch=1)]
    next(holder[0])
    pool = zep._async._transport._session
    runner = zep._runner
    del zep

    async def drop() -> None:
        holder.clear()  # the walk held the last reference: closing starts here

    keeper._runner.call(drop)
    assert runner._ended.wait(10)
    assert pool is not None
    assert pool.closed
    assert not runner.holds_loop
    assert keeper.memory.list_sessions(page_size=10).total_count == 5
    assert unraisable == []


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts fds in /proc")
def test_three_hundred_clients_cost_one_thread_and_a_socket_each() -> None:
    """300 live clients that each made a call: one loop thread, about one fd each (-X dev)."""
    code = textwrap.dedent(
        """
        import os, threading
        from zep_async import Zep
        from zep_async.testing import LocalZep

        def fds():
            return len(os.listdir("/proc/self/fd"))

        server = LocalZep()
        server.add_session("s")
        with server.run_in_thread():
            threads, before = threading.active_count(), fds()
            zeps = [Zep(api_key=server.api_key, base_url=server.base_url) for _ in range(300)]
            for zep in zeps:
                zep.memory.get_session("s")
            # Each connection is two fds here: the client's socket and LocalZep's end.
            print(threading.active_count() - threads, fds() - before - 300)
            for zep in zeps:
                zep.close()
        """
    )
    result = run_dev(code, timeout=120)
    assert result.returncode == 0, result.stderr
    extra_threads, client_fds = map(int, result.stdout.split())
    assert extra_threads == 1
    assert 300 <= client_fds <= 300 + 3  # a socket each, plus the loop's selector and pipe
    assert result.stderr == ""
