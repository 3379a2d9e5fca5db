"""The sync client Zep: same calls, one background loop, safe from any thread."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import threading
import traceback
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from zep_async import NotFoundError, RetryPolicy, Session, Zep
from zep_async.testing import LocalZep

from .conftest import local_sync_client


@pytest.fixture
def server(local_zep_thread: LocalZep) -> LocalZep:
    """The plugin's threaded LocalZep, under this file's name."""
    return local_zep_thread


@pytest.fixture
def zep(server: LocalZep) -> Iterator[Zep]:
    with local_sync_client(server) as client:
        yield client


def test_same_calls_without_await(server: LocalZep, zep: Zep) -> None:
    """get_session and list_sessions return the same models as the async client."""
    server.add_session("s-1", user_id="u")
    assert zep.memory.get_session("s-1").user_id == "u"
    page = zep.memory.list_sessions(page_size=5)
    assert [s.session_id for s in page.sessions] == ["s-1"]
    assert page.total_count == 1


def test_errors_cross_back_unchanged(zep: Zep) -> None:
    """A 404 raises NotFoundError with its attributes, and the traceback shows the caller."""
    with pytest.raises(NotFoundError) as info:
        zep.memory.get_session("missing")
    assert info.value.status_code == 404
    assert info.value.message == "not found"
    assert info.value.request_id
    frames = [frame.name for frame in traceback.extract_tb(info.tb)]
    assert frames[0] == "test_errors_cross_back_unchanged"


def test_many_threads_share_one_client(server: LocalZep, zep: Zep) -> None:
    """16 threads x 100 calls through one Zep all get their own, correct answer."""
    for n in range(16):
        server.add_session(f"t-{n}", user_id=f"user-{n}")

    def work(n: int) -> int:
        ok = 0
        for _ in range(100):
            session = zep.memory.get_session(f"t-{n}")
            ok += session.user_id == f"user-{n}"
        return ok

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(work, range(16)))
    assert results == [100] * 16
    assert server.count("get_session") == 1600


def test_works_inside_a_running_loop(server: LocalZep, zep: Zep) -> None:
    """Called from a thread whose loop is running (a notebook cell), it still works."""
    server.add_session("nb")

    async def cell() -> Session:
        return zep.memory.get_session("nb")

    assert asyncio.run(cell()).session_id == "nb"


def test_iter_sessions_is_a_plain_iterator(server: LocalZep, zep: Zep) -> None:
    """The sync iter_sessions yields every session once, across pages."""
    server.seed(57)
    ids = [s.session_id for s in zep.memory.iter_sessions(page_size=10, prefetch=3)]
    assert len(ids) == len(set(ids)) == 57


def test_breaking_out_of_the_sync_iterator_closes_it(server: LocalZep, zep: Zep) -> None:
    """Leaving the for loop early stops fetching; the client keeps working."""
    server.seed(100)
    for _ in zep.memory.iter_sessions(page_size=10, prefetch=1):
        break
    assert server.count("list_sessions") == 1
    assert zep.memory.list_sessions(page_size=1).total_count == 100


def test_bad_arguments_raise_in_the_callers_thread(server: LocalZep, zep: Zep) -> None:
    """Validation errors surface at the call, and nothing reaches the server."""
    with pytest.raises(ValueError, match="page_size"):
        zep.memory.list_sessions(page_size=0)
    with pytest.raises(ValueError, match="prefetch"):
        zep.memory.iter_sessions(prefetch=0)
    assert server.count() == 0


def test_close_is_idempotent_and_final(server: LocalZep) -> None:
    """close() twice is fine, the loop thread is joined, later calls say closed."""
    zep = Zep(api_key=server.api_key, base_url=server.base_url)
    zep.memory.list_sessions()
    thread = zep._runner.loop_thread
    assert thread is not None
    assert thread.is_alive()
    zep.close()
    zep.close()
    assert not thread.is_alive()
    assert zep.closed
    with pytest.raises(RuntimeError, match="closed"):
        zep.memory.list_sessions()
    with pytest.raises(RuntimeError, match="closed"):
        zep.memory.iter_sessions()


def test_unused_client_closes_without_starting_a_thread() -> None:
    """A client that never made a call has no thread to stop."""
    zep = Zep(api_key="k", base_url="http://127.0.0.1:9/api/v2")
    zep.close()
    assert zep._runner.loop_thread is None


def test_repr_hides_the_key(server: LocalZep) -> None:
    """repr(Zep) shows the base URL only."""
    with Zep(api_key="sk-hidden-42", base_url=server.base_url) as zep:
        assert "sk-hidden-42" not in repr(zep)
        assert server.base_url in repr(zep)


def _run_script(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-X", "dev", "-W", "error::ResourceWarning", "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_forgotten_client_is_cleaned_up_at_exit(server: LocalZep) -> None:
    """A script that never closes its client exits 0 with an empty stderr under -X dev."""
    code = textwrap.dedent(
        """
        import sys
        from zep_async import Zep
        zep = Zep(api_key=sys.argv[1], base_url=sys.argv[2])
        print(zep.memory.list_sessions().total_count)
        """
    )
    result = _run_script(code, server.api_key, server.base_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"
    assert result.stderr == ""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX only")
def test_forked_child_builds_its_own_runner(server: LocalZep) -> None:
    """After fork, the child makes its own calls on its own loop; the parent keeps working."""
    server.add_session("forked")
    code = textwrap.dedent(
        """
        import os, sys, warnings
        warnings.simplefilter("ignore", DeprecationWarning)  # fork() with threads running
        from zep_async import Zep
        zep = Zep(api_key=sys.argv[1], base_url=sys.argv[2])
        assert zep.memory.get_session("forked").session_id == "forked"
        pid = os.fork()
        if pid == 0:
            ok = zep.memory.get_session("forked").session_id == "forked"
            zep.close()
            os._exit(0 if ok else 3)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, status
        assert zep.memory.get_session("forked").session_id == "forked"
        zep.close()
        print("ok")
        """
    )
    result = _run_script(code, server.api_key, server.base_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
    assert server.count("get_session") == 3


def test_ctrl_c_cancels_the_request(server: LocalZep, zep: Zep) -> None:
    """KeyboardInterrupt while waiting cancels the request on the loop before propagating."""
    if threading.current_thread() is not threading.main_thread() or os.name != "posix":
        pytest.skip("needs POSIX signals delivered to the main thread")
    server.stall("get_session")
    started = threading.Event()

    def interrupt_when_the_server_has_it() -> None:
        server.wait_for_requests(1, timeout=10)
        started.set()
        # A real SIGINT to the main thread, as Ctrl-C delivers it: it wakes the blocked wait.
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)

    helper = threading.Thread(target=interrupt_when_the_server_has_it)
    # Python's own Ctrl-C handler, whatever an earlier in-process test left installed.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        helper.start()
        with pytest.raises(KeyboardInterrupt):
            zep.memory.get_session("slow")
    finally:
        signal.signal(signal.SIGINT, previous)
    helper.join(10)
    assert started.is_set()
    assert server.wait_for_disconnects(1, timeout=10)
    # The client is still usable afterwards.
    server.clear()
    server.add_session("after")
    assert zep.memory.get_session("after").session_id == "after"


def test_a_call_from_the_clients_own_loop_raises(server: LocalZep) -> None:
    """A sync call made on the runner's loop (here from a retry hook) raises RuntimeError."""
    server.add_session("inner")
    server.fail("get_session", 503)
    inner_errors: list[BaseException] = []

    async def sleep_that_calls_back(_: float) -> None:
        try:
            zep.memory.get_session("inner")
        except RuntimeError as error:
            inner_errors.append(error)

    policy = RetryPolicy(sleep=sleep_that_calls_back)
    with Zep(api_key=server.api_key, base_url=server.base_url, retry_policy=policy) as zep:
        assert zep.memory.get_session("inner").session_id == "inner"
    (error,) = inner_errors
    assert "deadlock" in str(error)


def test_sync_memory_docstring_lists_every_method() -> None:
    """SyncMemory's docstring names each public method it holds, and only those."""
    import re

    from zep_async import SyncMemory

    methods = {name for name in dir(SyncMemory) if not name.startswith("_")}
    listed = set(re.findall(r"``(\w+)``", SyncMemory.__doc__ or ""))
    assert listed - {"memory", "Zep", "AsyncMemory", "iter_"} == methods
