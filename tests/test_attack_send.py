"""Attacks on ``Transport.send``: cancel or close it in each phase, fail a decode after a retry."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web

from tests.conftest import NO_WAIT
from tests.test_transport_defects import _client_sockets, _deaf_server, _headers_sent
from zep_async import (
    APIResponseValidationError,
    AsyncZep,
    ClientClosedError,
    InternalServerError,
)
from zep_async._reply import Resend
from zep_async.models import Session

Phase = Callable[[asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def _phase_server(
    answer: bytes, reached: asyncio.Event, release: asyncio.Event
) -> AsyncIterator[str]:
    """A raw server that writes ``answer``, signals ``reached``, then stalls until ``release``."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(answer)
            await writer.drain()
            reached.set()
            await release.wait()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/api/v2"
    finally:
        release.set()
        server.close()
        await server.wait_closed()


#: What the server has written when the call is cut: nothing (waiting for the status
#: line), or the head and part of a body (reading the body), of a 2xx and of an error.
PHASES = {
    "awaiting-head": b"",
    "reading-2xx-body": b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"session_id"',
    "reading-error-body": b'HTTP/1.1 503 Busy\r\nContent-Length: 100\r\n\r\n{"message"',
    "reading-chunked-gzip": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n"
    ),
}


def _in_use(zep: AsyncZep) -> int:
    session = zep._transport._session
    if session is None:
        return 0
    return len(session.connector._acquired)  # type: ignore[union-attr]


@pytest.mark.parametrize("phase", sorted(PHASES))
async def test_cancel_in_each_phase_propagates_and_frees_the_connection(phase: str) -> None:
    """A cancelled call raises CancelledError (not ours) and holds no connection after."""
    reached, release = asyncio.Event(), asyncio.Event()
    async with (
        _phase_server(PHASES[phase], reached, release) as base,
        AsyncZep(api_key="k", base_url=base, retry_policy=NO_WAIT) as zep,
    ):
        call = asyncio.create_task(zep._transport.send("GET", "/sessions/s"))
        await asyncio.wait_for(reached.wait(), 10)
        await asyncio.sleep(0)  # let the client take in what was written (one step)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        assert _in_use(zep) == 0


@pytest.mark.parametrize("phase", sorted(PHASES))
async def test_aclose_in_each_phase_ends_the_call_as_closed(phase: str) -> None:
    """aclose while a write is in any phase ends it with ClientClosedError, maybe applied."""
    reached, release = asyncio.Event(), asyncio.Event()
    async with _phase_server(PHASES[phase], reached, release) as base:
        zep = AsyncZep(api_key="k", base_url=base, retry_policy=NO_WAIT)
        call = asyncio.create_task(zep._transport.send("POST", "/sessions", body=b"{}"))
        await asyncio.wait_for(reached.wait(), 10)
        await asyncio.wait_for(zep.aclose(), 5)
        with pytest.raises(ClientClosedError) as caught:
            await asyncio.wait_for(call, 5)
        assert caught.value.may_have_been_applied


# aiohttp >= 3.x advises (as a ResourceWarning) against a raw bytes body over 1 MiB; this
# test needs one to fill the socket, and checks the socket, not that advice.
@pytest.mark.filterwarnings("ignore:Sending a large body directly:ResourceWarning")
async def test_cancel_while_uploading_to_a_deaf_peer_frees_the_socket() -> None:
    """A call cancelled while its body cannot be uploaded does not keep the socket open."""
    trace, sent = _headers_sent()
    async with (
        _deaf_server() as (base, accepted, _peers),
        AsyncZep(api_key="k", base_url=base, retry_policy=NO_WAIT, trace_configs=[trace]) as zep,
    ):
        call = asyncio.create_task(zep._transport.send("POST", "/x", body=b"x" * (32 << 20)))
        await asyncio.wait_for(accepted.wait(), 10)
        await asyncio.wait_for(sent.wait(), 10)
        [sock] = _client_sockets(zep)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        for _ in range(100):  # the abort closes the socket within a few loop steps
            if sock.fileno() == -1:
                break
            await asyncio.sleep(0)
        assert sock.fileno() == -1


@contextlib.asynccontextmanager
async def _web(handler: Callable[[web.Request], Awaitable[web.Response]]) -> AsyncIterator[str]:
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


