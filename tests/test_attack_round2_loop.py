"""Round-2 attacks on the shared sync loop: the last close racing a new client's first call.

The loop thread is refcounted: the last client to close ends it, and a client's first
call starts one if none runs. This test races the two from two threads, checking
that every call succeeds and no lease is left.
"""

from __future__ import annotations

import threading

from zep_async import Zep
from zep_async._runner import loop_users
from zep_async.testing import LocalZep

from .conftest import NO_WAIT

#: Bounds every wait on a thread; none of them should come near it.
WAIT = 20.0


def _client(server: LocalZep) -> Zep:
    return Zep(api_key=server.api_key, base_url=server.base_url, retry_policy=NO_WAIT)


def test_the_last_close_racing_a_new_clients_first_call(local_zep_thread: LocalZep) -> None:
    """A client's first call while the last other client closes: it succeeds, every time."""
    local_zep_thread.add_session("s-1")
    failures: list[BaseException] = []
    for _ in range(100):
        last = _client(local_zep_thread)
        last.memory.get_session("s-1")
        ready = threading.Barrier(2, timeout=WAIT)

        def first_call(ready: threading.Barrier = ready) -> None:
            try:
                with _client(local_zep_thread) as fresh:
                    ready.wait()
                    fresh.memory.get_session("s-1")
            except BaseException as exc:  # collected, asserted below
                failures.append(exc)

        thread = threading.Thread(target=first_call)
        thread.start()
        ready.wait()
        last.close()
        thread.join(WAIT)
        assert not thread.is_alive()
    assert failures == []
    assert loop_users()[0] == 0
