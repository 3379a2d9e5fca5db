"""The request log of LocalZep: the last requests in full, counts of all, and waiting."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._faults import check_route


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
        route: The route's name (``"get_session"``, ``"add_memory"``, ...; see
            ``LocalZep.ROUTES``), or ``None`` for an unknown path or method.
        session_id: The decoded session id in the path, else ``None``.
        request_id: The ``X-Zep-Request-ID`` the server gave this request.
        connection: A serial number of the TCP connection the request came on
            (1 for the first connection the server accepted, and so on).
        body: The request body, as bytes (``b""`` for none).
        json: The body parsed as JSON, or ``None`` when it is empty or not JSON.
        user_id: The decoded user id in the path, else ``None``.
        message_uuid: The decoded message uuid in the path, else ``None``.
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
    body: bytes = b""
    json: Any = None
    user_id: str | None = None
    message_uuid: str | None = None


@dataclass
class RequestLog:
    """The last ``limit`` requests (all of them with ``None``) and counts of every request."""

    limit: int | None
    _kept: deque[RecordedRequest] = field(init=False)
    _counts: Counter[str | None] = field(init=False, default_factory=Counter)
    _total: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        """Make the bounded queue."""
        self._kept = deque(maxlen=self.limit)

    def append(self, request: RecordedRequest) -> None:
        """Record a request (the oldest kept one goes when the log is full)."""
        self._kept.append(request)
        self._counts[request.route] += 1
        self._total += 1

    def clear(self) -> None:
        """Forget every request and every count."""
        self._kept.clear()
        self._counts.clear()
        self._total = 0

    def kept(self) -> list[RecordedRequest]:
        """Return the kept requests, oldest first."""
        return list(self._kept)

    def count(self, route: str | None) -> int:
        """Count every request since the last clear, or those of one route."""
        return self._total if route is None else self._counts[route]


def running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class LogMethods:
    """The public request-log methods of LocalZep: the log, counts, and waiting for them."""

    _lock: threading.Lock
    _changed: threading.Condition
    _async_waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]]
    _log: RequestLog
    _disconnects: int
    _loop: asyncio.AbstractEventLoop | None

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received since the start or the last ``clear()``, in order.

        Only the last ``log_limit`` requests are kept (see ``LocalZep``);
        :meth:`count` counts all of them.
        """
        with self._lock:
            return self._log.kept()

    def count(self, route: str | None = None) -> int:
        """Count the requests received, all of them or those of one route.

        Args:
            route: A route name (see ``LocalZep.ROUTES``), or ``None`` for all.

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
        return self._log.count(route)

    def _wait_sync(self, predicate: Callable[[], bool], timeout: float) -> bool:
        if self._loop is not None and running_loop() is self._loop:
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
