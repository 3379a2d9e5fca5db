"""The connection pool: the one the transport makes, or the application's own session.

``new_session`` builds the SDK's pool; ``check_http_session`` vets a session passed
as ``AsyncZep(http_session=...)`` at construction, and ``usable_http_session`` again
at each call (its owner may have closed it, or it may belong to another loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import math
import sys
import weakref
from collections.abc import AsyncGenerator, Callable, Iterable, Mapping
from typing import Any

import aiohttp

from .. import _validate
from .._retry import RetryPolicy
from ..errors import ClientClosedError
from ._config import TransportConfig

__all__ = [
    "Dropped",
    "check_http_session",
    "check_trace_configs",
    "close_pool",
    "close_with_loop",
    "new_session",
    "owner_closed",
    "session_middlewares",
    "sleep_unless_closed",
    "usable_http_session",
]


class _Response(aiohttp.ClientResponse):
    """A response whose early close does not wait on a peer that stopped reading."""

    def close(self) -> None:
        # Closed before its end (a cancelled or failed call): a graceful close of the
        # connection would wait for the unsent rest of the request body, forever when the
        # peer stopped reading, and keep the socket open; abort it instead.
        connection = self.connection
        transport = connection.transport if connection is not None else None
        if transport is not None and transport.get_write_buffer_size():
            transport.abort()
        super().close()


def new_session(
    config: TransportConfig, headers: Mapping[str, str], timeout: aiohttp.ClientTimeout
) -> aiohttp.ClientSession:
    """The SDK's own pool, with the client's headers and limits as its defaults."""
    # No rounding of read limits up to whole seconds (see _config.exact_timeout).
    connector = aiohttp.TCPConnector(
        limit=config.max_connections, ssl=config.ssl, timeout_ceil_threshold=math.inf
    )
    # trust_env stays off in aiohttp itself: there it also fetches a Basic login from
    # .netrc for the API host, which clashes with the key's Authorization header and
    # fails every call (ValueError). The transport reads the proxy instead.
    session = aiohttp.ClientSession(
        connector=connector,
        headers=headers,
        trust_env=False,
        timeout=timeout,
        raise_for_status=False,
        trace_configs=list(config.trace_configs) or None,
        response_class=_Response,
    )
    # aiohttp quietly resends an idempotent request once when the server drops the
    # connection; the transport's retry loop is the only one, so attempt counts and
    # max_retries=0 mean what they say.
    if hasattr(session, "_retry_connection"):
        session._retry_connection = False
    return session


def close_with_loop(
    session: aiohttp.ClientSession, on_end: Callable[[], bool]
) -> AsyncGenerator[None, None] | None:
    """Tie ``session`` to the running loop: it is closed, on that loop, when the loop ends.

    Returns a started async generator, which the caller keeps (a strong reference):
    the loop's ``shutdown_asyncgens()`` (run by ``asyncio.run``, ``asyncio.Runner``,
    pytest-asyncio and the sync ``Zep``'s runner as the loop ends) closes it, and its
    ``finally`` calls ``on_end()`` (held weakly) and, unless it returns ``False`` (its
    owner closes the pool itself), closes the pool while the loop can still close
    sockets.
    ``None`` when the running loop has no async generator hooks (nothing would close
    it then).
    """
    if sys.get_asyncgen_hooks().finalizer is None:
        return None
    guard = _closing_with_loop(session, weakref.WeakMethod(on_end))
    # One step, run here: nothing in it awaits, so it reaches its yield synchronously,
    # and the running loop's first-iteration hook registers it for shutdown_asyncgens.
    with contextlib.suppress(StopIteration):
        guard.asend(None).send(None)
    return guard


async def _closing_with_loop(
    session: aiohttp.ClientSession, on_end: weakref.WeakMethod[Callable[[], bool]]
) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        ended = on_end()  # (None when the transport was collected without closing)
        if ended is None or ended():
            await close_pool(session)


async def close_pool(session: aiohttp.ClientSession) -> None:
    """Close the SDK's own pool, at once even when a peer stopped reading.

    aiohttp closes a connection gracefully, which waits for unsent data to be flushed:
    forever, when a request body is stuck on a peer that stopped reading. A connection
    in use belongs to a call the close is ending anyway, so it is aborted (its socket
    freed now); idle ones still close gracefully.
    """
    connector = session.connector
    in_use = getattr(connector, "_acquired", None)  # aiohttp's only record of them
    if isinstance(in_use, set):
        for protocol in list(in_use):
            abort = getattr(protocol, "abort", None)
            if abort is not None:
                abort()
    await session.close()


def _session_loop(session: aiohttp.ClientSession) -> asyncio.AbstractEventLoop | None:
    loop = getattr(session, "_loop", None)  # ClientSession.loop warns that it is deprecated
    return loop if isinstance(loop, asyncio.AbstractEventLoop) else None


def check_http_session(session: object) -> aiohttp.ClientSession:
    """Refuse, before any call, a session the SDK cannot use as it promises.

    Raises:
        TypeError: Not an ``aiohttp.ClientSession``.
        ValueError: Closed, bound to a closed loop or to another running loop, with a
            default ``auth`` (it would clash with the key's ``Authorization``), or with
            ``auto_decompress=False`` (bodies would arrive compressed).
    """
    if not isinstance(session, aiohttp.ClientSession):
        raise TypeError(
            f"http_session must be an aiohttp.ClientSession, not {_validate.type_name(session)}"
        )
    if session.closed:
        raise ValueError("http_session is closed; pass an open aiohttp.ClientSession")
    loop = _session_loop(session)
    if loop is not None and loop.is_closed():
        raise ValueError("http_session belongs to an event loop that is closed")
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is not None and loop is not None and loop is not running:
        raise ValueError(
            "http_session belongs to another event loop than the running one; "
            "create the AsyncZep on the loop the session was made on"
        )
    if session.auth is not None:
        raise ValueError(
            "http_session has a default auth=...; the SDK sends its own Authorization "
            "header (the API key), and aiohttp refuses both on one request"
        )
    if not session.auto_decompress:
        raise ValueError("http_session has auto_decompress=False; the SDK reads decoded bodies")
    if not _can_stop_resends():
        raise ValueError(
            f"http_session cannot be used with aiohttp {aiohttp.__version__}: a session resends "
            "a request once by itself when a kept-alive connection drops (even a DELETE the "
            "server applied), and this version has no per-request middlewares for the SDK "
            "to stop that; leave http_session out and the SDK makes a pool of its own"
        )
    return session


def _can_stop_resends() -> bool:
    """Whether this aiohttp takes per-request middlewares, which ``no_silent_resend`` needs."""
    try:
        parameters = inspect.signature(aiohttp.ClientSession._request).parameters
    except (TypeError, ValueError):  # pragma: no cover - a C or wrapped implementation
        return False
    return "middlewares" in parameters and "_middlewares" in aiohttp.ClientSession.ATTRS


class Dropped(aiohttp.ClientConnectionError):
    """A connection lost mid-request, carried past aiohttp's silent resend; ``cause`` is it."""

    def __init__(self, cause: aiohttp.ClientError) -> None:
        super().__init__(str(cause))
        self.cause = cause


async def _no_silent_resend(
    request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
) -> aiohttp.ClientResponse:
    # aiohttp resends an idempotent request once, inside one attempt, when it meets one of
    # these two; any other ClientError it raises as is, so the transport alone decides.
    try:
        return await handler(request)
    except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError) as exc:
        raise Dropped(exc) from exc


