"""One event loop in one daemon thread, driven from any other thread.

Standard library only. ``call`` runs a coroutine function on the loop and
blocks the calling thread until it is done; ``iterate`` does the same for each
step of an async iterator. Exceptions cross back unchanged. Ctrl-C in the
waiting thread cancels the task on the loop before it propagates. A call from
the loop's own thread would wait on itself forever, so it raises instead.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Generator
from typing import Any, ParamSpec, TypeVar

__all__ = ["Runner"]

P = ParamSpec("P")
T = TypeVar("T")

#: How long stop() and a Ctrl-C wait for the loop to wind down before giving up.
_SHUTDOWN_WAIT = 5.0


class Runner:
    """An event loop in a daemon thread, started on first use."""

    def __init__(self, name: str = "zep-async-loop") -> None:
        self._name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False

    @property
    def loop_thread(self) -> threading.Thread | None:
        """The thread running the loop, once started."""
        return self._thread

    def _start(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._stopped:
                raise RuntimeError("this client is closed; create a new one to make more calls")
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()
                thread = threading.Thread(
                    target=self._run, args=(loop, ready), name=self._name, daemon=True
                )
                thread.start()
                ready.wait()
                self._thread = thread
                self._loop = loop
            return self._loop

    @staticmethod
    def _run(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
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

    def call(self, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn(*args, **kwargs)`` on the loop and return its result.

        The coroutine is created on the loop, in a copy of the caller's context
        variables.

        Raises:
            RuntimeError: Called from the loop's own thread, or after ``stop``.
            KeyboardInterrupt: Ctrl-C while waiting; the task was cancelled first.
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
        loop = self._loop if self._loop is not None and not self._stopped else self._start()
        if threading.current_thread() is self._thread:
            raise RuntimeError(
                "a sync Zep method was called from inside its own event loop thread, which "
                "would deadlock; use AsyncZep and await the call there instead"
            )
        done: concurrent.futures.Future[T] = concurrent.futures.Future()
        context = contextvars.copy_context()
        tasks: list[asyncio.Task[T]] = []

        def start() -> None:
            if not done.set_running_or_notify_cancel():
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
            task.add_done_callback(lambda finished: _copy_outcome(finished, done))

        loop.call_soon_threadsafe(start)
        try:
            return done.result(timeout)
        except (KeyboardInterrupt, TimeoutError):
            self._cancel(loop, done, tasks)
            raise

    def _cancel(
        self,
        loop: asyncio.AbstractEventLoop,
        done: concurrent.futures.Future[Any],
        tasks: list[asyncio.Task[Any]],
    ) -> None:
        def cancel() -> None:
            if tasks:
                tasks[0].cancel()
            else:
                done.cancel()

        try:
            loop.call_soon_threadsafe(cancel)
        except RuntimeError:  # the loop is already closed
            return
        concurrent.futures.wait([done], timeout=_SHUTDOWN_WAIT)

    def iterate(self, iterator: AsyncGenerator[T, None]) -> Generator[T, None, None]:
        """Drive an async iterator step by step on the loop, as a plain iterator.

        Leaving the ``for`` loop early closes the async iterator on the loop.
        """
        try:
            while True:
                try:
                    item = self.call(_next, iterator)
                except StopAsyncIteration:
                    return
                yield item
        finally:
            if not self._stopped and self._loop is not None:
                self.call(iterator.aclose)

    def stop(self) -> None:
        """Stop the loop and join its thread. Idempotent; later calls raise ``RuntimeError``."""
        with self._lock:
            self._stopped = True
            loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # closed in between
                loop.call_soon_threadsafe(loop.stop)
        if thread is not threading.current_thread():
            thread.join(_SHUTDOWN_WAIT)

    def reset_after_fork(self) -> None:
        """Forget the parent's loop and thread in a forked child; the next call starts anew."""
        self._lock = threading.Lock()
        self._loop = None
        self._thread = None


async def _as_coroutine(awaitable: Awaitable[T]) -> T:
    return await awaitable


async def _next(iterator: AsyncIterator[T]) -> T:
    return await anext(iterator)


def _copy_outcome(task: asyncio.Task[T], done: concurrent.futures.Future[T]) -> None:
    if done.done():
        return
    if task.cancelled():
        # `done` is already running, so Future.cancel() would be refused.
        done.set_exception(concurrent.futures.CancelledError())
    elif (exc := task.exception()) is not None:
        done.set_exception(exc)
    else:
        done.set_result(task.result())
