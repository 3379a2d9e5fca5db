"""``Zep``: the synchronous client, a thin door onto ``AsyncZep``.

Every method hands the matching ``AsyncZep`` coroutine to the background event
loop that all sync clients of the process share (see ``_runner``) and waits for it,
so sync and async callers share one implementation and one error vocabulary; each
client keeps its own connection pool, on that loop.

Adding a method to a sync resource is one line (see ``_twins``)::

    get_session = blocking(AsyncMemory.get_session)
    iter_sessions = iterating(AsyncMemory.iter_sessions)

Ownership, with no reference cycle: ``Zep`` -> ``SyncMemory`` -> ``_Core`` (the
``AsyncZep`` and the runner). Resources and iterators hold the core, never the
``Zep``, so a dropped client is freed (and closed) at once, and an iterator keeps
its client open while it is used.
"""

from __future__ import annotations

import contextlib
import os
import weakref
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Self

from ._client import AsyncZep
from ._hooks import Hooks
from ._retry import RetryPolicy
from ._runner import Runner
from ._twins import SyncResource, blocking, iterating
from .errors import ClientClosedError
from .resources import AsyncMemory, AsyncUsers

if TYPE_CHECKING:
    import ssl as ssl_module

    from ._transport import ClientSession, TraceConfig

__all__ = ["SyncMemory", "SyncUsers", "Zep"]

_live_cores: weakref.WeakSet[_Core] = weakref.WeakSet()
# Clients inherited through fork(): their sockets belong to the parent, so the child
# must neither use nor close them, and must not let them be collected with warnings.
_inherited: list[object] = []


def _shutdown(runner: Runner, client: AsyncZep) -> None:
    """Close ``client`` on the shared loop, then give the runner's lease back (on close,
    GC and at exit).

    A finalizer: it never raises or prints. From the loop's own thread it cannot
    wait, so there the close runs as the loop's last task.
    """
    with contextlib.suppress(Exception):
        runner.stop(client.aclose)


class _Core:
    """What a ``Zep``, its resources and their iterators share; it never refers back."""

    __slots__ = ("__weakref__", "_finalizer", "client", "runner")

    def __init__(self, client: AsyncZep) -> None:
        self.client = client
        self.runner = Runner(closed_error=ClientClosedError)
        self._finalizer = weakref.finalize(self, _shutdown, self.runner, client)
        _live_cores.add(self)

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    def check_open(self) -> None:
        if self.runner.stopped:
            raise ClientClosedError("this client is closed; create a new one to make more calls")

    def close(self) -> None:
        self._finalizer()

    def after_fork_in_child(self) -> None:
        # The runner forgets the parent's loop by itself (``_runner``'s fork hook).
        _inherited.append(self.client._transport.detach())


class SyncMemory(SyncResource):
    """Sessions, memory and messages: ``zep.memory`` of ``Zep``.

    The sync twin of ``AsyncMemory``: the same methods, parameters and docstrings,
    each returning its result instead of a coroutine; the ``iter_*`` walks are
    plain iterators. It holds:

    - sessions: ``get_session``, ``list_sessions``, ``iter_session_pages``,
      ``iter_sessions``, ``add_session``, ``update_session``, ``delete``,
      ``end_session``, ``end_sessions``;
    - memory and messages: ``add``, ``get``, ``get_session_messages``,
      ``get_session_message``, ``update_message_metadata``,
      ``iter_session_messages``;
    - searches: ``search``, ``search_sessions``;
    - facts: ``get_fact``, ``delete_fact``, ``get_session_facts``, ``add_session_facts``;
    - the session's dialog read for you: ``classify_session``, ``extract_data``,
      ``get_summaries``, ``synthesize_question``;
    - ``with_raw_response``: the same calls, each returning a raw response.
    """

    __slots__ = ()
    _resource = "memory"

    get_session = blocking(AsyncMemory.get_session)
    list_sessions = blocking(AsyncMemory.list_sessions)
    iter_session_pages = iterating(AsyncMemory.iter_session_pages)
    iter_sessions = iterating(AsyncMemory.iter_sessions)
    add_session = blocking(AsyncMemory.add_session)
    update_session = blocking(AsyncMemory.update_session)
    delete = blocking(AsyncMemory.delete)
    end_session = blocking(AsyncMemory.end_session)
    end_sessions = blocking(AsyncMemory.end_sessions)
    # Memory and messages (``_messages``, ``_message_search``).
    add = blocking(AsyncMemory.add)
    get = blocking(AsyncMemory.get)
    get_session_messages = blocking(AsyncMemory.get_session_messages)
    get_session_message = blocking(AsyncMemory.get_session_message)
    update_message_metadata = blocking(AsyncMemory.update_message_metadata)
    search = blocking(AsyncMemory.search)
    search_sessions = blocking(AsyncMemory.search_sessions)
    iter_session_messages = iterating(AsyncMemory.iter_session_messages)
    # Facts, summaries, classification, extraction (``resources._facts``, ``._session_insights``).
    get_fact = blocking(AsyncMemory.get_fact)
    delete_fact = blocking(AsyncMemory.delete_fact)
    get_session_facts = blocking(AsyncMemory.get_session_facts)
    add_session_facts = blocking(AsyncMemory.add_session_facts)
    classify_session = blocking(AsyncMemory.classify_session)
    extract_data = blocking(AsyncMemory.extract_data)
    get_summaries = blocking(AsyncMemory.get_summaries)
    synthesize_question = blocking(AsyncMemory.synthesize_question)


