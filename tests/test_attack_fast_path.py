"""Attacks on the first attempt's fast path of ``Transport.send`` and its hand-over.

A call without options, hooks, a raw-response recorder, an overall budget or DEBUG
logging sends its first attempt inline in ``send`` and builds its ``Call`` only when
that attempt does not end in a plain 2xx. Each test here runs the same attack on that
fast path and on the prepared paths (per-call options, hooks), which must agree.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from tests.conftest import NO_WAIT
from tests.test_attack_send import PHASES, _in_use, _phase_server
from zep_async import (
    APIConnectionError,
    APIResponseValidationError,
    AsyncZep,
    AttemptEvent,
    CallEndEvent,
    ClientClosedError,
    Hooks,
    InternalServerError,
    RetryEvent,
)
from zep_async._transport import Transport
from zep_async.models import Session

#: How a call reaches the transport: the fast path, with options, with hooks.
PATHS = ("fast", "options", "hooks")


def _zep(base: str, path: str, events: list[Any] | None = None, **kwargs: Any) -> AsyncZep:
    if path == "hooks":
        add = (events if events is not None else []).append
        kwargs["hooks"] = Hooks(on_call_start=add, on_attempt=add, on_retry=add, on_call_end=add)
    return AsyncZep(api_key="k", base_url=base, retry_policy=NO_WAIT, **kwargs)


def _options(path: str) -> dict[str, Any] | None:
    return {"max_retries": 2} if path == "options" else None


@pytest.fixture
def prepared(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The methods of the calls whose ``Call`` was built (``Transport._prepare`` ran)."""
    seen: list[str] = []
    original = Transport._prepare

    def spy(self: Transport, method: str, *args: Any) -> Any:
        seen.append(method)
        return original(self, method, *args)

    monkeypatch.setattr(Transport, "_prepare", spy)
    return seen


@contextlib.asynccontextmanager
async def _web(
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_route("*", "/api/v2/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/api/v2"
    finally:
        await runner.cleanup()


def _answers(
    *answers: tuple[int, bytes],
) -> tuple[Callable[[web.Request], Awaitable[web.Response]], list[str]]:
    """A handler giving ``answers`` in turn (the last one again after), recording each method."""
    seen: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request.method)
        status, body = answers[min(len(seen), len(answers)) - 1]
        return web.Response(status=status, body=body, content_type="application/json")

    return handler, seen


async def test_a_plain_2xx_builds_no_call(prepared: list[str]) -> None:
    """The fast path answers a plain 2xx without building the call's Call."""
    handler, seen = _answers((200, b'{"session_id": "s"}'))
    async with _web(handler) as base, _zep(base, "fast") as zep:
        session = await zep.memory.get_session("s")
    assert (session.session_id, seen, prepared) == ("s", ["GET"], [])


@pytest.mark.parametrize("path", PATHS)
async def test_a_503_then_200_read_is_retried_with_the_attempts_counted(
    path: str, prepared: list[str]
) -> None:
    """A read failing once is resent; the Reply says 2 attempts, not applied."""
    handler, seen = _answers((503, b'{"message": "busy"}'), (200, b"{}"))
    async with _web(handler) as base, _zep(base, path) as zep:
        reply = await zep._transport.send("GET", "/sessions/s", options=_options(path))
    assert (reply.status, reply.attempts, reply.may_have_been_applied) == (200, 2, False)
    assert seen == ["GET", "GET"]
    assert prepared == ["GET"]  # built once, on the failure


@pytest.mark.parametrize("path", PATHS)
async def test_a_503_to_a_write_is_not_resent_and_may_have_been_applied(path: str) -> None:
    """A write's 503 on the first attempt is final: one attempt, maybe applied."""
    handler, seen = _answers((503, b'{"message": "busy"}'))
    async with _web(handler) as base, _zep(base, path) as zep:
        with pytest.raises(InternalServerError) as caught:
            await zep._transport.send("POST", "/sessions", body=b"{}", options=_options(path))
    assert seen == ["POST"]
    assert (caught.value.attempts, caught.value.may_have_been_applied) == (1, True)


@pytest.mark.parametrize("path", PATHS)
async def test_a_write_resent_after_a_503_says_it_may_have_been_applied(path: str) -> None:
    """retry_writes: a POST answered 200 after a 503 reports 2 attempts, maybe applied."""
    handler, seen = _answers((503, b"{}"), (201, b'{"session_id": "s"}'))
    async with _web(handler) as base, _zep(base, path, retry_writes=True) as zep:
        reply = await zep._transport.send("POST", "/sessions", body=b"{}", options=_options(path))
    assert seen == ["POST", "POST"]
    assert (reply.status, reply.attempts, reply.may_have_been_applied) == (201, 2, True)


@pytest.mark.parametrize("path", PATHS)
async def test_a_refused_connection_on_the_first_attempt_is_retried_then_raised(
    path: str, unused_tcp_port: int
) -> None:
    """Nothing listening: every attempt fails, the error counts them all and is unapplied."""
    base = f"http://127.0.0.1:{unused_tcp_port}/api/v2"
    async with _zep(base, path, max_retries=2) as zep:
        with pytest.raises(APIConnectionError) as caught:
            await zep._transport.send("POST", "/sessions", body=b"{}", options=_options(path))
    assert (caught.value.attempts, caught.value.may_have_been_applied) == (3, False)


async def test_hooks_see_the_first_attempt_fail_and_the_retry() -> None:
    """With hooks the first attempt is watched too: attempt, retry, attempt, end."""
    handler, _ = _answers((503, b"{}"), (200, b"{}"))
    events: list[Any] = []
    async with _web(handler) as base, _zep(base, "hooks", events) as zep:
        await zep._transport.send("GET", "/sessions/s")
    kinds = [type(event) for event in events[1:]]
    assert kinds == [AttemptEvent, RetryEvent, AttemptEvent, CallEndEvent]


async def test_a_raw_response_call_sees_status_headers_and_body_of_a_plain_2xx() -> None:
    """with_raw_response on a call that would take the fast path gets the whole answer."""
    handler, _ = _answers((200, b'{"session_id": "s"}'))
    async with _web(handler) as base, _zep(base, "fast") as zep:
        raw = await zep.memory.with_raw_response.get_session("s")
    assert (raw.status_code, raw.parsed.session_id) == (200, "s")
    assert raw.headers["Content-Type"].startswith("application/json")
    assert raw.text == '{"session_id": "s"}'


@pytest.mark.parametrize("path", PATHS)
async def test_a_gzip_2xx_leaves_the_fast_read_for_the_bounded_one(path: str) -> None:
    """A compressed 2xx is read by the bounded reader and decoded the same."""
    body = gzip.compress(b'{"session_id": "s"}')

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=body, headers={"Content-Encoding": "gzip"})

    async with _web(handler) as base, _zep(base, path) as zep:
        reply = await zep._transport.send("GET", "/sessions/s", options=_options(path))
    assert (reply.body, reply.attempts) == (b'{"session_id": "s"}', 1)


