"""Helpers of the write-path tests, kept small so end-to-end write tests can reuse them.

``AMBIGUOUS`` scripts, on a LocalZep route, each failure after which a write may
have been applied; ``send`` pushes one request with a JSON body through a
client's transport; ``closed_port`` gives an address where the connection is
refused; ``CaptureServer`` records exactly what arrived (every header line and
the body), for wire-format tests.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from aiohttp import web
from multidict import CIMultiDict

from zep_async import AsyncZep, RequestOptions
from zep_async._options import check_request_options
from zep_async.testing import LocalZep

#: The methods Zep's writes use that are not idempotent.
WRITE_METHODS = ("POST", "PATCH")

#: Per-attempt timeout of the stalled ("timeout") case: short, the test waits it once.
STALL_TIMEOUT = 0.2

#: Each failure that leaves open whether the server applied a write, scripted once
#: on ``route``; a client that resends reaches the route's normal answer next.
#: "cut-body" cuts the route's normal answer: it is ambiguous only when that answer is a
#: 2xx (a 4xx whose body was cut is still that 4xx: the server said it did not act).
AMBIGUOUS: dict[str, Callable[[LocalZep, str], None]] = {
    "500": lambda server, route: server.fail(route, 500),
    "503": lambda server, route: server.fail(route, 503),
    "timeout": lambda server, route: server.stall(route),
    "dropped": lambda server, route: server.drop_connection(route),
    "cut-body": lambda server, route: server.cut_body(route),
}


def options_for(fault: str, **extra: Any) -> RequestOptions:
    """Request options that make the ``fault`` case quick: a short timeout for a stall."""
    options: dict[str, Any] = dict(extra)
    if fault == "timeout":
        options.setdefault("timeout_in_seconds", STALL_TIMEOUT)
        options.setdefault("total_timeout_in_seconds", 30.0)
    return options  # type: ignore[return-value]


async def send(
    zep: AsyncZep,
    method: str,
    path: str,
    *,
    body: bytes | None = b"{}",
    request_options: RequestOptions | None = None,
) -> tuple[int, bytes]:
    """Send one request through ``zep``'s transport; return (status, body) of a 2xx."""
    options = check_request_options(request_options) if request_options else None
    reply = await zep._transport.send(method, path, body=body, options=options)
    return reply.status, reply.body


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released): connecting is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@dataclass(frozen=True)
class Captured:
    """One request as it arrived: every header line (repeats kept) and the body."""

    method: str
    path: str
    headers: CIMultiDict[str]
    body: bytes


class CaptureServer:
    """A loopback HTTP server that records each request and answers ``status`` with ``answer``."""

    def __init__(self, answer: bytes = b'{"message": "OK"}', status: int = 200) -> None:
        self.answer = answer
        self.status = status
        self.requests: list[Captured] = []
        self._runner: web.ServerRunner | None = None
        self._port = 0

    @property
    def base_url(self) -> str:
        """The API base URL on this server."""
        return f"http://127.0.0.1:{self._port}/api/v2"

    async def _handle(self, request: web.BaseRequest) -> web.Response:
        body = await request.read()
        headers = CIMultiDict(request.headers.items())
        self.requests.append(Captured(request.method, request.raw_path, headers, body))
        return web.Response(status=self.status, body=self.answer, content_type="application/json")

    async def __aenter__(self) -> Self:
        runner = web.ServerRunner(web.Server(self._handle), shutdown_timeout=0.1)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        server = site._server
        assert server is not None
        self._port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
