"""The background-loop runner on its own, without HTTP."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest

from zep_async._runner import Runner
from zep_async.errors import ClientClosedError

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


@pytest.fixture
def runner() -> Runner:
    runner = Runner()
    yield runner  # type: ignore[misc]
    runner.stop()


def test_call_returns_the_result_from_the_loop_thread(runner: Runner) -> None:
    """call() runs the coroutine on the runner's thread and hands back its result."""

    async def where() -> str:
        return threading.current_thread().name

    assert runner.call(where) == "zep-async-loop"


def test_exceptions_cross_unchanged(runner: Runner) -> None:
    """The very exception object raised on the loop reaches the caller."""
    error = LookupError("boom")

    async def fail() -> None:
        raise error

    with pytest.raises(LookupError) as info:
        runner.call(fail)
    assert info.value is error


def test_call_from_the_loop_thread_raises(runner: Runner) -> None:
    """A call made from the loop's own thread raises instead of deadlocking."""

    async def reenter() -> None:
        runner.call(asyncio.sleep, 0)

    with pytest.raises(RuntimeError, match="deadlock"):
        runner.call(reenter)


def test_context_variables_follow_the_call(runner: Runner) -> None:
    """The coroutine sees the caller's context variables (log correlation, tracing)."""

    async def read() -> str:
        return request_id.get()

    token = request_id.set("req-42")
    try:
        assert runner.call(read) == "req-42"
    finally:
        request_id.reset(token)


def test_stop_joins_and_refuses_more_calls(runner: Runner) -> None:
    """After stop() the thread is gone and calls raise RuntimeError."""
    runner.call(asyncio.sleep, 0)
    thread = runner.loop_thread
    runner.stop()
    runner.stop()
    assert thread is not None
    assert not thread.is_alive()
    with pytest.raises(RuntimeError, match="closed"):
        runner.call(asyncio.sleep, 0)


def test_stop_cancels_pending_tasks() -> None:
    """A call still running when the loop stops is cancelled and ends with ClientClosedError."""
    cancelled = threading.Event()
    entered = threading.Event()
    outcome: list[BaseException] = []

    async def forever() -> None:
        entered.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    def wait_forever() -> None:
        try:
            runner.call(forever)
        except BaseException as exc:
            outcome.append(exc)

    runner = Runner(closed_error=ClientClosedError)
    waiter = threading.Thread(target=wait_forever)
    waiter.start()
    assert entered.wait(5)
    runner.stop()
    waiter.join(5)
    assert cancelled.is_set()
    (error,) = outcome
    assert type(error) is ClientClosedError
    assert "closed while this call ran" in str(error)


def test_iterate_drives_an_async_generator(runner: Runner) -> None:
    """iterate() turns an async iterator into a plain one and closes it when left early."""
    closed = threading.Event()

    async def numbers() -> object:
        try:
            for n in range(10):
                yield n
        finally:
            closed.set()

    it = runner.iterate(numbers())  # type: ignore[arg-type]
    assert [next(it), next(it)] == [0, 1]
    it.close()  # type: ignore[attr-defined]
    assert closed.is_set()
    assert list(runner.iterate(numbers())) == list(range(10))  # type: ignore[arg-type]


def test_call_with_timeout_cancels_a_stuck_coroutine(runner: Runner) -> None:
    """A call that outlives its timeout raises TimeoutError and its task is cancelled."""
    cancelled = threading.Event()

    async def stuck() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    with pytest.raises(TimeoutError):
        runner.call_with_timeout(0.05, stuck)
    assert cancelled.wait(5)
