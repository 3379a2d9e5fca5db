"""A minimal HTTP/1.1 keep-alive server for the benchmarks, on a raw ``asyncio.Protocol``.

Every response is serialised once and cached by request target, so a request
costs the server little more than a dict lookup and a socket write. Routes:

- ``GET /api/v2/sessions/{id}``: one session (``--latency-ms`` late);
- ``GET /api/v2/sessions-ordered?page_number=&page_size=``: a page of
  ``--total`` sessions (``--page-latency-ms`` late);
- ``GET /api/v2/sessions/{id}/memory``: a Memory of 6 messages and 3 facts;
- ``GET /api/v2/sessions/{id}/messages?limit=``: a MessageListResponse of
  ``limit`` messages (100 when absent); with ``cursor`` (a 1-based page number,
  as the Community Edition reads it), page ``cursor`` of ``--messages`` distinct
  messages (``--page-latency-ms`` late);
- ``GET /api/v2/users-ordered?pageNumber=&pageSize=``: a UserListResponse;
- ``GET /api/v2/sessions/{id}/facts``: a FactsResponse of 3 facts; ``POST`` to it:
  ``{"message":"OK"}``;
- ``POST /api/v2/sessions``: 201 and a Session; ``POST /api/v2/sessions/{id}/memory``:
  200 and an AddMemoryResponse. A POST is answered as a create would be, from a
  pre-serialised answer, without reading or storing the body (beyond skipping it);
- ``GET /_stats``: the server's own CPU time and request count, as JSON.

It prints ``READY <port>`` once listening, and ``STATS <json>`` when its stdin
closes or it gets SIGTERM, then exits. Pipelined requests for routes of
different latency may be answered out of order; no benchmark client pipelines.

Run: ``python -m benchmarks.server --port 0 --total 100000 --cpu 1``; the
harness starts it through ``ServerProcess``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from benchmarks import payloads

PREFIX = "/api/v2"
_CACHE_LIMIT = 50_000


def _response(status: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nX-Request-ID: bench\r\n\r\n"
    )
    return head.encode() + body


_NOT_FOUND = _response("404 Not Found", b'{"message":"not found"}')


def cpu_stats(requests: int) -> dict[str, float]:
    """This process's CPU time so far, with the number of API requests answered."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "user_s": usage.ru_utime,
        "sys_s": usage.ru_stime,
        "requests": requests,
        "max_rss_mb": usage.ru_maxrss / 1024,
    }


