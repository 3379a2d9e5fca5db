"""The background-loop runner on its own, without HTTP."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest

from zep_async._runner import Runner
from zep_async.errors import ClientClosedError

from .sync_support import assert_gave_the_loop_back

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


def test_stop_gives_the_loop_back_and_refuses_more_calls(runner: Runner) -> None:
    """After stop() the runner holds no lease (the thread ends with the last), calls raise."""
    runner.call(asyncio.sleep, 0)
    runner.stop()
    runner.stop()
    assert_gave_the_loop_back(runner)
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


def test_runners_share_one_thread_and_stop_only_their_own_calls() -> None:
    """Two runners run on one thread; stopping one ends its call, the other's goes on."""
    first, second = Runner(closed_error=ClientClosedError), Runner(closed_error=ClientClosedError)
    release = asyncio.Event()
    entered = threading.Event()
    outcomes: dict[str, object] = {}

    async def wait_for_release() -> str:
        entered.set()
        await release.wait()
        return "released"

    def wait(name: str, runner: Runner) -> None:
        try:
            outcomes[name] = runner.call(wait_for_release)
        except BaseException as exc:
            outcomes[name] = exc

    try:
        second.call(asyncio.sleep, 0)
        assert first.call(asyncio.sleep, 0) is None
        assert first.loop_thread is second.loop_thread
        waiters = [threading.Thread(target=wait, args=(n, r)) for n, r in (("1", first),)]
        waiters[0].start()
        assert entered.wait(5)
        entered.clear()
        waiters.append(threading.Thread(target=wait, args=("2", second)))
        waiters[1].start()
        assert entered.wait(5)
        first.stop()
        waiters[0].join(5)
        assert type(outcomes["1"]) is ClientClosedError
        assert "2" not in outcomes  # the other runner's call is still running
        loop = second.call(_running_loop)
        loop.call_soon_threadsafe(release.set)
        waiters[1].join(5)
        assert outcomes["2"] == "released"
    finally:
        first.stop()
        second.stop()


async def _running_loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()