@pytest.mark.parametrize("path", PATHS)
async def test_a_chunked_2xx_leaves_the_fast_read_for_the_bounded_one(path: str) -> None:
    """A 2xx of unknown length (chunked) is read by the bounded reader, whole."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(b'{"session_id":')
        await response.write(b' "s"}')
        await response.write_eof()
        return response

    async with _web(handler) as base, _zep(base, path) as zep:
        reply = await zep._transport.send("GET", "/sessions/s", options=_options(path))
    assert reply.body == b'{"session_id": "s"}'


@pytest.mark.parametrize("path", PATHS)
async def test_an_oversized_2xx_write_is_refused_unread_and_said_applied(
    path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 2xx over the size bound is refused on the first attempt, the write maybe applied."""
    monkeypatch.setattr("zep_async._transport._core.MAX_BODY_BYTES", 10)
    monkeypatch.setattr("zep_async._transport._responses.MAX_BODY_BYTES", 10)
    handler, seen = _answers((201, b'{"session_id": "a long one"}'))
    async with _web(handler) as base, _zep(base, path) as zep:
        with pytest.raises(APIResponseValidationError) as caught:
            await zep._transport.send("POST", "/sessions", body=b"{}", options=_options(path))
    assert seen == ["POST"]
    assert (caught.value.attempts, caught.value.may_have_been_applied) == (1, True)


@pytest.mark.parametrize("query", [None, {"limit": "5", "q": "a b&c"}])
async def test_the_fast_path_reply_url_is_the_prepared_paths(query: dict[str, str] | None) -> None:
    """Reply.url on the fast path is the text the prepared path gives the same call."""
    handler, _ = _answers((200, b"{}"))
    async with _web(handler) as base, _zep(base, "fast") as zep:
        fast = await zep._transport.send("GET", "/sessions/a%20b", query=query)
        slow = await zep._transport.send("GET", "/sessions/a%20b", query=query, options={})
        call = zep._transport._prepare("GET", "/sessions/a%20b", query, None, None, None)
    assert fast.url == slow.url == call.url_text


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("phase", sorted(PHASES))
async def test_cancel_at_each_await_frees_the_connection(path: str, phase: str) -> None:
    """Cancelled while awaiting the head or a body, on any path: CancelledError, no socket held."""
    reached, release = asyncio.Event(), asyncio.Event()
    async with _phase_server(PHASES[phase], reached, release) as base, _zep(base, path) as zep:
        call = asyncio.create_task(zep._transport.send("GET", "/s", options=_options(path)))
        await asyncio.wait_for(reached.wait(), 10)
        await asyncio.sleep(0)  # let the client take in what was written (one step)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        assert _in_use(zep) == 0