class App:
    """Routing and the response caches."""

    def __init__(self, total: int, latency: float, page_latency: float, messages: int = 0) -> None:
        self.total = total
        self.messages = messages
        self.latency = latency
        self.page_latency = page_latency
        self.requests = 0
        self._targets: dict[bytes, tuple[bytes, float]] = {}
        self._pages: dict[tuple[int, int], bytes] = {}
        self._sessions: list[str] | None = None

    def prebuild(self, page_size: int) -> None:
        """Serialise every page of ``page_size`` up front."""
        self._sessions = [payloads.session_text(i + 1) for i in range(self.total)]
        for number in range(1, -(-self.total // page_size) + 1):
            self._page(number, page_size)

    def respond(self, method: bytes, target: bytes) -> tuple[bytes, float]:
        """The full response to ``method target`` and how long to hold it back."""
        key = target if method == b"GET" else method + b" " + target
        cached = self._targets.get(key)
        if cached is None:
            text = target.decode("latin-1")
            cached = self._route(text) if method == b"GET" else self._write(method, text)
            if len(self._targets) < _CACHE_LIMIT:
                self._targets[key] = cached
        self.requests += 1
        return cached

    def _write(self, method: bytes, target: str) -> tuple[bytes, float]:
        path = urlsplit(target).path
        if method == b"POST" and path == PREFIX + "/sessions":
            body = payloads.session_text(42, str(payloads.NEW_SESSION["session_id"])).encode()
            return _response("201 Created", body), self.latency
        if (
            method == b"POST"
            and path.startswith(PREFIX + "/sessions/")
            and path.endswith("/memory")
        ):
            return _response("200 OK", b'{"context":null}'), self.latency
        if method == b"POST" and path.startswith(PREFIX + "/sessions/") and path.endswith("/facts"):
            return _response("200 OK", b'{"message":"OK"}'), self.latency
        return _response("405 Method Not Allowed", b'{"message":"no such route"}'), 0.0

    def _route(self, target: str) -> tuple[bytes, float]:
        parts = urlsplit(target)
        path = parts.path
        query = parse_qs(parts.query)
        if path == PREFIX + "/users-ordered":
            size = int(query.get("pageSize", ["100"])[0])
            body = payloads.users_text(min(size, self.total), self.total).encode()
            return _response("200 OK", body), self.latency
        if path.startswith(PREFIX + "/sessions/") and path.endswith("/memory"):
            return _response("200 OK", payloads.memory_text().encode()), self.latency
        if path.startswith(PREFIX + "/sessions/") and path.endswith("/facts"):
            return _response("200 OK", payloads.facts_text().encode()), self.latency
        if path.startswith(PREFIX + "/sessions/") and path.endswith("/messages"):
            limit = int(query.get("limit", ["100"])[0])
            if "cursor" in query:
                number = max(int(query["cursor"][0]), 1)
                start = min((number - 1) * limit, self.messages)
                stop = min(start + limit, self.messages)
                body = payloads.messages_text(stop - start, start, self.messages)
                return _response("200 OK", body.encode()), self.page_latency
            return _response("200 OK", payloads.messages_text(limit).encode()), self.latency
        if path == PREFIX + "/sessions-ordered":
            number = int(query.get("page_number", ["1"])[0])
            size = int(query.get("page_size", ["100"])[0])
            return self._page(number, size), self.page_latency
        if path.startswith(PREFIX + "/sessions/"):
            session_id = unquote(path[len(PREFIX) + 10 :])
            body = payloads.session_text(42, session_id).encode()
            return _response("200 OK", body), self.latency
        return _NOT_FOUND, 0.0

    def _page(self, number: int, size: int) -> bytes:
        key = (number, size)
        page = self._pages.get(key)
        if page is None:
            start = min((max(number, 1) - 1) * size, self.total)
            stop = min(start + size, self.total)
            if self._sessions is not None:
                items = self._sessions[start:stop]
            else:
                items = [payloads.session_text(i + 1) for i in range(start, stop)]
            page = _response("200 OK", payloads.page_text(items, self.total).encode())
            self._pages[key] = page
        return page


def _content_length(head: bytes) -> int:
    for name in (b"\r\nContent-Length:", b"\r\ncontent-length:"):
        start = head.find(name)
        if start >= 0:
            stop = head.find(b"\r\n", start + 2)
            return int(head[start + len(name) : stop if stop >= 0 else len(head)])
    return 0


class HTTPProtocol(asyncio.Protocol):
    """One keep-alive connection: parse request heads, write cached responses."""

    def __init__(self, app: App) -> None:
        self._app = app
        self._buffer = b""
        self._transport: asyncio.Transport | None = None
        self._loop = asyncio.get_running_loop()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer + data if self._buffer else data
        while (end := buffer.find(b"\r\n\r\n")) >= 0:
            head = buffer[:end]
            # A body (a POST's, or the "{}" the official SDK sends with a GET) is skipped.
            skip = end + 4 + _content_length(head)
            if len(buffer) < skip:
                break
            buffer = buffer[skip:]
            self._handle(head)
        self._buffer = buffer

    def _handle(self, head: bytes) -> None:
        line = head.split(b"\r\n", 1)[0]
        parts = line.split(b" ")
        close = b"onnection: close" in head or b"onnection: Close" in head  # either case
        if len(parts) != 3 or parts[0] not in (b"GET", b"POST"):
            self._send(_response("405 Method Not Allowed", b'{"message":"GET or POST"}'), True)
        elif parts[1] == b"/_stats":
            body = json.dumps(cpu_stats(self._app.requests)).encode()
            self._send(_response("200 OK", body), close)
        else:
            response, delay = self._app.respond(parts[0], parts[1])
            if delay:
                self._loop.call_later(delay, self._send, response, close)
            else:
                self._send(response, close)

    def _send(self, response: bytes, close: bool) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        transport.write(response)
        if close:
            transport.close()


async def serve(args: argparse.Namespace) -> None:
    """Listen until stdin closes or SIGTERM, then print the CPU stats."""
    app = App(args.total, args.latency_ms / 1000, args.page_latency_ms / 1000, args.messages)
    if args.prebuild:
        app.prebuild(args.prebuild)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: HTTPProtocol(app), args.host, args.port, backlog=4096, reuse_address=True
    )
    port = server.sockets[0].getsockname()[1]
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.add_reader(sys.stdin.fileno(), lambda: sys.stdin.buffer.read1(4096) or stop.set())
    print(f"READY {port}", flush=True)
    await stop.wait()
    loop.remove_reader(sys.stdin.fileno())
    server.close()
    print("STATS " + json.dumps(cpu_stats(app.requests)), flush=True)


class ServerProcess:
    """This server in a child process, for the harness; ready once it printed ``READY``."""

    def __init__(self, args: list[str], cpu: int | None, *, cwd: Path, env: dict[str, str]) -> None:
        self._command = [sys.executable, "-m", "benchmarks.server", *args]
        if cpu is not None:
            self._command += ["--cpu", str(cpu)]
        self._cwd, self._env = cwd, env
        self.final: dict[str, float] = {}

    def __enter__(self) -> ServerProcess:
        self._proc = subprocess.Popen(
            self._command,
            cwd=self._cwd,
            env=self._env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()  # blocks until ready; "" if it died
        if not line.startswith("READY "):
            self._proc.kill()
            self._proc.wait()
            raise RuntimeError(f"benchmark server did not start: {line!r}")
        self.port = int(line.split()[1])
        self.base_url = f"http://127.0.0.1:{self.port}{PREFIX}"
        return self

    def stats(self) -> dict[str, float]:
        """The server's CPU time and request count so far (``GET /_stats``)."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_stats", timeout=10) as r:
            stats: dict[str, float] = json.loads(r.read())
        return stats

    def __exit__(self, *exc: object) -> None:
        proc = self._proc
        try:
            # communicate() closes stdin: the server's signal to print STATS and exit.
            out, _ = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        for line in out.splitlines():
            if line.startswith("STATS "):
                self.final = json.loads(line[6:])


def main() -> None:
    """Parse the command line and serve."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--total", type=int, default=100_000, help="sessions in the list")
    parser.add_argument("--messages", type=int, default=0, help="messages to walk by cursor")
    parser.add_argument("--prebuild", type=int, default=0, help="serialise pages of this size")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="get_session delay")
    parser.add_argument("--page-latency-ms", type=float, default=0.0, help="page delay")
    parser.add_argument("--cpu", type=int, default=None, help="pin to this CPU")
    args = parser.parse_args()
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
