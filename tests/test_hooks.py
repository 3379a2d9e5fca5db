"""The SDK's hooks and aiohttp ``trace_configs``: what each call tells an observer."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import pytest

from tests.conftest import NO_WAIT
from zep_async import (
    AsyncZep,
    AttemptEvent,
    CallEndEvent,
    CallStartEvent,
    Hooks,
    NotFoundError,
    RetryEvent,
    Zep,
)
from zep_async.testing import LocalZep


class Recorder:
    """Collects every event, in order."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    def hooks(self) -> Hooks:
        add = self.events.append
        return Hooks(on_call_start=add, on_attempt=add, on_retry=add, on_call_end=add)


def _zep(server: LocalZep, **kwargs: Any) -> AsyncZep:
    return AsyncZep(
        api_key=server.api_key, base_url=server.base_url, retry_policy=NO_WAIT, **kwargs
    )


async def test_a_call_with_two_retries_tells_every_step(local_zep: LocalZep) -> None:
    """Start, three attempts, two retries with reason and delay, and the final 200."""
    local_zep.add_session("s-1")
    local_zep.fail("get_session", 503, times=2)
    seen = Recorder()
    async with _zep(local_zep, hooks=seen.hooks()) as zep:
        await zep.memory.get_session("s-1")
    kinds = [type(event) for event in seen.events]
    assert kinds == [
        CallStartEvent,
        AttemptEvent,
        RetryEvent,
        AttemptEvent,
        RetryEvent,
        AttemptEvent,
        CallEndEvent,
    ]
    assert len({event.call_id for event in seen.events}) == 1
    assert [e.attempt for e in seen.events if isinstance(e, AttemptEvent)] == [1, 2, 3]
    retries = [e for e in seen.events if isinstance(e, RetryEvent)]
    assert [(r.attempt, r.reason, r.delay) for r in retries] == [
        (1, "status 503", 0.0),
        (2, "status 503", 0.0),
    ]
    end = seen.events[-1]
    assert (end.attempts, end.status_code, end.error) == (3, 200, None)
    assert end.elapsed > 0
    assert end.url == local_zep.base_url + "/sessions/s-1"


async def test_a_failed_call_ends_with_its_error(local_zep: LocalZep) -> None:
    """The end event of a failed call carries the error and its status."""
    seen = Recorder()
    async with _zep(local_zep, hooks=seen.hooks()) as zep:
        with pytest.raises(NotFoundError) as caught:
            await zep.memory.get_session("missing")
    end = seen.events[-1]
    assert isinstance(end, CallEndEvent)
    assert end.error is caught.value
    assert (end.status_code, end.attempts) == (404, 1)


async def test_a_cancelled_call_still_ends(local_zep: LocalZep) -> None:
    """Cancelling a call in flight reports its end with the CancelledError."""
    local_zep.add_session("s-1")
    local_zep.stall("get_session")
    attempted = asyncio.Event()
    ends: list[CallEndEvent] = []
    hooks = Hooks(on_attempt=lambda _e: attempted.set(), on_call_end=ends.append)
    async with _zep(local_zep, hooks=hooks) as zep:
        task = asyncio.create_task(zep.memory.get_session("s-1"))
        await asyncio.wait_for(attempted.wait(), 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert len(ends) == 1
    assert isinstance(ends[0].error, asyncio.CancelledError)


async def test_a_hook_that_raises_does_not_break_the_call(
    local_zep: LocalZep, caplog: pytest.LogCaptureFixture
) -> None:
    """The exception is logged at WARNING and the call returns its value."""
    local_zep.add_session("s-1")

    def broken(_event: object) -> None:
        raise ValueError("hook bug")

    hooks = Hooks(on_call_start=broken, on_attempt=broken, on_call_end=broken)
    with caplog.at_level(logging.WARNING, logger="zep_async"):
        async with _zep(local_zep, hooks=hooks) as zep:
            session = await zep.memory.get_session("s-1")
    assert session.session_id == "s-1"
    warnings = [r for r in caplog.records if "hook" in r.getMessage()]
    assert len(warnings) == 3
    assert all(r.exc_info and "hook bug" in str(r.exc_info[1]) for r in warnings)
    assert local_zep.api_key not in caplog.text


def test_hooks_are_checked() -> None:
    """A hook that is not callable, or hooks that are not Hooks, are TypeErrors."""
    with pytest.raises(TypeError, match="on_retry must be callable"):
        Hooks(on_retry="print")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"hooks must be a zep_async\.Hooks"):
        AsyncZep(api_key="k", hooks={"on_retry": print})  # type: ignore[arg-type]


