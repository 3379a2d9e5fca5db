"""``AsyncZep``: configuration, lifecycle, and the resources hanging off it."""

from __future__ import annotations

import ipaddress
import logging
import os
import re
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Self
from urllib.parse import quote, urlsplit

from . import _validate
from ._hooks import Hooks
from ._pydantic import register_fastapi_encoders
from ._retry import RetryPolicy
from .resources import AsyncMemory, AsyncUsers

if TYPE_CHECKING:
    import ssl as ssl_module

    from ._transport import ClientSession, TraceConfig, Transport

__all__ = ["DEFAULT_BASE_URL", "AsyncZep"]

DEFAULT_BASE_URL = "https://api.getzep.com/api/v2"

log = logging.getLogger("zep_async")
_warned: set[tuple[str, str]] = set()
#: Longer base URLs leave no room for the path within the 8 KB servers accept.
_MAX_BASE_URL_LENGTH = 2048
#: What may stand unencoded in a URL path (RFC 3986 pchar, and "/" and "%").
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_PATH_UNSAFE = re.compile(r"[^A-Za-z0-9/%:@!$&'()*+,;=\-._~]")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _resolve_api_key(api_key: object) -> str:
    if api_key is None:
        api_key = os.environ.get("ZEP_API_KEY")
        if api_key is None:
            raise ValueError(
                "no API key: pass api_key=... or set the ZEP_API_KEY environment variable"
            )
        name = "the ZEP_API_KEY environment variable"
    else:
        name = "api_key"
    return _validate.check_text(
        name, api_key, secret=True, header=True, max_length=_validate.MAX_HEADER_LENGTH
    )


def _resolve_base_url(base_url: object) -> str:
    if base_url is None:
        root = os.environ.get("ZEP_API_URL")
        if not root:
            return DEFAULT_BASE_URL
        # The official SDK reads ZEP_API_URL as the server root and appends /api/v2;
        # a value that already ends with it is the base itself (not …/api/v2/api/v2).
        name = "the ZEP_API_URL environment variable"
        root = root.strip().rstrip("/")
        base_url = root if root.lower().endswith("/api/v2") else root + "/api/v2"
    else:
        name = "base_url"
    text = _validate.check_text(name, base_url, max_length=_MAX_BASE_URL_LENGTH).strip()
    # A URL with user info may hold a password: never echo it.
    shown = "(not shown: it has user info)" if "@" in text else repr(text)
    try:
        parts = urlsplit(text)
        port = parts.port  # a port that is not a number from 0 to 65535 raises ValueError
    except ValueError as exc:
        raise ValueError(f"{name} is not a valid URL ({exc}): {shown}") from None
    if parts.username or parts.password:
        raise ValueError(f"{name} must not carry credentials; pass api_key instead")
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"{name} must be an http:// or https:// URL, got {shown}")
    if not parts.hostname or port == 0:
        raise ValueError(f"{name} has no host or port to connect to: {shown}")
    host = _check_host(name, parts.hostname, shown)
    # Even an empty query or fragment ("…/v2?") would swallow every path joined to it.
    if "?" in text or "#" in text:
        raise ValueError(f"{name} must not have a query or fragment: {shown}")
    if any(char.isspace() for char in text):
        raise ValueError(f"{name} must not contain whitespace: {shown}")
    if _BAD_ESCAPE.search(parts.path):
        raise ValueError(f"{name} has a '%' that is not a percent-escape: {shown}")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        _warn_plain_http(parts.hostname)
    if not text.isascii() or _PATH_UNSAFE.search(parts.path):
        # Sent as given, these would reach the wire as raw bytes (a server answers 400, and
        # the Host header and TLS name would not be the host's ASCII form): encode them now.
        netloc = f"[{host}]" if ":" in host else host
        if port is not None:
            netloc += f":{port}"
        text = f"{parts.scheme}://{netloc}{quote(parts.path, safe=_PATH_SAFE)}"
    return text.rstrip("/")


