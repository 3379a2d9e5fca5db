"""LocalZep: a local, scriptable server that speaks the Zep v2 sessions API."""

from __future__ import annotations

import asyncio
import contextlib
import http
import json as jsonlib
import re
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final, Self
from urllib.parse import parse_qsl, unquote

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from ._faults import (
    FaultScript,
    Kind,
    Outcome,
    check_route,
    check_seconds,
    check_times,
)
from ._store import ORDER_FIELDS, SessionStore

_SESSION_PREFIX: Final = "/api/v2/sessions/"
_LIST_PATH: Final = "/api/v2/sessions-ordered"
_REQUEST_ID_HEADER: Final = "X-Zep-Request-ID"
_JSON: Final = "application/json"
#: How long close() lets a handler finish before cancelling it.
_SHUTDOWN_TIMEOUT: Final = 1.0
_DIGITS = re.compile(r"[0-9]+", re.ASCII)

_Answer = tuple[int, bytes, dict[str, str]]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as LocalZep received it.

    Attributes:
        method: The HTTP method, e.g. ``"GET"``.
        raw_path: The path exactly as sent, still percent-encoded, without the query.
        path: The percent-decoded path (undecodable bytes replaced).
        query_string: The raw query string, without the ``?``.
        query: The decoded query parameters; for a repeated name the last one wins.
        headers: A copy of the request headers, names spelled as received.
        route: ``"get_session"``, ``"list_sessions"``, or ``None`` for any other path.
        session_id: The decoded session id of a ``get_session`` request, else ``None``.
        request_id: The ``X-Zep-Request-ID`` the server gave this request.
        connection: A serial number of the TCP connection the request came on
            (1 for the first connection the server accepted, and so on).
    """

    method: str
    raw_path: str
    path: str
    query_string: str
    query: dict[str, str]
    headers: dict[str, str]
    route: str | None
    session_id: str | None
    request_id: str
    connection: int


@dataclass
class _ThreadHandle:
    started: threading.Event
    loop: asyncio.AbstractEventLoop | None = None
    stop: asyncio.Event | None = None
    error: BaseException | None = None


class LocalZep:
    """A Zep-compatible server on 127.0.0.1 with an in-memory store and scripted faults.

    It serves ``GET /api/v2/sessions/{sessionId}`` and ``GET
    /api/v2/sessions-ordered`` from plain JSON dicts, records every request, and
    can be told to fail, slow down, drop or cut the next requests of a route. Use
    it as ``async with LocalZep() as server:`` on the test's event loop, or as
    ``with server.run_in_thread():`` from synchronous code.

    Every request is first recorded, then takes its scripted faults (before the
    key is checked: faults stand for what sits in front of the API), then must
    carry ``Authorization: Api-Key <api_key>`` (else 401), then is routed (404
    for an unknown path, 405 for a method other than GET). The store, the fault
    methods and the request log are safe to use from any thread while the server
    runs.
    """

    def __init__(
        self,
        *,
        api_key: str = "test-api-key",
        host: str = "127.0.0.1",
        port: int = 0,
        default_page_size: int = 10,
    ) -> None:
        """Configure the server; nothing listens until :meth:`start`.

        Args:
            api_key: The key every request must present as ``Api-Key <api_key>``.
            host: The address to listen on.
            port: The port to listen on; 0 picks a free one.
            default_page_size: The ``page_size`` of a list request that sends
                none (the real server's default is not documented; 10 here).
        """
        if default_page_size < 1:
            raise ValueError(f"default_page_size must be >= 1, got {default_page_size!r}")
        self.api_key: str = api_key
        self._host = host
        self._port = port
        self._default_page_size = default_page_size
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._async_waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._store = SessionStore()
        self._faults = FaultScript()
        self._requests: list[RecordedRequest] = []
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

    def __repr__(self) -> str:
        where = self.root_url if self._bound_port is not None else "not started"
        with self._lock:
            stored = len(self._store)
        return f"<LocalZep {where} sessions={stored}>"

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
        sock = socket.create_server((self._host, self._port))
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
        if _running_loop() is not loop:
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

    # -- store -------------------------------------------------------------------

    def add_session(self, session_id: str, **fields: Any) -> dict[str, Any]:
        """Store a session and return (a copy of) its wire dict.

        ``uuid``, ``id`` (the row id), ``created_at``, ``updated_at`` (now) and
        ``project_uuid`` are filled in, the other API fields are ``null``.
        ``fields`` override anything: timestamps may be given as ``datetime``
        (written the Go way) or as any string (stored as is), unknown keys are
        served too, and a value of :data:`OMIT` leaves the key out entirely.

        Args:
            session_id: The user's id of the session, the key of ``get_session``.
            **fields: Wire fields to set.

        Returns:
            The stored session, as the server sends it.

        Raises:
            ValueError: If the id is empty or already stored.
            TypeError: If a value cannot be written as JSON.
        """
        with self._lock:
            return self._store.add(session_id, fields)

    def seed(self, count: int, *, seed: int = 0) -> list[dict[str, Any]]:
        """Add ``count`` realistic sample sessions.

        Ids are the row id padded to four digits (``session-0042``); users
        look like ``user-0042`` (a few sessions have none); metadata,
        classifications, facts and ended sessions are mixed in; timestamps
        carry 0 to 9 fractional digits and offsets such as ``-07:00``, and
        ``created_at`` does not always follow the row order. The same seed on
        the same store gives the same sessions.

        Args:
            count: How many sessions to add.
            seed: The seed of the random choices.

        Returns:
            The new sessions, in creation order.
        """
        if count < 0:
            raise ValueError(f"count must be >= 0, got {count!r}")
        with self._lock:
            return self._store.seed(count, seed)

    def remove_session(self, session_id: str) -> None:
        """Delete a stored session.

        Raises:
            KeyError: If no session has this id.
        """
        with self._lock:
            self._store.remove(session_id)

    def clear(self) -> None:
        """Forget all sessions (row ids restart at 1), faults, requests and disconnects.

        Requests already stalled stay stalled; request ids keep counting up.
        """
        with self._lock:
            self._store.clear()
            self._faults.clear()
            self._requests.clear()
            self._disconnects = 0

    @property
    def sessions(self) -> list[dict[str, Any]]:
        """Copies of the stored sessions, in row-id (creation) order."""
        with self._lock:
            return self._store.all()

    # -- request log -------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received since the start or the last :meth:`clear`, in order."""
        with self._lock:
            return list(self._requests)

    def count(self, route: str | None = None) -> int:
        """Count the requests received, all of them or those of one route.

        Args:
            route: ``"get_session"``, ``"list_sessions"``, or ``None`` for all.

        Raises:
            ValueError: If ``route`` names no route.
        """
        if route is not None:
            check_route(route)
        with self._lock:
            return self._count_locked(route)

    @property
    def disconnects(self) -> int:
        """How many requests lost their client before the server answered."""
        with self._lock:
            return self._disconnects

    def wait_for_requests(
        self, count: int, *, route: str | None = None, timeout: float = 5.0
    ) -> bool:
        """Block until ``count`` requests (of ``route``) have arrived.

        For code in another thread than the server's; on the server's own
        loop, await :meth:`wait_for_requests_async` instead.

        Args:
            count: The number of requests to wait for.
            route: Count only this route's requests (``None``: all).
            timeout: The longest wait, in seconds.

        Returns:
            Whether the count was reached within ``timeout`` seconds.

        Raises:
            RuntimeError: If called on the server's own event loop.
        """
        if route is not None:
            check_route(route)
        return self._wait_sync(lambda: self._count_locked(route) >= count, timeout)

    async def wait_for_requests_async(self, count: int, *, route: str | None = None) -> None:
        """Wait until ``count`` requests (of ``route``) have arrived, from any event loop.

        Bound the wait yourself, e.g. ``async with asyncio.timeout(5):``.
        """
        if route is not None:
            check_route(route)
        await self._wait_async(lambda: self._count_locked(route) >= count)

    def wait_for_disconnects(self, count: int, *, timeout: float = 5.0) -> bool:
        """Block until ``count`` clients have gone away before their answer.

        Returns:
            Whether the count was reached within ``timeout`` seconds.

        Raises:
            RuntimeError: If called on the server's own event loop.
        """
        return self._wait_sync(lambda: self._disconnects >= count, timeout)

    async def wait_for_disconnects_async(self, count: int) -> None:
        """Wait until ``count`` clients have gone away before their answer, from any loop.

        Bound the wait yourself, e.g. ``async with asyncio.timeout(5):``.
        """
        await self._wait_async(lambda: self._disconnects >= count)

    def _count_locked(self, route: str | None) -> int:
        if route is None:
            return len(self._requests)
        return sum(1 for request in self._requests if request.route == route)

    def _wait_sync(self, predicate: Callable[[], bool], timeout: float) -> bool:
        if self._loop is not None and _running_loop() is self._loop:
            raise RuntimeError(
                "this would block the server's own event loop; await the *_async variant"
            )
        with self._changed:
            return self._changed.wait_for(predicate, timeout)

    async def _wait_async(self, predicate: Callable[[], bool]) -> None:
        loop = asyncio.get_running_loop()
        while True:
            waiter: asyncio.Future[None] = loop.create_future()
            with self._lock:
                if predicate():
                    return
                self._async_waiters.append((loop, waiter))
            try:
                await waiter
            finally:
                with self._lock, contextlib.suppress(ValueError):
                    self._async_waiters.remove((loop, waiter))

    def _notify_locked(self) -> None:
        self._changed.notify_all()
        waiters, self._async_waiters = self._async_waiters, []
        for loop, waiter in waiters:
            with contextlib.suppress(RuntimeError):  # that loop is closed
                loop.call_soon_threadsafe(_wake, waiter)

    # -- faults ------------------------------------------------------------------

    def fail(
        self,
        route: str,
        status: int,
        *,
        times: int = 1,
        json: Any = None,
        body: str | bytes | None = None,
        headers: Mapping[str, str] | None = None,
        content_type: str | None = None,
    ) -> None:
        """Answer the next ``times`` requests of ``route`` with a canned response.

        With neither ``json`` nor ``body`` the body is ``{"message": "<reason
        phrase>"}``. A 200 works too, to serve a malformed success body.

        Args:
            route: ``"get_session"`` or ``"list_sessions"``.
            status: The status code, 200 to 599.
            times: How many requests get it.
            json: A value to send as a JSON body.
            body: A raw body (HTML, empty, malformed JSON, ...).
            headers: Extra response headers, e.g. ``{"Retry-After": "3"}``.
            content_type: The Content-Type; for ``json`` it defaults to
                ``application/json``; a non-empty ``body`` without one goes out
                as ``application/octet-stream`` (aiohttp's default), an empty
                one without any.

        Raises:
            ValueError: On an unknown route, a bad status or ``times``, or both
                ``json`` and ``body``.
        """
        check_route(route)
        count = check_times(times)
        assert count is not None
        if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599:
            raise ValueError(f"status must be an int from 200 to 599, got {status!r}")
        if json is not None and body is not None:
            raise ValueError("give json or body, not both")
        response_headers: dict[str, str] = {}
        if body is not None:
            payload = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        else:
            value = {"message": _phrase(status)} if json is None else json
            payload = jsonlib.dumps(value).encode("utf-8")
            content_type = content_type or _JSON
        if content_type is not None:
            response_headers["Content-Type"] = content_type
        response_headers.update(headers or {})
        if status in (204, 304):
            payload = b""
        outcome = Outcome(Kind.RESPOND, status, payload, tuple(response_headers.items()))
        with self._lock:
            self._faults.add_outcome(route, outcome, count)

    def delay(self, route: str, seconds: float, *, times: int | None = None) -> None:
        """Wait ``seconds`` before answering requests of ``route``.

        The delay combines with any other fault of the request. Closing the
        server cuts a delay short (the request then gets no answer).

        Args:
            route: ``"get_session"`` or ``"list_sessions"``.
            seconds: The latency to add.
            times: How many requests are delayed; ``None`` for every request
                until :meth:`clear` (later ``delay`` calls then never apply).
        """
        check_route(route)
        wait = check_seconds(seconds)
        count = check_times(times, allow_none=True)
        with self._lock:
            self._faults.add_latency(route, wait, count)

    def drop_connection(self, route: str, *, times: int = 1) -> None:
        """Close the connection of the next ``times`` requests without any response.

        A client sees the server disconnect (``aiohttp.ServerDisconnectedError``).
        """
        self._add_outcome(route, Outcome(Kind.DROP), times)

    def cut_body(self, route: str, *, times: int = 1) -> None:
        """Send the normal status and headers but only half the body, then close.

        The Content-Length promises the whole body, so a client reading it
        gets ``aiohttp.ClientPayloadError``.
        """
        self._add_outcome(route, Outcome(Kind.CUT), times)

    def stall(self, route: str, *, times: int = 1) -> None:
        """Accept the next ``times`` requests and never answer them (until close).

        For timeout tests. A client that gives up counts in :attr:`disconnects`.
        """
        self._add_outcome(route, Outcome(Kind.STALL), times)

    def _add_outcome(self, route: str, outcome: Outcome, times: int) -> None:
        check_route(route)
        count = check_times(times)
        assert count is not None
        with self._lock:
            self._faults.add_outcome(route, outcome, count)

    async def close_idle_connections(self) -> int:
        """Close the keep-alive connections that wait for no answer right now.

        The next request on such a connection meets a closed socket, as after a
        server or proxy dropped a stale keep-alive connection. May be awaited
        from any event loop.

        Returns:
            How many connections were closed.

        Raises:
            RuntimeError: If the server is not running.
        """
        loop = self._loop
        if self._runner is None or loop is None:
            raise RuntimeError("LocalZep is not running")
        if _running_loop() is not loop:
            future = asyncio.run_coroutine_threadsafe(self._close_idle_here(), loop)
            return await asyncio.wrap_future(future)
        return await self._close_idle_here()

    def close_idle_connections_threadsafe(self, *, timeout: float = 5.0) -> int:
        """Do :meth:`close_idle_connections` from synchronous code in another thread.

        Returns:
            How many connections were closed.

        Raises:
            RuntimeError: If the server is not running, or if called on its own loop.
        """
        loop = self._loop
        if self._runner is None or loop is None:
            raise RuntimeError("LocalZep is not running")
        if _running_loop() is loop:
            raise RuntimeError("on the server's own loop, await close_idle_connections()")
        return asyncio.run_coroutine_threadsafe(self._close_idle_here(), loop).result(timeout)

    async def _close_idle_here(self) -> int:
        server = self._web_server
        if server is None:
            return 0
        closed = 0
        for protocol in server.connections:
            with self._lock:
                state = self._connections.get(protocol)
                busy = state is not None and state[1] > 0
            if protocol.transport is not None and not busy:
                protocol.force_close()
                closed += 1
        # Let the transports close their sockets before returning.
        await asyncio.sleep(0)
        return closed

    # -- serving -----------------------------------------------------------------

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        protocol = request.protocol
        with self._lock:
            connection = self._enter_locked(protocol)
        try:
            return await self._serve(request, connection)
        finally:
            with self._lock:
                state = self._connections.get(protocol)
                if state is not None:
                    state[1] -= 1

    def _enter_locked(self, protocol: RequestHandler) -> int:
        state = self._connections.get(protocol)
        if state is None:
            for known, (_, active) in list(self._connections.items()):
                if known.transport is None and active == 0:
                    del self._connections[known]
            self._connection_counter += 1
            state = self._connections[protocol] = [self._connection_counter, 0]
        state[1] += 1
        return state[0]

    async def _serve(self, request: web.BaseRequest, connection: int) -> web.StreamResponse:
        raw_path, _, raw_query = request.raw_path.partition("?")
        route, session_id = _route(raw_path)
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        with self._lock:
            self._request_counter += 1
            request_id = f"req-{self._request_counter}"
            self._requests.append(
                RecordedRequest(
                    method=request.method,
                    raw_path=raw_path,
                    path=unquote(raw_path, errors="replace"),
                    query_string=raw_query,
                    query=query,
                    headers=dict(request.headers.items()),
                    route=route,
                    session_id=session_id,
                    request_id=request_id,
                    connection=connection,
                )
            )
            latency, outcome = self._faults.take(route)
            self._notify_locked()
        try:
            if latency and await self._closing_within(latency):
                return _drop(request)
            if outcome is None:
                answer = self._answer(request, route, session_id, query)
                return await _send(request, answer, request_id)
            if outcome.kind is Kind.RESPOND:
                answer = (outcome.status, outcome.body, dict(outcome.headers))
                return await _send(request, answer, request_id)
            if outcome.kind is Kind.CUT:
                return _cut(request, self._answer(request, route, session_id, query), request_id)
            if outcome.kind is Kind.STALL:
                assert self._closing_event is not None
                await self._closing_event.wait()
            return _drop(request)
        except asyncio.CancelledError:
            if not self._closing:
                with self._lock:
                    self._disconnects += 1
                    self._notify_locked()
            raise

    async def _closing_within(self, seconds: float) -> bool:
        assert self._closing_event is not None
        try:
            async with asyncio.timeout(seconds):
                await self._closing_event.wait()
        except TimeoutError:
            return False
        return True

    def _answer(
        self,
        request: web.BaseRequest,
        route: str | None,
        session_id: str | None,
        query: Mapping[str, str],
    ) -> _Answer:
        if request.headers.get("Authorization") != f"Api-Key {self.api_key}":
            return _message(401, "unauthorized")
        if route is None:
            return _message(404, "not found")
        if request.method != "GET":
            status, body, headers = _message(405, "method not allowed")
            headers["Allow"] = "GET"
            return status, body, headers
        if route == "get_session":
            if session_id is None:
                return _message(400, "invalid value for sessionId")
            with self._lock:
                stored = self._store.get_json(session_id)
                if stored is None:
                    return _message(404, "not found")
                return 200, _dumps(stored), {"Content-Type": _JSON}
        params = _list_params(query, self._default_page_size)
        if isinstance(params, str):
            return _message(400, f"invalid value for {params}")
        page_number, page_size, order_by, asc = params
        with self._lock:
            page = self._store.page(
                page_number=page_number, page_size=page_size, order_by=order_by, asc=asc
            )
            return 200, _dumps(page), {"Content-Type": _JSON}


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _route(raw_path: str) -> tuple[str | None, str | None]:
    """Return (route, decoded session id) for a raw, still-encoded path."""
    if raw_path == _LIST_PATH:
        return "list_sessions", None
    if raw_path.startswith(_SESSION_PREFIX):
        segment = raw_path[len(_SESSION_PREFIX) :]
        if segment and "/" not in segment:
            try:
                return "get_session", unquote(segment, errors="strict")
            except UnicodeDecodeError:
                return "get_session", None
    return None, None


def _list_params(
    query: Mapping[str, str], default_page_size: int
) -> tuple[int, int, str | None, bool] | str:
    """Read the list parameters; return the name of the first invalid one instead."""
    numbers = {"page_number": 1, "page_size": default_page_size}
    for name in numbers:
        text = query.get(name)
        if text is None:
            continue
        if not _DIGITS.fullmatch(text) or int(text) < 1:
            return name
        numbers[name] = int(text)
    order_by = query.get("order_by")
    if order_by is not None and order_by not in ORDER_FIELDS:
        return "order_by"
    asc_text = query.get("asc", "false")
    if asc_text not in ("true", "false"):
        return "asc"
    return numbers["page_number"], numbers["page_size"], order_by, asc_text == "true"


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "error"


def _dumps(value: Any) -> bytes:
    return jsonlib.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _message(status: int, message: str) -> _Answer:
    return status, _dumps({"message": message}), {"Content-Type": _JSON}


async def _send(request: web.BaseRequest, answer: _Answer, request_id: str) -> web.StreamResponse:
    """Write the whole response here, so the connection is idle when this returns."""
    status, body, headers = answer
    response = web.Response(status=status, body=body)
    response.headers[_REQUEST_ID_HEADER] = request_id
    response.headers.update(headers)
    with contextlib.suppress(ConnectionError):
        await response.prepare(request)
        await response.write_eof()
    return response


def _drop(request: web.BaseRequest) -> web.StreamResponse:
    """Close the connection without a byte of answer."""
    if request.transport is not None:
        request.transport.close()
    return web.Response()  # aiohttp finds the transport closed and writes nothing


def _cut(request: web.BaseRequest, answer: _Answer, request_id: str) -> web.StreamResponse:
    """Send the status line, headers and half the body, then close."""
    status, body, headers = answer
    lines = [f"HTTP/1.1 {status} {_phrase(status)}"]
    headers = {**headers, _REQUEST_ID_HEADER: request_id, "Content-Length": str(len(body))}
    lines += [f"{name}: {value}" for name, value in headers.items()]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    if request.transport is not None:
        request.transport.write(head + body[: len(body) // 2])
    return _drop(request)
