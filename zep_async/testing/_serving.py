"""How LocalZep serves one request: record it, apply its faults, check the key, route it.

A mixin of LocalZep, kept apart from the public data and lifecycle methods.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, Final
from urllib.parse import parse_qsl, unquote

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from ._faults import FaultScript, Kind, Outcome
from ._http import Answer, cut, drop, message, plain, read_body, send
from ._log import LogMethods, RecordedRequest, RequestLog, running_loop
from ._routes_facts import HANDLERS as FACT_HANDLERS
from ._routes_insights import HANDLERS as INSIGHT_HANDLERS
from ._routes_memory import HANDLERS as MEMORY_HANDLERS
from ._routes_sessions import HANDLERS as SESSION_HANDLERS
from ._routes_users import HANDLERS as USER_HANDLERS
from ._routing import NO_JSON, Call, Handler, Match, parse_json, resolve
from ._store import Store
from ._wire import ApiError

#: The largest request body the server reads (the Community Edition's limit).
MAX_BODY: Final = 5 * 1024 * 1024

HANDLERS: Final[dict[str, Handler]] = {
    **SESSION_HANDLERS,
    **MEMORY_HANDLERS,
    **USER_HANDLERS,
    **FACT_HANDLERS,
    **INSIGHT_HANDLERS,
}
_PARAM_WIRE_NAMES: Final = {
    "session_id": "sessionId",
    "user_id": "userId",
    "message_uuid": "messageUUID",
    "fact_uuid": "factUUID",
}


class Serving(LogMethods):
    """The request path of LocalZep (see its class docstring for the order of steps)."""

    api_key: str
    _community: bool
    _default_page_size: int
    _lock: threading.Lock
    _store: Store
    _faults: FaultScript
    _log: RequestLog
    _request_counter: int
    _disconnects: int
    _connections: dict[RequestHandler, list[int]]
    _connection_counter: int
    _closing: bool
    _closing_event: asyncio.Event | None
    _detached_tasks: set[asyncio.Task[tuple[bool, Answer | None]]]

    _loop: asyncio.AbstractEventLoop | None
    _runner: web.ServerRunner | None
    _web_server: web.Server | None

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
        if running_loop() is not loop:
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
        if running_loop() is loop:
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
        match = resolve(request.method, raw_path, community=self._community)
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        try:
            body = await read_body(request, MAX_BODY)
        except Exception:  # the client broke the body off (a bad chunk, a reset)
            return drop(request)
        parsed = parse_json(body or b"")
        with self._lock:
            self._request_counter += 1
            request_id = f"req-{self._request_counter}"
            self._log.append(
                RecordedRequest(
                    method=request.method,
                    raw_path=raw_path,
                    path=unquote(raw_path, errors="replace"),
                    query_string=raw_query,
                    query=query,
                    headers=dict(request.headers.items()),
                    route=match.route,
                    session_id=match.params.get("session_id"),
                    request_id=request_id,
                    connection=connection,
                    body=body or b"",
                    json=None if parsed is NO_JSON else parsed,
                    user_id=match.params.get("user_id"),
                    message_uuid=match.params.get("message_uuid"),
                )
            )
            latency, outcome = self._faults.take(match.route)
            self._notify_locked()
        handle = self._handling(request, match, query, body, parsed, outcome)
        try:
            if not latency:
                answer = handle()
            else:
                # The wait and the handling go on if the client gives up meanwhile: a
                # delayed write is applied whatever the client does (only close stops it).
                task = self._detached(self._after(latency, handle))
                closed, answer = await asyncio.shield(task)
                if closed:
                    return drop(request)
            if outcome is None or outcome.kind is Kind.LATE:
                assert answer is not None
                if outcome is not None and await self._closing_within(outcome.hold):
                    return drop(request)
                return await send(request, answer, request_id)
            if body is None:
                assert answer is not None
                return await send(request, answer, request_id)
            if outcome.kind is Kind.RESPOND:
                canned = (outcome.status, outcome.body, dict(outcome.headers))
                return await send(request, canned, request_id)
            if outcome.kind is Kind.CUT:
                assert answer is not None
                return cut(request, answer, request_id)
            if outcome.kind is Kind.STALL:
                assert self._closing_event is not None
                await self._closing_event.wait()
            return drop(request)
        except asyncio.CancelledError:
            if not self._closing:
                with self._lock:
                    self._disconnects += 1
                    self._notify_locked()
            raise

    def _handling(
        self,
        request: web.BaseRequest,
        match: Match,
        query: dict[str, str],
        body: bytes | None,
        parsed: object,
        outcome: Outcome | None,
    ) -> Callable[[], Answer | None]:
        """Handling this request, to run now or after a delay.

        The function applies the request if its fault lets it, and returns the
        real answer (or 413), or ``None`` when the request is not handled.
        """

        def handle() -> Answer | None:
            if body is None:
                return message(413, "request body too large")
            if outcome is None or outcome.after_applying or outcome.kind in (Kind.CUT, Kind.LATE):
                return self._answer(request, match, query, body, parsed)
            return None

        return handle

    async def _after(
        self, seconds: float, handle: Callable[[], Answer | None]
    ) -> tuple[bool, Answer | None]:
        """Wait ``seconds``, then handle: (whether the server closed first, the answer)."""
        if await self._closing_within(seconds):
            return True, None
        return False, handle()

    def _detached(
        self, work: Coroutine[Any, Any, tuple[bool, Answer | None]]
    ) -> asyncio.Task[tuple[bool, Answer | None]]:
        """A task the server keeps until it ends, whether or not its request still waits."""
        task = asyncio.ensure_future(work)
        self._detached_tasks.add(task)
        task.add_done_callback(self._detached_done)
        return task

    def _detached_done(self, task: asyncio.Task[tuple[bool, Answer | None]]) -> None:
        self._detached_tasks.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved here; the request's own await reports it, if it waits

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
        match: Match,
        query: dict[str, str],
        body: bytes,
        parsed: object,
    ) -> Answer:
        community = self._community
        if request.headers.get("Authorization") != f"Api-Key {self.api_key}":
            return plain(401, "unauthorized") if community else message(401, "unauthorized")
        if match.route is None:
            if not match.allowed:
                # The router's own answer, in both flavors: text, unlike a missing object's
                # JSON 404, so a client can tell a wrong URL from a missing session.
                return plain(404, "404 page not found\n")
            allow = {"Allow": ", ".join(match.allowed)}
            if community:
                return 405, b"", allow
            status, payload, headers = message(405, "method not allowed")
            return status, payload, {**headers, **allow}
        params: dict[str, str] = {}
        for name, value in match.params.items():
            if value is None:
                return message(400, f"invalid value for {_PARAM_WIRE_NAMES[name]}")
            params[name] = value
        call = Call(
            route=match.route,
            params=params,
            query=query,
            body=body,
            json=parsed,
            community=community,
            default_page_size=self._default_page_size,
        )
        with self._lock:
            try:
                return HANDLERS[match.route](self._store, call)
            except ApiError as error:
                if error.plain:
                    return plain(error.status, error.message)
                return message(error.status, error.message)
