"""Helpers of the reliability tests: a raw HTTP server, pool and process probes, a server process.

``RawServer`` answers with bytes a test writes itself, for what LocalZep's fault
API cannot produce (redirects, endless bodies, broken framing). ``LocalZepProcess``
runs LocalZep in a child process, so a load test measures the client alone and
the server gets a core of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Self

from zep_async import AsyncZep, Zep

Responder = Callable[["RawServer", bytes, asyncio.StreamWriter], Awaitable[None]]


class RawServer:
    """An HTTP/1.1 server on 127.0.0.1 whose answer is whatever ``respond`` writes.

    Each connection serves one request: the head is read and kept in ``heads``,
    ``respond`` writes the answer (or nothing), then the connection is closed.
    Responders that must hang wait on ``release``, which closing sets; ``sent``
    is for responders to count the body bytes they pushed.
    """

    def __init__(self, respond: Responder) -> None:
        self.respond = respond
        self.heads: list[bytes] = []
        self.sent = 0
        self.release = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    @property
    def base_url(self) -> str:
        """The API base URL on this server."""
        return self.root_url + "/api/v2"

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release.set()
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
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            self.heads.append(head)
            await self.respond(self, head, writer)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()
            self._tasks.discard(task)


def reply(status: int, body: bytes = b"", *headers: str, reason: str = "Whatever") -> bytes:
    """A complete HTTP/1.1 response with a Content-Length, closing the connection."""
    lines = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body)}", "Connection: close"]
    return ("\r\n".join([*lines, *headers]) + "\r\n\r\n").encode("latin-1") + body


def canned(data: bytes) -> Responder:
    """A responder that writes ``data`` and closes."""

    async def respond(server: RawServer, head: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(data)

    return respond


def header_of(head: bytes, name: str) -> str | None:
    """The value of header ``name`` in a raw request head, or None."""
    for line in head.decode("latin-1").split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name.lower():
            return value.strip()
    return None


def pool_state(client: AsyncZep | Zep) -> tuple[int, int]:
    """(connections in use, idle connections) of a client's aiohttp pool; (0, 0) before use.

    Reads aiohttp's connector bookkeeping (private, but the only place it is kept).
    """
    transport = (client if isinstance(client, AsyncZep) else client._async)._transport
    session = transport._session
    if session is None or session.closed:
        return 0, 0
    connector = session.connector
    assert connector is not None
    acquired = len(connector._acquired)  # type: ignore[attr-defined]
    idle = sum(len(conns) for conns in connector._conns.values())  # type: ignore[attr-defined]
    return acquired, idle


def open_fds() -> int:
    """How many file descriptors this process has open."""
    return len(os.listdir("/proc/self/fd"))


def rss_bytes() -> int:
    """This process's resident set size."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


_SERVER_SCRIPT = """
import asyncio, sys
from zep_async.testing import LocalZep

async def main() -> None:
    server = LocalZep(api_key=sys.argv[1])
    await server.start()
    for n in range(int(sys.argv[2])):
        server.add_session(f"s-{n}")
    print(server.base_url, flush=True)
    loop = asyncio.get_running_loop()
    commands = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(commands), sys.stdin)
    while (line := await commands.readline()):
        requests = server.requests
        print(len(requests), len({r.connection for r in requests}), flush=True)
    await server.close()

asyncio.run(main())
"""


class LocalZepProcess:
    """LocalZep seeded with sessions ``s-0`` ... in a child process (a plain interpreter).

    ``stats()`` returns (requests received, distinct TCP connections they came on).
    """

    def __init__(self, api_key: str, sessions: int) -> None:
        self.api_key = api_key
        self._sessions = sessions
        self._proc: subprocess.Popen[str] | None = None
        self.base_url = ""

    def __enter__(self) -> Self:
        self._proc = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", _SERVER_SCRIPT, self.api_key, str(self._sessions)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stdout is not None
        self.base_url = self._proc.stdout.readline().strip()
        if not self.base_url.startswith("http://"):
            self.__exit__(None, None, None)
            raise RuntimeError("the LocalZep process did not start")
        return self

    def stats(self) -> tuple[int, int]:
        """(requests received, distinct connections) so far."""
        assert self._proc is not None
        assert self._proc.stdin is not None
        assert self._proc.stdout is not None
        self._proc.stdin.write("stats\n")
        self._proc.stdin.flush()
        count, connections = self._proc.stdout.readline().split()
        return int(count), int(connections)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        proc = self._proc
        if proc is None:
            return
        with proc:  # closes the pipes and waits
            assert proc.stdin is not None
            proc.stdin.close()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
