"""``Zep``: the synchronous client, a thin door onto ``AsyncZep``.

Every method hands the matching ``AsyncZep`` coroutine to one background event
loop (see ``_runner``) and waits for it, so sync and async callers share one
implementation, one connection pool and one error vocabulary.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

from ._client import AsyncZep
from ._memory import AsyncMemory, OrderBy
from ._options import RequestOptions
from ._retry import RetryPolicy
from ._runner import Runner
from .models import Session, SessionListResponse

if TYPE_CHECKING:
    import ssl as ssl_module

__all__ = ["Memory", "Zep"]

T = TypeVar("T")

#: How long closing (also at interpreter exit) waits for the pool to close.
_CLOSE_TIMEOUT = 5.0

_live_clients: weakref.WeakSet[Zep] = weakref.WeakSet()
# Clients inherited through fork(): their sockets belong to the parent, so the child
# must neither use nor close them, and must not let them be collected with warnings.
_inherited: list[object] = []


def _shutdown(runner: Runner, client: AsyncZep) -> None:
    """Close ``client`` on the runner's loop, then stop the loop (also at exit and on GC)."""
    if runner.loop_thread is threading.current_thread():
        runner.stop()
        return
    try:
        if runner.loop_thread is not None and not client.closed:
            runner.call_with_timeout(_CLOSE_TIMEOUT, client.aclose)
    except (RuntimeError, TimeoutError):
        pass  # stopped already, or a wedged loop: exit must not hang on it
    finally:
        runner.stop()


class Memory:
    """Sessions: ``get_session``, ``list_sessions`` and the iterators over all of them."""

    def __init__(self, zep: Zep) -> None:
        self._zep = zep

    def get_session(
        self, session_id: str, *, request_options: RequestOptions | None = None
    ) -> Session:
        return self._zep._call(
            lambda c: c.memory.get_session(session_id, request_options=request_options)
        )

    def list_sessions(
        self,
        *,
        page_number: int | None = None,
        page_size: int | None = None,
        order_by: OrderBy | None = None,
        asc: bool | None = None,
        request_options: RequestOptions | None = None,
    ) -> SessionListResponse:
        return self._zep._call(
            lambda c: c.memory.list_sessions(
                page_number=page_number,
                page_size=page_size,
                order_by=order_by,
                asc=asc,
                request_options=request_options,
            )
        )

    def iter_session_pages(
        self,
        *,
        page_size: int = 100,
        order_by: OrderBy | None = None,
        asc: bool | None = None,
        prefetch: int = 4,
        request_options: RequestOptions | None = None,
    ) -> Generator[SessionListResponse, None, None]:
        return self._zep._iterate(
            lambda c: c.memory.iter_session_pages(
                page_size=page_size,
                order_by=order_by,
                asc=asc,
                prefetch=prefetch,
                request_options=request_options,
            )
        )

    def iter_sessions(
        self,
        *,
        page_size: int = 100,
        order_by: OrderBy | None = None,
        asc: bool | None = None,
        prefetch: int = 4,
        request_options: RequestOptions | None = None,
    ) -> Generator[Session, None, None]:
        return self._zep._iterate(
            lambda c: c.memory.iter_sessions(
                page_size=page_size,
                order_by=order_by,
                asc=asc,
                prefetch=prefetch,
                request_options=request_options,
            )
        )


class Zep:
    """The sync client of the Zep v2 sessions API, with the arguments of ``AsyncZep``.

    It runs ``AsyncZep`` on one event loop in a background thread, started on
    the first call, so connections are pooled across calls. It is safe to share
    between threads, and works where an event loop is already running (a
    notebook, a sync callback inside async code). Use ``with Zep() as zep:`` or
    call ``zep.close()``; a client never closed is closed at interpreter exit.

    Example:
        >>> with Zep(api_key="...") as zep:  # doctest: +SKIP
        ...     session = zep.memory.get_session("support-chat-42")
    """

    memory: Memory
    """The sessions calls: ``get_session``, ``list_sessions``, ``iter_sessions``."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = 60.0,
        total_timeout: float | None = None,
        max_retries: int = 2,
        headers: Mapping[str, str] | None = None,
        retry_policy: RetryPolicy | None = None,
        max_connections: int = 100,
        ssl: ssl_module.SSLContext | bool = True,
        trust_env: bool = False,
        retry_writes: bool = False,
    ) -> None:
        settings: dict[str, Any] = {
            "api_key": api_key,
            "base_url": base_url,
            "timeout": timeout,
            "total_timeout": total_timeout,
            "max_retries": max_retries,
            "headers": headers,
            "retry_policy": retry_policy,
            "max_connections": max_connections,
            "ssl": ssl,
            "trust_env": trust_env,
            "retry_writes": retry_writes,
        }
        self._async = AsyncZep(**settings)
        self._runner = Runner()
        self._finalizer = weakref.finalize(self, _shutdown, self._runner, self._async)
        self.memory = Memory(self)
        _live_clients.add(self)

    @property
    def base_url(self) -> str:
        """The API base URL every path is joined to."""
        return self._async.base_url

    @property
    def closed(self) -> bool:
        """Whether ``close`` was called."""
        return not self._finalizer.alive

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<{type(self).__name__} base_url={self.base_url!r} {state}>"

    def _call(self, start: Callable[[AsyncZep], Awaitable[T]]) -> T:
        if self.closed:
            raise RuntimeError("this client is closed; create a new one to make more calls")
        return self._runner.call(start, self._async)

    def _iterate(
        self, start: Callable[[AsyncZep], AsyncGenerator[T, None]]
    ) -> Generator[T, None, None]:
        # Built here, in the caller's thread, so bad arguments raise at the call.
        if self.closed:
            raise RuntimeError("this client is closed; create a new one to make more calls")
        return self._runner.iterate(start(self._async))

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool and stop the background thread. Closing twice is fine."""
        self._finalizer()

    def _after_fork_in_child(self) -> None:
        _inherited.append(self._async._transport.detach())
        self._runner.reset_after_fork()


def _share_docstrings() -> None:
    # One text for both twins: the sync methods take the async ones' docstrings.
    for name in ("get_session", "list_sessions", "iter_session_pages", "iter_sessions"):
        getattr(Memory, name).__doc__ = getattr(AsyncMemory, name).__doc__


_share_docstrings()


def _reset_clients_in_child() -> None:
    for client in list(_live_clients):
        if not client.closed:
            client._after_fork_in_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_clients_in_child)
