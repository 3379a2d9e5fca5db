"""The four defects of the call path (issue 22), each reproduced against a loopback server."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import math
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

from tests.conftest import NO_WAIT
from zep_async import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    AsyncZep,
    ClientClosedError,
    RetryPolicy,
)
from zep_async._transport._config import call_settings, exact_timeout

SESSION = b'{"session_id": "s-1", "uuid": "u-1"}'


class KeepAliveServer:
    """HTTP/1.1 with keep-alive that applies a DELETE, then drops the connection unanswered.

    The first request of a connection is answered (and the connection kept); a DELETE
    arriving on a kept connection is counted as applied and the connection is closed
    without an answer. A DELETE on a fresh connection gets 404 (already gone).
    """

    def __init__(self) -> None:
        self.deletes = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/api/v2"

    async def __aenter__(self) -> KeepAliveServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        served = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                method = head.split(b" ", 1)[0]
                if method == b"DELETE":
                    self.deletes += 1
                    if served:  # applied, then the connection drops before the answer
                        return
                    body = b'{"message": "session not found"}'
                    status = b"404 Not Found"
                else:
                    body, status = SESSION, b"200 OK"
                writer.write(
                    b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\n"
                    b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
                )
                await writer.drain()
                served += 1
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            self._tasks.discard(task)


@pytest.mark.parametrize("own_session", [False, True], ids=["sdk-pool", "http_session"])
async def test_a_dropped_delete_is_sent_once_per_attempt(own_session: bool) -> None:
    """A DELETE the server applied before dropping a kept-alive connection is not resent."""
    async with KeepAliveServer() as server, aiohttp.ClientSession() as app_session:
        extra = {"http_session": app_session} if own_session else {}
        zep = AsyncZep(api_key="k", base_url=server.base_url, retry_policy=NO_WAIT, **extra)  # type: ignore[arg-type]
        async with zep:
            await zep._transport.send("GET", "/sessions/s-1")  # a kept-alive connection
            with pytest.raises(APIConnectionError) as caught:
                await zep.memory.delete("s-1", request_options={"max_retries": 0})
        assert server.deletes == 1
        assert caught.value.may_have_been_applied


def _bomb(items: int) -> bytes:
    return gzip.compress(b'{"sessions": [' + b"{}," * items + b'{}], "total_count": 1}')


@pytest_asyncio.fixture
async def bomb_server() -> AsyncIterator[str]:
    """An aiohttp.web server whose GET answers a ~4 KB gzip body of ~4 MB."""
    payload = _bomb(1_400_000)
    assert len(payload) < 8_000

    async def handler(_: web.Request) -> web.Response:
        return web.Response(
            body=payload,
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        )

    app = web.Application()
    app.router.add_get("/api/v2/sessions", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/api/v2"
    finally:
        await runner.cleanup()


async def test_a_gzip_bomb_is_refused_before_decoding(bomb_server: str) -> None:
    """A 2xx body that decompresses past 100 times its size (over 1 MiB) is refused, said so."""
    async with AsyncZep(api_key="k", base_url=bomb_server, retry_policy=NO_WAIT) as zep:
        with pytest.raises(APIResponseValidationError, match="over 100 times its size") as caught:
            await zep._transport.send("GET", "/sessions")
    assert caught.value.status_code == 200
    assert not caught.value.may_have_been_applied  # a read changes nothing


async def test_a_modest_compressed_body_is_read() -> None:
    """A compressed body under the expansion floor (1 MiB) is read whatever its ratio."""
    payload = _bomb(100_000)  # ~300 KB from a few hundred bytes

    async def handler(_: web.Request) -> web.Response:
        return web.Response(body=payload, headers={"Content-Encoding": "gzip"})

    app = web.Application()
    app.router.add_get("/api/v2/sessions", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        base = f"http://127.0.0.1:{port}/api/v2"
        async with AsyncZep(api_key="k", base_url=base, retry_policy=NO_WAIT) as zep:
            reply = await zep._transport.send("GET", "/sessions")
        assert reply.body == gzip.decompress(payload)
    finally:
        await runner.cleanup()


async def test_reply_deadline_is_the_budget_on_the_policy_clock(bomb_server: str) -> None:
    """Reply.deadline is the policy clock at the call's start plus total_timeout, exactly."""
    policy = RetryPolicy(initial_delay=0, max_delay=0, clock=lambda: 1000.0)
    async with AsyncZep(
        api_key="k", base_url=bomb_server, retry_policy=policy, total_timeout=7.5
    ) as zep:
        zep._transport._proxy = (None, None)
        with pytest.raises(APIResponseValidationError):
            await zep._transport.send("GET", "/sessions")
        call = zep._transport._prepare("GET", "/sessions", None, None, None, None)
    assert call.deadline == 1007.5