async def test_trace_configs_see_every_attempt(local_zep: LocalZep) -> None:
    """aiohttp's tracing, passed through, sees each attempt's request and status."""
    local_zep.add_session("s-1")
    local_zep.fail("get_session", 503, times=2)
    statuses: list[int] = []

    async def on_end(_s: object, _c: object, params: aiohttp.TraceRequestEndParams) -> None:
        statuses.append(params.response.status)

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_end)
    async with _zep(local_zep, trace_configs=[trace]) as zep:
        await zep.memory.get_session("s-1")
    assert statuses == [503, 503, 200]


@pytest.mark.parametrize("value", ["trace", [object()], {"a": 1}])
def test_trace_configs_are_checked(value: object) -> None:
    """Anything but a list of aiohttp.TraceConfig is a TypeError naming trace_configs."""
    with pytest.raises(TypeError, match=r"trace_configs"):
        AsyncZep(api_key="k", trace_configs=value)  # type: ignore[arg-type]


def test_sync_client_calls_hooks(local_zep_thread: LocalZep) -> None:
    """Zep calls the same hooks (on its loop's thread) for its calls."""
    local_zep_thread.add_session("s-1")
    local_zep_thread.fail("get_session", 503)
    seen = Recorder()
    with Zep(
        api_key=local_zep_thread.api_key,
        base_url=local_zep_thread.base_url,
        retry_policy=NO_WAIT,
        hooks=seen.hooks(),
    ) as zep:
        zep.memory.get_session("s-1")
    assert [type(e).__name__ for e in seen.events] == [
        "CallStartEvent",
        "AttemptEvent",
        "RetryEvent",
        "AttemptEvent",
        "CallEndEvent",
    ]


async def test_opentelemetry_aiohttp_instrumentation_nests_under_hook_spans(
    local_zep: LocalZep,
) -> None:
    """OpenTelemetry's aiohttp trace config gives one HTTP span per attempt, under the call."""
    otel = pytest.importorskip("opentelemetry.sdk.trace")
    from opentelemetry import context, trace
    from opentelemetry.instrumentation.aiohttp_client import create_trace_config
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = otel.TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    open_spans: dict[int, tuple[Any, object]] = {}

    def start(event: CallStartEvent) -> None:
        span = tracer.start_span(f"zep {event.method}")
        open_spans[event.call_id] = (span, context.attach(trace.set_span_in_context(span)))

    def end(event: CallEndEvent) -> None:
        span, token = open_spans.pop(event.call_id)
        context.detach(token)  # type: ignore[arg-type]
        span.set_attribute("zep.attempts", event.attempts)
        span.end()

    local_zep.add_session("s-1")
    local_zep.fail("get_session", 503, times=2)
    hooks = Hooks(on_call_start=start, on_call_end=end)
    config = create_trace_config(tracer_provider=provider)
    async with _zep(local_zep, hooks=hooks, trace_configs=[config]) as zep:
        await zep.memory.get_session("s-1")
    spans = exporter.get_finished_spans()
    call = next(s for s in spans if s.name == "zep GET")
    http = [s for s in spans if s is not call]
    assert len(http) == 3
    assert all(s.parent is not None and s.parent.span_id == call.context.span_id for s in http)
    assert (call.attributes or {})["zep.attempts"] == 3


def test_async_hooks_are_refused() -> None:
    """A coroutine function would never be awaited: it is a TypeError naming the hook."""

    async def on_retry(_event: RetryEvent) -> None:
        return None

    with pytest.raises(TypeError, match="on_retry must be a plain"):
        Hooks(on_retry=on_retry)
