"""The transport's configuration, and the limits each call resolves from it."""

from __future__ import annotations

import math
import ssl as ssl_module
from collections.abc import Mapping

import aiohttp
from attrs import frozen
from multidict import CIMultiDict

from .._hooks import Hooks
from .._options import CheckedOptions
from .._retry import RetryPolicy

__all__ = ["Settings", "TransportConfig", "call_settings", "exact_timeout", "resolve"]


@frozen(kw_only=True)
class TransportConfig:
    """Everything the transport needs, validated by the client beforehand."""

    base_url: str
    api_key: str
    timeout: float
    total_timeout: float | None
    max_retries: int
    headers: Mapping[str, str]
    retry_policy: RetryPolicy
    max_connections: int
    ssl: ssl_module.SSLContext | bool
    trust_env: bool
    retry_writes: bool = False
    #: Whether a write its resource confirms itself (``Resend.RECOVERABLE``) is resent
    #: after an ambiguous failure; ``False``: only when provably unsent.
    recover_writes: bool = True
    #: Seconds to get a connection (pool slot, DNS, TCP and TLS set-up); None: no own limit.
    connect_timeout: float | None = None
    hooks: Hooks | None = None
    trace_configs: tuple[aiohttp.TraceConfig, ...] = ()
    #: The application's session (never closed here); None: the transport makes its own.
    http_session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:
        return f"TransportConfig(base_url={self.base_url!r}, api_key='***')"


@frozen
class Settings:
    """The resolved limits of one call."""

    timeout: float
    total_timeout: float | None
    max_retries: int
    connect_timeout: float | None
    client_timeout: aiohttp.ClientTimeout
    #: The first attempt's limit: ``timeout``, or the whole budget when that is shorter.
    first_timeout: aiohttp.ClientTimeout


def call_settings(
    timeout: float, total_timeout: float | None, max_retries: int, connect: float | None = None
) -> Settings:
    """The limits of a call with this per-attempt ``timeout``, overall budget and connect limit.

    ``connect`` is aiohttp's ``connect``: getting a connection, a free pool slot, DNS,
    TCP and TLS set-up included; it runs inside the attempt's own limit.
    """
    client_timeout = exact_timeout(timeout, connect)
    first = client_timeout
    if total_timeout is not None and total_timeout < timeout:
        first = exact_timeout(total_timeout, connect)
    return Settings(timeout, total_timeout, max_retries, connect, client_timeout, first)


def exact_timeout(total: float, connect: float | None) -> aiohttp.ClientTimeout:
    """An aiohttp limit that ends when it says, on the loop's clock.

    aiohttp rounds a limit over its ``ceil_threshold`` (5 s by default) up to the next
    whole second of the loop's clock, so ``total_timeout=5`` would end up to 6 s late.
    """
    return aiohttp.ClientTimeout(total=total, connect=connect, ceil_threshold=math.inf)


#: The request options that change a call's limits (its ``Settings``).
_LIMIT_KEYS = frozenset(
    {
        "timeout_in_seconds",
        "total_timeout_in_seconds",
        "connect_timeout_in_seconds",
        "max_retries",
    }
)


def resolve(
    defaults: Settings, headers: CIMultiDict[str], options: CheckedOptions | None
) -> tuple[Settings, CIMultiDict[str] | None]:
    """A call's limits, and its headers if they differ from the session's ``headers``."""
    if not options:
        return defaults, None
    settings = defaults
    # Options that set no limit (retry_writes, headers, query) reuse the defaults.
    if not _LIMIT_KEYS.isdisjoint(options):
        settings = call_settings(
            options.get("timeout_in_seconds", defaults.timeout),
            options.get("total_timeout_in_seconds", defaults.total_timeout),
            options.get("max_retries", defaults.max_retries),
            options.get("connect_timeout_in_seconds", defaults.connect_timeout),
        )
    extra = options.get("additional_headers")
    if not extra:
        return settings, None
    merged = headers.copy()
    for name, value in extra.items():
        merged[name] = value  # replaces every spelling of the name
    return settings, merged