def _check_host(name: str, host: str, shown: str) -> str:
    """The host's ASCII form; refuse a name the resolver cannot encode (an empty label,
    one over 63 characters, a character IDNA forbids), which would fail every call."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return host
    try:
        encoded = host.encode("idna")  # what the resolver does before looking the name up
    except UnicodeError as exc:
        reason = str(exc.__cause__ or exc)
        raise ValueError(
            f"{name} has a host name that cannot be looked up ({reason}): {shown}"
        ) from None
    if len(encoded.rstrip(b".")) > 253:
        raise ValueError(f"{name} has a host name longer than 253 characters: {shown}")
    return encoded.decode("ascii")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _warn_plain_http(host: str) -> None:
    _warn_once(host, "base URL for %s is plain http://: the API key will travel unencrypted")


def _warn_unverified_tls(base_url: str) -> None:
    host = urlsplit(base_url).hostname or ""
    if not _is_loopback(host):
        _warn_once(
            host,
            "ssl=False for %s: certificates are not verified, so anyone on the path "
            "can read the API key",
        )


def _warn_once(host: str, message: str) -> None:
    if (message, host) not in _warned:
        _warned.add((message, host))
        log.warning(message, host)


class AsyncZep:
    """The async client of the Zep v2 chat-history API: sessions, memory, messages, users.

    Construct it anywhere (no event loop needed); its connection pool is made on
    the first call, inside the running loop, and reused for every call after.
    Use it as ``async with AsyncZep() as zep:`` or call ``await zep.aclose()``.
    One client serves one event loop. Closing is deterministic: no call or retry
    starts after ``aclose`` begins, and calls still in flight either finish or
    raise ``ClientClosedError`` (see ``aclose``).

    Args:
        api_key: Your Zep API key; defaults to the ``ZEP_API_KEY`` environment variable.
        base_url: The API base, e.g. ``https://api.getzep.com/api/v2`` (the default).
            When not given, ``ZEP_API_URL`` (the server root, as the official SDK
            reads it) is used with ``/api/v2`` appended, unless it already ends so.
        timeout: Seconds each attempt may take.
        total_timeout: Seconds a whole call may take, retries and waits included.
            Not set (the default), nothing cuts the retries short: every attempt that
            ``max_retries`` permits runs in full. When set, a retry starts only if a
            whole ``timeout`` still fits in what is left (see docs/retries.md).
        max_retries: Retries after the first attempt for retryable failures (0 = none).
        headers: Extra headers sent with every request. Names are case-insensitive; a
            header given here replaces the SDK's own of that name (``Authorization``
            included), and a call's ``additional_headers`` replace these.
        retry_policy: How to wait between attempts; see ``RetryPolicy``.
        max_connections: Size of the connection pool.
        ssl: An ``ssl.SSLContext`` for custom CAs or client certificates, or ``False``
            to switch certificate verification off (only for local testing).
        trust_env: Read proxy settings from the environment, once, here (a proxy's login
            may come from ``.netrc``; the API host's never does: the key is its credential).
        retry_writes: Let a POST or PATCH be resent after a failure that may have
            applied it (a 5xx, a timeout, a connection lost after sending), which
            can duplicate it (Zep's writes are not idempotent). Off by default: a
            write is then resent only when the server provably did not act on it
            (the connection could not be opened, or a 429). A call's
            ``request_options={"retry_writes": ...}`` wins over this.
        recover_writes: Resend, after a failure that may have applied it, a write whose
            outcome the SDK confirms itself: ``memory.add_session`` and ``user.add``
            (their own ids), ``memory.add`` (message uuids it sets) and the metadata
            merges; each is applied once (docs/retries.md#recovered-writes). On by
            default; ``False`` keeps the plain write rule. A call's
            ``request_options={"recover_writes": ...}`` wins over this.
        connect_timeout: Seconds each attempt may spend getting a connection (a free
            slot of the pool, DNS, TCP and TLS set-up), within ``timeout``; not set, only
            ``timeout`` bounds it. A dead host then fails fast while a slow answer may
            take its time; when it runs out the request was not sent, so even a write
            is retried.
        http_session: An ``aiohttp.ClientSession`` your application owns, to share its
            pool. The SDK never closes it (``aclose`` leaves it open) and still sends
            its own headers, timeouts and retry rules with each request; ``ssl``,
            ``max_connections``, ``trust_env`` and ``trace_configs`` are then the
            session's business and must be left at their defaults. See
            docs/configuration.md.
        trace_configs: ``aiohttp.TraceConfig`` objects for the SDK's own pool (aiohttp's
            request tracing, e.g. OpenTelemetry's aiohttp instrumentation).
        hooks: The SDK's ``Hooks``: called as a call starts, before each attempt, on
            each retry (with its reason and delay) and when the call ends.

    Raises:
        TypeError, ValueError: A bad argument; the API key is never shown.

    Example:
        >>> async with AsyncZep(api_key="...") as zep:  # doctest: +SKIP
        ...     session = await zep.memory.get_session("support-chat-42")
    """

    memory: AsyncMemory
    """Sessions, memory and messages: ``add_session``, ``add``, ``get``, ``search``..."""
    user: AsyncUsers
    """The users calls: add, get, update, delete, list_ordered, get_sessions, iter_users."""

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
        key = _resolve_api_key(api_key)
        self._base_url = _resolve_base_url(base_url)
        self._timeout = _validate.check_seconds("timeout", timeout)
        if total_timeout is not None:
            total_timeout = _validate.check_seconds("total_timeout", total_timeout)
        if retry_policy is None:
            retry_policy = RetryPolicy()
        elif not isinstance(retry_policy, RetryPolicy):
            raise TypeError(
                f"retry_policy must be a RetryPolicy, not {_validate.type_name(retry_policy)}"
            )
        # aiohttp (and ssl) load on the first client, not on `import zep_async`: most of
        # a bare import's time would otherwise go to aiohttp building its SSL contexts.
        import ssl as ssl_module

        from ._transport import Transport, TransportConfig, check_http_session, check_trace_configs

        if not isinstance(ssl, ssl_module.SSLContext | bool):
            raise TypeError(
                f"ssl must be an ssl.SSLContext or a bool, not {_validate.type_name(ssl)}"
            )
        if ssl is False and self._base_url.startswith("https:"):
            _warn_unverified_tls(self._base_url)
        if connect_timeout is not None:
            connect_timeout = _validate.check_seconds("connect_timeout", connect_timeout)
        if hooks is not None and not isinstance(hooks, Hooks):
            raise TypeError(f"hooks must be a zep_async.Hooks, not {_validate.type_name(hooks)}")
        traces = () if trace_configs is None else check_trace_configs(trace_configs)
        if http_session is not None:
            http_session = check_http_session(http_session)
            # Settings of a pool belong to whoever made the pool.
            given = {
                "ssl": ssl is not True,
                "max_connections": max_connections != 100,
                "trust_env": trust_env is not False,
                "trace_configs": bool(traces),
            }
            clash = [name for name, set_ in given.items() if set_]
            if clash:
                raise ValueError(
                    f"{', '.join(clash)} cannot be combined with http_session: they configure "
                    "a connection pool, and http_session brings its own; set them on it"
                )
        self._transport: Transport = Transport(
            TransportConfig(
                base_url=self._base_url,
                api_key=key,
                timeout=self._timeout,
                total_timeout=total_timeout,
                max_retries=_validate.check_int("max_retries", max_retries, minimum=0),
                headers=_validate.check_headers("headers", {} if headers is None else headers),
                retry_policy=retry_policy,
                max_connections=_validate.check_int("max_connections", max_connections, minimum=1),
                ssl=ssl,
                trust_env=_validate.check_bool("trust_env", trust_env),
                retry_writes=_validate.check_bool("retry_writes", retry_writes),
                recover_writes=_validate.check_bool("recover_writes", recover_writes),
                connect_timeout=connect_timeout,
                hooks=hooks,
                trace_configs=traces,
                http_session=http_session,
            )
        )
        self.memory = AsyncMemory(self._transport)
        self.user = AsyncUsers(self._transport)
        register_fastapi_encoders()  # endpoints returning models without an annotation

    @property
    def base_url(self) -> str:
        """The API base URL every path is joined to."""
        return self._base_url

    @property
    def closed(self) -> bool:
        """Whether ``aclose`` was called."""
        return self._transport.closed

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<{type(self).__name__} base_url={self._base_url!r} {state}>"

    async def __aenter__(self) -> Self:
        await self._transport.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool. Closing twice is fine.

        From the moment it begins, no call and no retry starts: they raise
        ``ClientClosedError`` (also a ``RuntimeError``). Calls in flight either
        finish or end with ``ClientClosedError`` saying the client was closed while
        they ran (their connections are closed under them, and a retry wait ends at
        once); a write among them may have been applied. The pool is always closed.
        When the event loop the client was used on ends first, that ending closes the
        pool (``shutdown_asyncgens``) and the client; this is then a no-op. A loop
        closed without ``shutdown_asyncgens()`` leaves sockets that cannot be closed
        any more: this then raises ``RuntimeError`` saying so (once).
        """
        await self._transport.aclose()
