"""One event loop in one daemon thread per process, shared by every ``Runner``.

A ``Runner`` (one per sync ``Zep``) takes a lease on the process's loop thread at
its first call and gives it back in ``stop``; the thread starts with the first
lease and ends (joined) when the last one is given back, so a process with 300
clients has one loop thread, not 300. In a forked child the parent's thread does
not exist: every runner forgets it, and the next call starts the child's own.

``call`` runs a coroutine function on the loop and blocks the calling thread
until it is done; ``iterate`` does the same for each step of an async iterator.
Exceptions cross back unchanged. Any exception raised in the waiting thread
while it waits (Ctrl-C, ``SystemExit`` from a signal handler, an alarm
handler's error) cancels that call's task on the loop, waits a bounded time for
it to end, and then propagates unchanged. A call from a loop thread would wait
on itself forever, so it raises instead.

Stopping a runner is deterministic and touches only its own calls: once ``stop``
begins no new call of it starts (it raises the ``closed_error`` given at
construction; ``Zep`` passes ``ClientClosedError``), a ``final`` coroutine (the
client's ``aclose``) runs on the loop, and its calls still running then end with
``closed_error`` too, never a bare ``CancelledError``. Other runners' calls go on.
Standard library only: a leaf module.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import os
import sys
import threading
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Generator
from typing import Any, ParamSpec, TypeVar

from ._loop_thread import (
    CLOSED_WHILE_RUNNING,
    SHUTDOWN_WAIT,
    LoopThread,
    acquire,
    exiting,
    forked_away,
    loop_users,
    on_a_loop_thread,
    release,
)

__all__ = ["Runner", "loop_users"]

P = ParamSpec("P")
T = TypeVar("T")

_SHUTDOWN_WAIT = SHUTDOWN_WAIT
_runners: weakref.WeakSet[Runner] = weakref.WeakSet()
_CLOSED = "this client is closed; create a new one to make more calls"


class Runner:
    """A client's door onto the process's shared event loop thread, taken on first use."""

    def __init__(
        self,
        name: str = "zep-async-loop",
        *,
        closed_error: Callable[[str], BaseException] = RuntimeError,
    ) -> None:
        self._name = name
        self._closed_error = closed_error
        self._lock = threading.Lock()
        self._shared: LoopThread | None = None  # the lease, from the first call to stop
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._ended = threading.Event()
        self._tasks: set[asyncio.Task[Any]] = set()  # this runner's calls (loop thread only)
        _runners.add(self)

    @property
    def loop_thread(self) -> threading.Thread | None:
        """The (shared) thread running this runner's calls, once started."""
        return self._thread

    @property
    def stopped(self) -> bool:
        """Whether ``stop`` has begun."""
        return self._stopped

    @property
    def holds_loop(self) -> bool:
        """Whether this runner holds a lease on the shared loop thread."""
        return self._shared is not None

    def _enter(self, done: concurrent.futures.Future[Any]) -> LoopThread:
        """The loop (leased if need be), with ``done`` registered; refused once stopped."""
        with self._lock:
            if self._stopped:
                raise self._closed_error(_CLOSED)
            shared = self._shared
            if shared is None:
                shared = self._shared = acquire(self._name)
                self._thread = shared.thread
            shared.waiting[done] = self._closed_error
            return shared

    def call(self, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn(*args, **kwargs)`` on the loop and return its result.

        The coroutine is created on the loop, in a copy of the caller's context
        variables.

        Raises:
            RuntimeError: Called after ``stop``, or stopped while it ran (the
                ``closed_error`` given at construction).
            RuntimeError: Called from a loop thread.
            BaseException: Whatever interrupted the wait (KeyboardInterrupt,
                SystemExit, ...), after the task on the loop was cancelled.
        """
        return self._submit(fn, args, kwargs, None)

    def call_with_timeout(self, timeout: float, fn: Callable[[], Awaitable[T]]) -> T:
        """Like ``call``, but cancel the task and raise ``TimeoutError`` after ``timeout`` s."""
        return self._submit(fn, (), {}, timeout)

    def _submit(
        self,
        fn: Callable[..., Awaitable[T]],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        timeout: float | None,
    ) -> T:
        if on_a_loop_thread():
            raise RuntimeError(
                "a sync Zep method was called from inside the event loop thread of the sync "
                "clients, which would deadlock; use AsyncZep and await the call there instead"
            )
        done: concurrent.futures.Future[T] = concurrent.futures.Future()
        shared = self._enter(done)
        loop = shared.loop
        context = contextvars.copy_context()
        tasks: list[asyncio.Task[T]] = []

        def start() -> None:
            try:
                if not done.set_running_or_notify_cancel():
                    return
            except RuntimeError:  # already failed by a stop
                return
            if self._stopped:  # close began after the call was handed over
                _settle(done, self._closed_error(_CLOSED))
                return
            try:
                awaitable = fn(*args, **kwargs)
                coroutine = (
                    awaitable if asyncio.iscoroutine(awaitable) else _as_coroutine(awaitable)
                )
                task = loop.create_task(coroutine, context=context)
            except BaseException as exc:
                _settle(done, exc)
                return
            tasks.append(task)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            task.add_done_callback(lambda finished: self._copy_outcome(finished, done))

        try:
            try:
                loop.call_soon_threadsafe(start)
            except RuntimeError:  # the loop closed in between
                raise self._closed_error(_CLOSED) from None
            return done.result(timeout)
        except BaseException as exc:
            if not done.done():
                self._cancel(loop, done, tasks)
            if isinstance(exc, Exception) and exiting() and threading.current_thread().daemon:
                # Interpreter exit closed the client under this call. Python ends daemon
                # threads with the process: waking this one would only print a traceback.
                threading.Event().wait()
            raise
        finally:
            shared.waiting.pop(done, None)

    def _cancel(
        self,
        loop: asyncio.AbstractEventLoop,
        done: concurrent.futures.Future[Any],
        tasks: list[asyncio.Task[Any]],
    ) -> None:
        def cancel() -> None:
            if tasks:
                tasks[0].cancel()
            else:  # not started yet: it never will be
                done.cancel()

        try:
            loop.call_soon_threadsafe(cancel)
        except RuntimeError:  # the loop is already closed
            return
        concurrent.futures.wait([done], timeout=_SHUTDOWN_WAIT)

    def iterate(self, iterator: AsyncGenerator[T, None]) -> Generator[T, None, None]:
        """Drive an async iterator step by step on the loop, as a plain iterator.

        Leaving the ``for`` loop early closes the async iterator on the loop. An
        exception that ends the walk is never replaced by one from closing it.
        """
        try:
            while True:
                try:
                    item = self.call(_next, iterator)
                except StopAsyncIteration:
                    return
                yield item
        finally:
            self._close_iterator(iterator, propagating=sys.exc_info()[1] is not None)

    def _close_iterator(self, iterator: AsyncGenerator[Any, None], *, propagating: bool) -> None:
        shared = self._shared
        if self._stopped or shared is None:
            # Its client's pool is closed; the loop closes it when collected or at its end.
            return
        if threading.current_thread() is shared.thread:
            # Collected on the loop itself (say, by GC): it cannot wait here.
            with contextlib.suppress(RuntimeError):  # that loop is already closed
                shared.loop.create_task(_quietly(iterator.aclose()))
            return
        try:
            self.call(iterator.aclose)
        except Exception:
            if not propagating:
                raise  # the exception that ends the walk wins over this one

    def stop(self, final: Callable[[], Awaitable[None]] | None = None) -> None:
        """Refuse new calls, run ``final()`` on the loop, end this runner's calls, give the
        loop back (the last runner to do so ends its thread).

        Idempotent; later calls raise ``closed_error``. A second ``stop`` waits (bounded)
        for the first. From a loop thread it cannot wait: the same happens in a task.
        """
        with self._lock:
            first = not self._stopped
            self._stopped = True
            shared = self._shared
        if shared is None:
            self._ended.set()
            return
        on_loop = threading.current_thread() is shared.thread
        if not first:
            if not on_loop:
                self._ended.wait(2 * _SHUTDOWN_WAIT)
            return
        if on_loop:
            try:
                task = shared.loop.create_task(self._wind_down(final))
            except RuntimeError:  # the loop is closed: its end closed everything
                self._give_back()
                return
            task.add_done_callback(lambda _: self._give_back())
            return
        try:
            future = asyncio.run_coroutine_threadsafe(self._wind_down(final), shared.loop)
        except RuntimeError:  # the loop closed in between
            pass
        else:
            try:
                concurrent.futures.wait([future], timeout=_SHUTDOWN_WAIT)
            finally:
                future.cancel()
        finally:
            self._give_back()

    async def _wind_down(self, final: Callable[[], Awaitable[None]] | None) -> None:
        if final is not None:
            await _quietly(final())
        current = asyncio.current_task()
        mine = [task for task in self._tasks if task is not current and not task.done()]
        for task in mine:
            task.cancel()
        if mine:
            await asyncio.wait(mine)

    def _give_back(self) -> None:
        """Return the lease (the last one ends the loop thread); wake a second ``stop``."""
        with self._lock:
            shared, self._shared = self._shared, None
        if shared is not None:
            release(shared)
        # Calls handed over and not started yet: a loop that runs on (for other clients)
        # starts them, and they see the stop; one that ended fails them as it closes.
        self._ended.set()

    def _copy_outcome(self, task: asyncio.Task[T], done: concurrent.futures.Future[T]) -> None:
        if task.cancelled():
            # Only a stop (a close) or an interrupted wait cancels a call; in the second
            # case nobody waits any more. Never a bare CancelledError.
            _settle(done, self._closed_error(CLOSED_WHILE_RUNNING))
        elif (exc := task.exception()) is not None:
            _settle(done, exc)
        else:
            with contextlib.suppress(concurrent.futures.InvalidStateError):
                done.set_result(task.result())

    def reset_after_fork(self) -> None:
        """Forget the parent's loop in a forked child; the next call leases the child's own."""
        forked_away.append(self._tasks)
        self._lock = threading.Lock()
        self._shared = None
        self._thread = None
        self._tasks = set()


def _after_fork_in_child() -> None:
    for runner in list(_runners):
        runner.reset_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


async def _as_coroutine(awaitable: Awaitable[T]) -> T:
    return await awaitable


async def _next(iterator: AsyncIterator[T]) -> T:
    return await anext(iterator)


async def _quietly(awaitable: Awaitable[None]) -> None:
    """Await a clean-up that nobody waits for: it must neither raise nor print."""
    with contextlib.suppress(Exception):
        await awaitable


def _settle(done: concurrent.futures.Future[Any], error: BaseException) -> None:
    """Fail ``done`` unless a stop in another thread already did (on the loop: never raise)."""
    with contextlib.suppress(concurrent.futures.InvalidStateError):
        done.set_exception(error)
