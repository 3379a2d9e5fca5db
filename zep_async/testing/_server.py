"""LocalZep: a local, scriptable server that speaks the Zep v2 chat-history API."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any, ClassVar, Final, Literal, Self

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from ._data_api import DataMethods
from ._fact_api import FactMethods
from ._fault_api import FaultMethods
from ._faults import FaultScript
from ._log import RequestLog, running_loop
from ._routing import CLOUD_ONLY, ROUTES
from ._serving import Serving
from ._store import Store

#: How long close() lets a handler finish before cancelling it.
_SHUTDOWN_TIMEOUT: Final = 1.0

Flavor = Literal["cloud", "ce"]


@dataclass
class _ThreadHandle:
    started: threading.Event
    loop: asyncio.AbstractEventLoop | None = None
    stop: asyncio.Event | None = None
    error: BaseException | None = None


class LocalZep(DataMethods, FactMethods, FaultMethods, Serving):
    """A Zep-compatible server on 127.0.0.1 with an in-memory store and scripted faults.

    It serves the Zep v2 chat-history API (sessions, memory and messages,
    users) under ``/api/v2`` from plain JSON dicts, records every request, and
    can be told to fail, slow down, drop or cut the next requests of a route.
    Use it as ``async with LocalZep() as server:`` on the test's event loop, or
    as ``with server.run_in_thread():`` from synchronous code.

    Every request is first recorded, then takes its scripted faults (before the
    key is checked: faults stand for what sits in front of the API), then must
    carry ``Authorization: Api-Key <api_key>`` (else 401), then is routed (404
    text, as the router answers, for an unknown path; 405 for a method the path
    does not take). The store,
    the fault methods and the request log are safe to use from any thread
    while the server runs.

    ``flavor="cloud"`` (the default) follows Zep Cloud's documented contract;
    ``flavor="ce"`` reproduces the self-hosted Community Edition's quirks
    (docs/testing.md lists them).
    """

    #: Every route name, for ``fail``, ``count`` and the others.
    ROUTES: ClassVar[tuple[str, ...]] = ROUTES
    #: The routes only Zep Cloud has (the Community Edition answers 404 or 405).
    CLOUD_ONLY_ROUTES: ClassVar[frozenset[str]] = CLOUD_ONLY

    def __init__(
        self,
        *,
        api_key: str = "test-api-key",
        host: str = "127.0.0.1",
        port: int = 0,
        default_page_size: int = 10,
        flavor: Flavor = "cloud",
        log_limit: int | None = 100_000,
    ) -> None:
        """Configure the server; nothing listens until :meth:`start`.

        Args:
            api_key: The key every request must present as ``Api-Key <api_key>``.
            host: The address to listen on (IPv4 or IPv6, e.g. ``"::1"``).
            port: The port to listen on; 0 picks a free one.
            default_page_size: The ``page_size`` of a ``sessions-ordered``
                request that sends none (Cloud's default is not documented).
            flavor: ``"cloud"`` or ``"ce"`` (the Community Edition's behaviour).
            log_limit: How many requests :attr:`requests` keeps (the oldest go
                first); ``None`` keeps all. :meth:`count` counts every request
                either way. A request costs about 1 KB plus its body.
        """
        if default_page_size < 1:
            raise ValueError(f"default_page_size must be >= 1, got {default_page_size!r}")
        if flavor not in ("cloud", "ce"):
            raise ValueError(f"flavor must be 'cloud' or 'ce', got {flavor!r}")
        if log_limit is not None and (
            isinstance(log_limit, bool) or not isinstance(log_limit, int) or log_limit < 0
        ):
            raise ValueError(f"log_limit must be an int >= 0 or None, got {log_limit!r}")
        self.api_key: str = api_key
        self.flavor: Flavor = flavor
        self._community = flavor == "ce"
        self._host = host
        self._port = port
        self._default_page_size = default_page_size
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._async_waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._store = Store()
        self._faults = FaultScript()
        self._log = RequestLog(log_limit)
        self._request_counter = 0
        self._disconnects = 0
        self._connections: dict[RequestHandler, list[int]] = {}  # [serial, active requests]
        self._connection_counter = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.ServerRunner | None = None
        self._web_server: web.Server | None = None
        self._closing = False
        self._closing_event: asyncio.Event | None = None
        self._bound_port: int | None = None
        self._detached_tasks: set[asyncio.Task[Any]] = set()

    def __repr__(self) -> str:
        where = self.root_url if self._bound_port is not None else "not started"
        with self._lock:
            stored = len(self._store.sessions)
        return f"<LocalZep {self.flavor} {where} sessions={stored}>"

    # -- addresses ---------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port the server listens on (valid after :meth:`start`)."""
        if self._bound_port is None:
            raise RuntimeError("LocalZep has not been started")
        return self._bound_port

    @property
    def root_url(self) -> str:
        """The server root, e.g. ``http://127.0.0.1:8123`` (what ``ZEP_API_URL`` holds)."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API base URL, e.g. ``http://127.0.0.1:8123/api/v2``."""
        return self.root_url + "/api/v2"

    # -- lifecycle ---------------------------------------------------------------

    async def start(self) -> None:
        """Start listening on the running event loop.

        Raises:
            RuntimeError: If the server is already running.
            OSError: If the address cannot be bound.
        """
        if self._runner is not None:
            raise RuntimeError("LocalZep is already running")
        loop = asyncio.get_running_loop()
        sock = _listen(self._host, self._port)
        server = web.Server(self._handle, handler_cancellation=True, access_log=None)
        runner = web.ServerRunner(server, shutdown_timeout=_SHUTDOWN_TIMEOUT)
        try:
            await runner.setup()
            await web.SockSite(runner, sock).start()
        except BaseException:
            await runner.cleanup()
            sock.close()
            raise
        self._loop = loop
        self._closing = False
        self._closing_event = asyncio.Event()
        self._web_server = server
        self._runner = runner
        self._bound_port = sock.getsockname()[1]

    async def close(self) -> None:
        """Stop the server: release stalled requests, close every connection.

        Idempotent, and may be awaited from another event loop than the
        server's. Requests still waiting (stalled or delayed) lose their
        connection without an answer.
        """
        loop = self._loop
        if self._runner is None or loop is None:
            return
        if running_loop() is not loop:
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._close_here(), loop))
            return
        await self._close_here()

    async def _close_here(self) -> None:
        runner = self._runner
        if runner is None:
            return
        self._runner = None
        self._closing = True
        if self._closing_event is not None:
            self._closing_event.set()
        await runner.cleanup()
        # Delayed requests whose client gave up end once they see the server closing.
        if self._detached_tasks:
            await asyncio.wait(set(self._detached_tasks))
        self._web_server = None
        with self._lock:
            self._connections.clear()
        # Let the closed transports run their connection_lost callbacks.
        await asyncio.sleep(0)

    async def __aenter__(self) -> Self:
        """Start the server and return it."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the server."""
        await self.close()

    @contextlib.contextmanager
    def run_in_thread(self, *, timeout: float = 10.0) -> Iterator[Self]:
        """Run the server on its own event loop in a daemon thread.

        For synchronous tests and tools. The server is listening when the
        ``with`` body starts, and is closed and its thread joined when it ends.

        Args:
            timeout: How long to wait for the server to start and to stop.

        Yields:
            This server.

        Raises:
            RuntimeError: If the server does not start in time.
        """
        handle = _ThreadHandle(started=threading.Event())
        thread = threading.Thread(
            target=asyncio.run,
            args=(self._serve_in_thread(handle),),
            name="LocalZep",
            daemon=True,
        )
        thread.start()
        if not handle.started.wait(timeout):
            raise RuntimeError("LocalZep did not start in time")
        if handle.error is not None:
            thread.join(timeout)
            raise handle.error
        try:
            yield self
        finally:
            assert handle.loop is not None
            assert handle.stop is not None
            with contextlib.suppress(RuntimeError):  # the loop has already ended
                handle.loop.call_soon_threadsafe(handle.stop.set)
            thread.join(timeout)

    async def _serve_in_thread(self, handle: _ThreadHandle) -> None:
        handle.loop = asyncio.get_running_loop()
        handle.stop = asyncio.Event()
        try:
            await self.start()
        except BaseException as error:
            handle.error = error
            handle.started.set()
            return
        handle.started.set()
        try:
            await handle.stop.wait()
        finally:
            await self.close()


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``, of whichever family the address has."""
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0][0]
    return socket.create_server((host, port), family=family)