class SyncUsers(SyncResource):
    """Users: ``zep.user`` of ``Zep``, the sync twin of ``AsyncUsers``.

    The same methods, parameters and docstrings, each returning its result
    instead of a coroutine; ``iter_users`` is a plain iterator.
    """

    __slots__ = ()
    _resource = "user"

    add = blocking(AsyncUsers.add)
    get = blocking(AsyncUsers.get)
    update = blocking(AsyncUsers.update)
    delete = blocking(AsyncUsers.delete)
    list_ordered = blocking(AsyncUsers.list_ordered)
    get_sessions = blocking(AsyncUsers.get_sessions)
    iter_users = iterating(AsyncUsers.iter_users)
    get_facts = blocking(AsyncUsers.get_facts)
    get_node = blocking(AsyncUsers.get_node)


class Zep:
    """The sync client of the Zep v2 chat-history API, with the arguments of ``AsyncZep``.

    It runs ``AsyncZep`` on the one event loop thread that all sync clients of the
    process share, joined on the first call, with a connection pool of its own
    reused across calls. It is safe to share between threads, and works where an
    event loop is already running (a notebook, a sync callback inside async code).
    A client costs one socket per open connection and a few KiB, so one per
    conversation is fine. Use ``with Zep() as zep:`` or call ``zep.close()`` (see it
    for what happens to calls in flight); a client dropped or never closed is
    closed when collected or at interpreter exit.

    ``http_session`` is refused (TypeError): an aiohttp session belongs to the loop
    it was made on, and ``Zep`` runs its calls on the shared loop; use ``AsyncZep``
    to share your application's pool. ``hooks`` run on the shared loop's thread: one
    that blocks holds up every sync client of the process while it runs.

    Example:
        >>> with Zep(api_key="...") as zep:  # doctest: +SKIP
        ...     session = zep.memory.get_session("support-chat-42")
    """

    memory: SyncMemory
    """Sessions, memory and messages: ``add_session``, ``add``, ``get``, ``search``..."""
    user: SyncUsers
    """The users calls: add, get, update, delete, list_ordered, get_sessions, iter_users..."""

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
        recover_writes: bool = True,
        connect_timeout: float | None = None,
        http_session: ClientSession | None = None,
        trace_configs: Sequence[TraceConfig] | None = None,
        hooks: Hooks | None = None,
    ) -> None:
        if http_session is not None:
            raise TypeError(
                "Zep does not take http_session: an aiohttp ClientSession belongs to the "
                "event loop it was made on, and Zep runs every call on a loop of its own "
                "(its pool lives there); share your session with AsyncZep instead"
            )
        self._async = AsyncZep(
            api_key,
            base_url=base_url,
            timeout=timeout,
            total_timeout=total_timeout,
            max_retries=max_retries,
            headers=headers,
            retry_policy=retry_policy,
            max_connections=max_connections,
            ssl=ssl,
            trust_env=trust_env,
            retry_writes=retry_writes,
            recover_writes=recover_writes,
            connect_timeout=connect_timeout,
            trace_configs=trace_configs,
            hooks=hooks,
        )
        self._core = _Core(self._async)
        self._runner = self._core.runner
        self.memory = SyncMemory(self._core)
        self.user = SyncUsers(self._core)

    @property
    def base_url(self) -> str:
        """The API base URL every path is joined to."""
        return self._async.base_url

    @property
    def closed(self) -> bool:
        """Whether ``close`` was called (or the client was collected)."""
        return self._core.closed

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<{type(self).__name__} base_url={self.base_url!r} {state}>"

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
        """Close this client's connection pool and give back its share of the loop thread.

        Closing twice is fine. Deterministic, from any thread (the loop's own
        included): no call or retry of this client starts after close begins (it
        raises ``ClientClosedError``, also a ``RuntimeError``); its calls in flight
        either finish or raise ``ClientClosedError``; its pool is always closed.
        Other clients' calls go on; the last client to close ends the thread. Waits
        at most a few seconds (not at all from the loop's own thread).
        """
        self._core.close()


def _reset_clients_in_child() -> None:
    for core in list(_live_cores):
        if not core.closed:
            core.after_fork_in_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_clients_in_child)