@pytest.mark.parametrize("seconds", [5.0, 5.5, 30.0, 0.25])
def test_limits_are_not_rounded_to_whole_seconds(seconds: float) -> None:
    """Every limit the transport builds turns aiohttp's rounding up (ceil_threshold) off."""
    settings = call_settings(seconds, seconds / 2, 2, connect=seconds / 4)
    for limit in (settings.client_timeout, settings.first_timeout, exact_timeout(seconds, None)):
        assert limit.ceil_threshold == math.inf


async def test_a_five_second_limit_ends_at_five_seconds_on_the_loop_clock() -> None:
    """aiohttp's timer for a 5 s limit is due 5 s after now on the loop's clock, not rounded."""
    from aiohttp.helpers import ceil_timeout

    loop = asyncio.get_running_loop()
    limit = call_settings(5.0, None, 0).client_timeout
    before = loop.time()
    timer = ceil_timeout(limit.total, limit.ceil_threshold)
    after = loop.time()
    when = timer.when()
    assert when is not None
    assert before + 5.0 <= when <= after + 5.0


async def test_the_sdk_pool_does_not_round_read_limits() -> None:
    """The SDK's own connector is built with aiohttp's read-limit rounding off."""
    async with AsyncZep(api_key="k", base_url="http://127.0.0.1:9") as zep:
        session = zep._transport._open()
        assert session.connector._timeout_ceil_threshold == math.inf  # type: ignore[union-attr]


async def test_a_silent_server_times_out_with_the_configured_limit_in_the_message() -> None:
    """A server that never answers ends the call with the total_timeout it was given."""
    stop = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await stop.wait()
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    base = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/api/v2"
    try:
        async with AsyncZep(
            api_key="k", base_url=base, retry_policy=NO_WAIT, total_timeout=0.2
        ) as zep:
            with pytest.raises(APITimeoutError, match=r"total_timeout=0\.2 s ran out"):
                await asyncio.wait_for(zep._transport.send("GET", "/sessions/s"), 10)
    finally:
        stop.set()
        server.close()
        await server.wait_closed()


@contextlib.asynccontextmanager
async def _deaf_server() -> AsyncIterator[tuple[str, asyncio.Event, list[socket.socket]]]:
    """A raw socket server that accepts and never reads; yields (base, accepted, sockets)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.setblocking(False)
    accepted = asyncio.Event()
    peers: list[socket.socket] = []
    loop = asyncio.get_running_loop()

    async def accept() -> None:
        peer, _ = await loop.sock_accept(listener)
        peer.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        peers.append(peer)
        accepted.set()

    acceptor = asyncio.create_task(accept())
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/api/v2", accepted, peers
    finally:
        acceptor.cancel()
        await asyncio.gather(acceptor, return_exceptions=True)
        for peer in peers:
            peer.close()
        listener.close()


def _headers_sent() -> tuple[aiohttp.TraceConfig, asyncio.Event]:
    sent = asyncio.Event()

    async def on_sent(_s: object, _c: object, _p: object) -> None:
        sent.set()

    trace = aiohttp.TraceConfig()
    trace.on_request_headers_sent.append(on_sent)
    return trace, sent


def _client_sockets(zep: AsyncZep) -> list[socket.socket]:
    """The sockets of the connections the client's pool has in use (aiohttp's bookkeeping)."""
    session = zep._transport._session
    assert session is not None
    in_use = session.connector._acquired  # type: ignore[union-attr]
    return [proto.transport.get_extra_info("socket") for proto in in_use]


# aiohttp >= 3.x advises (as a ResourceWarning) against a raw bytes body over 1 MiB; this
# test needs one to fill the socket, and checks the socket, not that advice.
@pytest.mark.filterwarnings("ignore:Sending a large body directly:ResourceWarning")
async def test_aclose_returns_while_a_body_cannot_be_uploaded() -> None:
    """aclose ends a call stuck uploading to a peer that stopped reading, and frees the socket."""
    trace, sent = _headers_sent()
    async with _deaf_server() as (base, accepted, _peers):
        zep = AsyncZep(api_key="k", base_url=base, retry_policy=NO_WAIT, trace_configs=[trace])
        body = b"x" * (32 << 20)
        call = asyncio.create_task(zep._transport.send("POST", "/sessions", body=body))
        await asyncio.wait_for(accepted.wait(), 10)
        await asyncio.wait_for(sent.wait(), 10)
        [sock] = _client_sockets(zep)
        await asyncio.wait_for(zep.aclose(), 5)
        with pytest.raises(ClientClosedError) as caught:
            await asyncio.wait_for(call, 5)
        assert caught.value.may_have_been_applied
        assert sock.fileno() == -1  # closed, not left to the garbage collector