def _busy_then(body: bytes) -> tuple[Callable[[web.Request], Awaitable[web.Response]], list[str]]:
    """A handler answering 503 first, then 200 with ``body``; it records each method."""
    seen: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request.method)
        if len(seen) == 1:
            return web.json_response({"message": "busy"}, status=503)
        return web.Response(body=body, content_type="application/json")

    return handler, seen


async def test_a_reply_that_fails_decoding_after_a_retry_says_the_write_may_be_applied() -> None:
    """A write resent after a 503 whose 2xx body cannot be decoded is flagged applied."""
    handler, seen = _busy_then(b"not json")
    async with (
        _web(handler) as base,
        AsyncZep(api_key="k", base_url=base, retry_policy=NO_WAIT) as zep,
    ):
        with pytest.raises(APIResponseValidationError) as caught:
            await zep.memory._call(
                "POST", "/sessions", Session, body=b"{}", options={"retry_writes": True}
            )
    assert seen == ["POST", "POST"]
    assert caught.value.may_have_been_applied
    assert caught.value.attempts == 2


async def test_a_recoverable_write_is_resent_and_its_reply_says_an_earlier_one_may_apply() -> None:
    """Resend.RECOVERABLE resends after a 503; the Reply says the first may have applied it."""
    handler, seen = _busy_then(b'{"session_id": "s"}')
    async with (
        _web(handler) as base,
        AsyncZep(api_key="k", base_url=base, retry_policy=NO_WAIT) as zep,
    ):
        reply = await zep._transport.send(
            "POST", "/sessions", body=b"{}", resend=Resend.RECOVERABLE
        )
    assert seen == ["POST", "POST"]
    assert (reply.status, reply.attempts, reply.may_have_been_applied) == (200, 2, True)


async def test_recovery_turned_off_per_call_sends_a_recoverable_write_once() -> None:
    """request_options recover_writes=False: a 503 to a recoverable write is not resent."""
    handler, seen = _busy_then(b"{}")
    async with (
        _web(handler) as base,
        AsyncZep(api_key="k", base_url=base, retry_policy=NO_WAIT) as zep,
    ):
        with pytest.raises(InternalServerError) as caught:
            await zep._transport.send(
                "POST",
                "/sessions",
                body=b"{}",
                options={"recover_writes": False},
                resend=Resend.RECOVERABLE,
            )
    assert seen == ["POST"]
    assert caught.value.may_have_been_applied


async def test_a_read_after_a_retry_is_never_flagged_applied() -> None:
    """A GET answered after a 503 has may_have_been_applied False (reads change nothing)."""
    handler, _ = _busy_then(b"{}")
    async with (
        _web(handler) as base,
        AsyncZep(api_key="k", base_url=base, retry_policy=NO_WAIT) as zep,
    ):
        reply = await zep._transport.send("GET", "/sessions/s")
    assert (reply.attempts, reply.may_have_been_applied) == (2, False)


async def test_the_application_closing_its_session_mid_call_ends_the_call_clearly() -> None:
    """The owner closes its http_session while a write awaits its answer: closed, maybe applied."""
    reached, release = asyncio.Event(), asyncio.Event()
    async with _phase_server(b"", reached, release) as base:
        app_session = aiohttp.ClientSession()
        zep = AsyncZep(api_key="k", base_url=base, retry_policy=NO_WAIT, http_session=app_session)
        call = asyncio.create_task(zep._transport.send("POST", "/sessions", body=b"{}"))
        await asyncio.wait_for(reached.wait(), 10)
        await asyncio.wait_for(app_session.close(), 5)
        with pytest.raises(ClientClosedError, match="closed by its owner") as caught:
            await asyncio.wait_for(call, 5)
        assert caught.value.may_have_been_applied
        await zep.aclose()


@pytest.mark.parametrize(
    "base", ["https://h.example:443/api/v2", "http://[::1]:80/api/v2/", "http://H:8000/api/v2"]
)
@pytest.mark.parametrize("query", [None, {"limit": "5"}])
async def test_the_url_text_is_the_urls_own_spelling(
    base: str, query: dict[str, str] | None
) -> None:
    """The URL text errors and replies carry is exactly str() of the URL sent."""
    async with AsyncZep(api_key="k", base_url=base) as zep:
        call = zep._transport._prepare("GET", "/sessions/a%20b", query, None, None, None)
    assert call.url_text == str(call.url)
