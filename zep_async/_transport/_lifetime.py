"""The pool's lifetime: made on first use, closed by ``aclose`` or by the end of its loop.

``PoolLifetime`` is the part of the ``Transport`` that owns when its
``aiohttp.ClientSession`` exists: it is created on the first call, inside the
running loop; ``aclose`` closes it; and when that loop ends first (``asyncio.run``
returning, a runner's loop shutting down) the loop's ``shutdown_asyncgens()``
closes it there, through the guard of ``close_with_loop``, so a client whose loop
ended never leaves its sockets to the garbage collector.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator

import aiohttp

from ..errors import ClientClosedError
from ._pool import close_pool, close_with_loop, usable_http_session

__all__ = ["PoolLifetime"]

_CLOSED = "this client is closed; create a new one to make more calls"
_LOOP_ENDED = (
    "this client was closed when the event loop it was used on ended; create one "
    "AsyncZep per event loop (for example inside the coroutine you pass to asyncio.run), "
    "or use the sync Zep client"
)
_LOOP_CLOSED = (
    "the event loop this client was used on was closed without loop.shutdown_asyncgens(), "
    "so its connections can no longer be closed; close the client inside that loop "
    "(await aclose() or async with), or end the loop with asyncio.run()"
)


class PoolLifetime:
    """When the transport's connection pool exists; see the module docstring."""

    def __init__(self, foreign: aiohttp.ClientSession | None) -> None:
        # The application's own session (http_session=): used, never made or closed here.
        self._foreign = foreign
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # Closes the pool when its loop ends (see close_with_loop); aclose closes it first.
        self._guard: AsyncGenerator[None, None] | None = None
        self._closed = False
        self._why_closed = _CLOSED
        # Set by aclose: wakes calls waiting between attempts, so they end at once.
        self._closing = asyncio.Event()
        # Responses whose body a call is reading: closing a connection under a read does
        # not wake it in aiohttp (the read would wait for its timeout), so aclose does.
        self._reading: set[aiohttp.ClientResponse] = set()

    def _new_session(self) -> aiohttp.ClientSession:
        raise NotImplementedError

    @property
    def closed(self) -> bool:
        """Whether ``aclose`` was called, or the loop the pool was made on ended."""
        return self._closed

    def _open(self) -> aiohttp.ClientSession:
        if self._closed:
            raise ClientClosedError(self._why_closed)
        loop = asyncio.get_running_loop()
        if self._foreign is not None:
            return usable_http_session(self._foreign, loop)
        if self._session is None:
            self._session = self._new_session()
            self._loop = loop
            self._guard = close_with_loop(self._session, self._loop_ended)
        elif loop is not self._loop:
            raise RuntimeError(
                "this client was first used on another event loop, and its connections "
                "belong to that loop; create one AsyncZep per event loop (for example inside "
                "the coroutine you pass to asyncio.run), or use the sync Zep client"
            )
        return self._session

    async def open(self) -> None:
        """Create the connection pool now rather than on the first call."""
        self._open()

    async def aclose(self) -> None:
        """Close the connection pool; later calls raise ``ClientClosedError``. Idempotent.

        From here on no call or retry starts; calls in flight end with
        ``ClientClosedError`` (their connections are closed under them). A pool whose
        loop has ended was closed by that ending, so this is a no-op then.

        Raises:
            RuntimeError: Called on another loop while the pool's loop still runs; or
                the pool's loop was closed without ``shutdown_asyncgens()``, so its
                sockets could not be closed (once: the client is closed after it).
        """
        session, guard, loop = self._session, self._guard, self._loop
        alive = session is not None and loop is not None and not loop.is_closed()
        if alive and asyncio.get_running_loop() is not loop:
            raise RuntimeError("close the client on the event loop it was used on")
        self._closed = True
        self._closing.set()
        self._session = self._guard = None
        if session is None or session.closed:
            return
        if loop is not None and loop.is_closed():
            raise RuntimeError(_LOOP_CLOSED)
        if guard is not None:
            # Ended here, at once (its finally finds the pool taken, so awaits nothing):
            # the loop's own shutdown_asyncgens, even running now, then finds it done.
            with contextlib.suppress(StopIteration):
                guard.aclose().send(None)
        await close_pool(session)
        for response in list(self._reading):
            response.content.set_exception(aiohttp.ClientConnectionError("the client was closed"))

    def _loop_ended(self) -> bool:
        """The pool's loop is ending: the client is closed from now on.

        Returns whether the caller (the guard) must close the pool: ``False`` when
        ``aclose`` took it first.
        """
        if not self._closed:
            self._why_closed = _LOOP_ENDED
        self._closed = True
        self._closing.set()
        taken = self._session is not None
        self._session = self._guard = None
        return taken

    def detach(self) -> object:
        """Forget the pool without closing it (after fork: it belongs to the parent).

        Returns what the caller must keep alive (the pool and its loop guard): collected
        in the child, they would touch the parent's sockets or loop.
        """
        kept = (self._session, self._guard)
        self._session, self._guard, self._loop = None, None, None
        self._closing = asyncio.Event()  # the old one may belong to the parent's loop
        return kept