def session_middlewares(session: aiohttp.ClientSession) -> tuple[Any, ...]:
    """The middlewares of the SDK's requests on the application's ``session``.

    Its own (a per-request list replaces the session's), inside one that turns off
    aiohttp's silent one-time resend of an idempotent request on a dropped connection,
    which a session cannot turn off per request otherwise.
    """
    return (_no_silent_resend, *(getattr(session, "_middlewares", None) or ()))


def usable_http_session(
    session: aiohttp.ClientSession, loop: asyncio.AbstractEventLoop
) -> aiohttp.ClientSession:
    """``session`` if a call on ``loop`` can use it now; a clear error otherwise."""
    if session.closed:
        raise owner_closed()
    if _session_loop(session) not in (None, loop):
        raise RuntimeError(
            "the http_session passed to this client belongs to another event loop; "
            "call the client on the loop that made the session"
        )
    return session


def owner_closed(
    method: str | None = None, url: str | None = None, attempts: int = 1, write: bool = False
) -> ClientClosedError:
    """The error of a call whose http_session its owner closed (before or during it)."""
    error = ClientClosedError(
        "the aiohttp ClientSession passed as http_session was closed by its owner; "
        "create the AsyncZep again with an open session",
        method=method,
        url=url,
        attempts=attempts,
    )
    error.may_have_been_applied = write  # closed during a write: it may have been applied
    return error


def check_trace_configs(trace_configs: object) -> tuple[aiohttp.TraceConfig, ...]:
    """``trace_configs`` as a tuple of ``aiohttp.TraceConfig``, or a TypeError naming it."""
    if isinstance(trace_configs, str | bytes | Mapping) or not isinstance(trace_configs, Iterable):
        raise TypeError(
            "trace_configs must be a list of aiohttp.TraceConfig, "
            f"not {_validate.type_name(trace_configs)}"
        )
    configs = tuple(trace_configs)
    for index, config in enumerate(configs):
        if not isinstance(config, aiohttp.TraceConfig):
            raise TypeError(
                f"trace_configs[{index}] must be an aiohttp.TraceConfig, "
                f"not {_validate.type_name(config)}"
            )
    return configs


async def sleep_unless_closed(closing: asyncio.Event, policy: RetryPolicy, delay: float) -> None:
    """The policy's wait between attempts, cut short when ``closing`` is set (``aclose``)."""
    if closing.is_set():
        return
    sleep = asyncio.ensure_future(policy.sleep(delay))
    closed = asyncio.ensure_future(closing.wait())
    try:
        await asyncio.wait((sleep, closed), return_when=asyncio.FIRST_COMPLETED)
    finally:
        sleep.cancel()
        closed.cancel()
    if sleep.done() and not sleep.cancelled() and (exc := sleep.exception()) is not None:
        raise exc