def _waiting(zep: AsyncZep) -> int:
    """Calls waiting in the pool's queue for a connection."""
    connector: Any = zep._transport._session.connector  # type: ignore[union-attr]
    return sum(len(waiters) for waiters in connector._waiters.values())


async def _queued(zep: AsyncZep) -> None:
    """Return once a call waits in the pool's queue (a bounded number of loop steps)."""
    for _ in range(1000):
        if _waiting(zep):
            return
        await asyncio.sleep(0)
    raise AssertionError("no call reached the pool's queue")


@pytest.mark.parametrize("path", PATHS)
async def test_cancel_while_waiting_for_a_pool_slot_leaves_the_other_call_running(
    path: str,
) -> None:
    """Cancelled in the pool's queue: CancelledError; the call holding the slot goes on."""
    reached, release = asyncio.Event(), asyncio.Event()
    async with (
        _phase_server(b"", reached, release) as stalled,
        _zep(stalled, path, max_connections=1) as zep,
    ):
        holder = asyncio.create_task(zep._transport.send("GET", "/a", options=_options(path)))
        await asyncio.wait_for(reached.wait(), 10)
        queued = asyncio.create_task(zep._transport.send("GET", "/b", options=_options(path)))
        await _queued(zep)
        queued.cancel()
        with pytest.raises(asyncio.CancelledError):
            await queued
        assert not holder.done()
        assert _waiting(zep) == 0
        holder.cancel()
        with pytest.raises(asyncio.CancelledError):
            await holder


@pytest.mark.parametrize("path", PATHS)
async def test_aclose_while_waiting_for_a_pool_slot_ends_the_call_as_closed(path: str) -> None:
    """aclose while a write waits for a pool slot: ClientClosedError for it and the holder."""
    reached, release = asyncio.Event(), asyncio.Event()
    async with _phase_server(b"", reached, release) as base:
        zep = _zep(base, path, max_connections=1)
        holder = asyncio.create_task(zep._transport.send("GET", "/a", options=_options(path)))
        await asyncio.wait_for(reached.wait(), 10)
        queued = asyncio.create_task(
            zep._transport.send("POST", "/b", body=b"{}", options=_options(path))
        )
        await _queued(zep)
        await asyncio.wait_for(zep.aclose(), 5)
        with pytest.raises(ClientClosedError):
            await asyncio.wait_for(holder, 5)
        with pytest.raises(ClientClosedError) as caught:
            await asyncio.wait_for(queued, 5)
    assert caught.value.attempts == 1


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("phase", sorted(PHASES))
async def test_aclose_at_each_await_ends_a_write_as_closed_maybe_applied(
    path: str, phase: str
) -> None:
    """aclose while a write awaits its head or body, on any path: closed, maybe applied."""
    reached, release = asyncio.Event(), asyncio.Event()
    async with _phase_server(PHASES[phase], reached, release) as base:
        zep = _zep(base, path)
        call = asyncio.create_task(
            zep._transport.send("POST", "/sessions", body=b"{}", options=_options(path))
        )
        await asyncio.wait_for(reached.wait(), 10)
        await asyncio.wait_for(zep.aclose(), 5)
        with pytest.raises(ClientClosedError) as caught:
            await asyncio.wait_for(call, 5)
    assert (caught.value.attempts, caught.value.may_have_been_applied) == (1, True)


async def test_a_call_after_a_cancelled_fast_call_gets_its_own_answer() -> None:
    """A fast call cancelled mid-body leaves no half-read answer for the next call."""
    gate = asyncio.Event()
    calls = 0

    async def handler(request: web.Request) -> web.StreamResponse:
        nonlocal calls
        calls += 1
        response = web.StreamResponse(headers={"Content-Length": "19"})
        await response.prepare(request)
        if calls == 1:
            await response.write(b'{"session_id":')
            gate.set()
            await asyncio.Event().wait()  # never finishes
        await response.write(b'{"session_id": "2"}')
        return response

    async with _web(handler) as base, _zep(base, "fast") as zep:
        first = asyncio.create_task(zep.memory.get_session("1"))
        await asyncio.wait_for(gate.wait(), 10)
        await asyncio.sleep(0)
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        second = await zep.memory.get_session("2")
    assert isinstance(second, Session)
    assert second.session_id == "2"
