"""One event loop in one daemon thread, driven from any other thread.

``call`` runs a coroutine function on the loop and blocks the calling thread
until it is done; ``iterate`` does the same for each step of an async iterator.
Exceptions cross back unchanged. Any exception raised in the waiting thread
while it waits (Ctrl-C, ``SystemExit`` from a signal handler, an alarm
handler's error) cancels the task on the loop, waits a bounded time for it to
end, and then propagates unchanged. A call from the loop's own thread would
wait on itself forever, so it raises instead.

Stopping is deterministic: once ``stop`` begins no new call starts (it raises
the ``closed_error`` given at construction; ``Zep`` passes ``ClientClosedError``),
a ``final`` coroutine (the client's ``aclose``) runs on the loop, and calls still
running then end with ``closed_error`` too, never a bare ``CancelledError``.
Standard library only: a leaf module.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import sys
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Generator
from typing import Any, ParamSpec, TypeVar

__all__ = ["Runner"]

P = ParamSpec("P")
T = TypeVar("T")

#: How long stop() and an interrupted wait give the loop to wind down before giving up.
_SHUTDOWN_WAIT = 5.0
_CLOSED = "this client is closed; create a new one to make more calls"
_CLOSED_WHILE_RUNNING = "the client was closed while this call ran"


class Runner:
    """An event loop in a daemon thread, started on first use."""

    def __init__(
        self,
        name: str = "zep-async-loop",
        *,
        closed_error: Callable[[str], BaseException] = RuntimeError,
    ) -> None:
        self._name = name
        self._closed_error = closed_error
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False
        # Calls handed to the loop and not finished: failed if the loop ends under them.
        self._waiting: set[concurrent.futures.Future[Any]] = set()

    @property
    def loop_thread(self) -> threading.Thread | None:
        """The thread running the loop, once started."""
        return self._thread

    @property
    def stopped(self) -> bool:
        """Whether ``stop`` has begun."""
        return self._stopped

    def _enter(self, done: concurrent.futures.Future[Any]) -> asyncio.AbstractEventLoop:
        """The loop (started if need be), with ``done`` registered; refused once stopped."""
        with self._lock:
            if self._stopped:
                raise self._closed_error(_CLOSED)
            loop = self._loop
            if loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()
                thread = threading.Thread(
                    target=self._run, args=(loop, ready), name=self._name, daemon=True
                )
                thread.start()
                ready.wait()
                self._thread = thread
                self._loop = loop
            self._waiting.add(done)
            return loop

    def _run(self, loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
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
            with self._lock:
                waiting, self._waiting = self._waiting, set()
            for done in waiting:  # handed over after the loop stopped: never started
                _fail(done, self._closed_error(_CLOSED_WHILE_RUNNING))

    def call(self, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn(*args, **kwargs)`` on the loop and return its result.

        The coroutine is created on the loop, in a copy of the caller's context
        variables.

        Raises:
            RuntimeError: Called after ``stop``, or stopped while it ran (the
                ``closed_error`` given at construction).
            RuntimeError: Called from the loop's own thread.
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
        if self._thread is not None and threading.current_thread() is self._thread:
            raise RuntimeError(
                "a sync Zep method was called from inside its own event loop thread, which "
                "would deadlock; use AsyncZep and await the call there instead"
            )
        done: concurrent.futures.Future[T] = concurrent.futures.Future()
        loop = self._enter(done)
        context = contextvars.copy_context()
        tasks: list[asyncio.Task[T]] = []

        def start() -> None:
            if not done.set_running_or_notify_cancel():
                return
            if self._stopped:  # close began after the call was handed over
                done.set_exception(self._closed_error(_CLOSED))
                return
            try:
                awaitable = fn(*args, **kwargs)
                coroutine = (
                    awaitable if asyncio.iscoroutine(awaitable) else _as_coroutine(awaitable)
                )
                task = loop.create_task(coroutine, context=context)
            except BaseException as exc:
                done.set_exception(exc)
                return
            tasks.append(task)
            task.add_done_callback(lambda finished: self._copy_outcome(finished, done))

        try:
            try:
                loop.call_soon_threadsafe(start)
            except RuntimeError:  # the loop closed in between: stop() won the race
                raise self._closed_error(_CLOSED) from None
            return done.result(timeout)
        except BaseException:
            if not done.done():
                self._cancel(loop, done, tasks)
            raise
        finally:
            self._waiting.discard(done)

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
        loop = self._loop
        if self._stopped or loop is None:
            return  # the loop's own shutdown closes its async generators
        if threading.current_thread() is self._thread:
            # Collected on the loop itself (say, by GC): it cannot wait here.
            loop.create_task(_quietly(iterator.aclose()))
            return
        try:
            self.call(iterator.aclose)
        except Exception:
            if not propagating:
                raise  # the exception that ends the walk wins over this one

    def stop(self, final: Callable[[], Awaitable[None]] | None = None) -> None:
        """Refuse new calls, run ``final()`` on the loop, stop it and join its thread.

        Idempotent; later calls raise ``closed_error``. From the loop's own
        thread it cannot wait: ``final`` runs as a task and the loop stops after it.
        """
        with self._lock:
            first = not self._stopped
            self._stopped = True
            loop, thread = self._loop, self._thread
        if loop is None or thread is None or loop.is_closed():
            return
        if thread is threading.current_thread():
            if not first:
                return  # the first stop is already closing; stopping now would cut it short
            if final is not None:
                task = loop.create_task(_quietly(final()))
                task.add_done_callback(lambda _: loop.stop())
            else:
                loop.stop()
            return
        with contextlib.suppress(RuntimeError):  # the loop closed in between
            if first and final is not None:
                future = asyncio.run_coroutine_threadsafe(_quietly(final()), loop)
                try:
                    concurrent.futures.wait([future], timeout=_SHUTDOWN_WAIT)
                finally:
                    future.cancel()
            loop.call_soon_threadsafe(loop.stop)
        thread.join(_SHUTDOWN_WAIT)

    def _copy_outcome(self, task: asyncio.Task[T], done: concurrent.futures.Future[T]) -> None:
        if done.done():
            return
        if task.cancelled():
            # Only the loop's shutdown (a close) or an interrupted wait cancels a call; in
            # the second case nobody waits any more. Never a bare CancelledError.
            done.set_exception(self._closed_error(_CLOSED_WHILE_RUNNING))
        elif (exc := task.exception()) is not None:
            done.set_exception(exc)
        else:
            done.set_result(task.result())

    def reset_after_fork(self) -> None:
        """Forget the parent's loop and thread in a forked child; the next call starts anew."""
        self._lock = threading.Lock()
        self._loop = None
        self._thread = None
        self._waiting = set()


async def _as_coroutine(awaitable: Awaitable[T]) -> T:
    return await awaitable


async def _next(iterator: AsyncIterator[T]) -> T:
    return await anext(iterator)


async def _quietly(awaitable: Awaitable[None]) -> None:
    """Await a clean-up that nobody waits for: it must neither raise nor print."""
    with contextlib.suppress(Exception):
        await awaitable


def _fail(done: concurrent.futures.Future[Any], error: BaseException) -> None:
    if done.done():
        return
    with contextlib.suppress(RuntimeError, concurrent.futures.InvalidStateError):
        if done.running() or done.set_running_or_notify_cancel():
            done.set_exception(error)
