"""The process's one event-loop thread for sync clients, refcounted, fork- and exit-aware.

``acquire`` hands out a lease on the current ``LoopThread`` (starting one if none
runs); ``release`` gives it back, and the last release stops the loop and joins its
thread. In a forked child the parent's thread does not exist: the child forgets it
(keeping the objects, so collecting them warns about nothing) and the next
``acquire`` starts the child's own. ``exiting()`` tells whether interpreter exit has
begun (set before the clients' finalizers close them). Standard library only.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import os
import threading
from collections.abc import Callable
from typing import Any

__all__ = [
    "CLOSED_WHILE_RUNNING",
    "SHUTDOWN_WAIT",
    "LoopThread",
    "acquire",
    "exiting",
    "fail",
    "loop_users",
    "on_a_loop_thread",
    "release",
]

#: How long a stop and an interrupted wait give the loop to wind down before giving up.
SHUTDOWN_WAIT = 5.0
CLOSED_WHILE_RUNNING = "the client was closed while this call ran"


class LoopThread:
    """An event loop and the daemon thread running it, with a count of leases."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.users = 0
        self.ending = False
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        # Calls handed to this loop and not finished, with the error each ends with if the
        # loop closes before it starts (a callback sent after the loop's last iteration).
        self.waiting: dict[concurrent.futures.Future[Any], Callable[[str], BaseException]] = {}

    def _run(self) -> None:
        _here.on_loop = True
        loop = self.loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            if tasks:
                loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            asyncio.set_event_loop(None)
            loop.close()
            for done, error in list(self.waiting.items()):
                fail(done, error(CLOSED_WHILE_RUNNING))

    def end(self) -> None:
        """Stop the loop and, unless called on it, join its thread (bounded)."""
        with contextlib.suppress(RuntimeError):  # already closed
            self.loop.call_soon_threadsafe(self.loop.stop)
        if threading.current_thread() is not self.thread and self.thread.ident is not None:
            self.thread.join(SHUTDOWN_WAIT)


# Reentrant: a finalizer (a collected client's stop) may run in the middle of _acquire.
_lock = threading.RLock()
_current: LoopThread | None = None
_here = threading.local()  # .on_loop: this thread runs a loop of ours
_exit_started = False
_at_exit_registered = False
# What a forked child inherited and must neither use, close nor let be collected (the
# parent's loop, runners' tasks): collecting them would warn about a loop never run here.
forked_away: list[object] = []


def acquire(name: str) -> LoopThread:
    """A lease on the current loop thread, started if none runs."""
    global _current, _at_exit_registered
    with _lock:
        if not _at_exit_registered:
            # After the first client's finalizer was made (a Zep makes it before its first
            # call), so this runs first at exit (atexit is last in, first out).
            atexit.register(_at_exit)
            _at_exit_registered = True
        shared = _current
        if shared is None or shared.ending:
            shared = LoopThread(name)
            _current = shared
            shared.thread.start()
        shared.users += 1
        return shared


def release(shared: LoopThread) -> None:
    """Give a lease back; the last one stops the loop and joins its thread."""
    global _current
    with _lock:
        shared.users -= 1
        if shared.users > 0 or shared.ending:
            return
        shared.ending = True
        if _current is shared:
            _current = None
    shared.end()


def loop_users() -> tuple[int, threading.Thread | None]:
    """How many runners hold the current loop thread, and that thread (``None``: none runs)."""
    with _lock:
        shared = _current
        return (0, None) if shared is None else (shared.users, shared.thread)


def on_a_loop_thread() -> bool:
    """Whether the calling thread runs one of these loops (waiting on it would deadlock)."""
    return bool(getattr(_here, "on_loop", False))


def exiting() -> bool:
    """Whether interpreter exit has begun (the clients' finalizers have not run yet)."""
    return _exit_started


def _at_exit() -> None:
    global _exit_started
    _exit_started = True


def _after_fork_in_child() -> None:
    global _lock, _current, _here, _exit_started
    _lock = threading.RLock()
    _here = threading.local()  # fork from a loop thread: the child's thread runs no loop
    _exit_started = False
    if _current is not None:
        forked_away.append(_current)
        _current = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def fail(done: concurrent.futures.Future[Any], error: BaseException) -> None:
    """Fail ``done`` with ``error`` unless it is already finished (never raises)."""
    if done.done():
        return
    with contextlib.suppress(RuntimeError, concurrent.futures.InvalidStateError):
        if done.running() or done.set_running_or_notify_cancel():
            done.set_exception(error)
