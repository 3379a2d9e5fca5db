"""The SDK's own hooks: what aiohttp's tracing cannot see (calls, attempts, retries, outcomes).

``AsyncZep(hooks=Hooks(on_call_start=..., on_attempt=..., on_retry=..., on_call_end=...))``.
Each hook is a plain (sync) callable taking one small frozen event. Hooks run
inline in the call's task (the runner's thread for ``Zep``), so they must be
quick; an exception in a hook is logged (WARNING, ``zep_async`` logger) and the
call goes on. A client without hooks does no hook work at all.
"""

from __future__ import annotations

import inspect
import itertools
import logging
from collections.abc import Callable
from typing import Any

from attrs import frozen

from . import _validate
from .errors import ZepError

__all__ = [
    "AttemptEvent",
    "CallEndEvent",
    "CallStartEvent",
    "Hooks",
    "RecoveryEvent",
    "RetryEvent",
    "emit",
    "next_call_id",
]

log = logging.getLogger("zep_async")

#: Numbers the calls of every client, so one call's events can be told apart.
next_call_id = itertools.count(1).__next__


@frozen(kw_only=True)
class CallStartEvent:
    """A call begins (after its arguments were checked, before its first attempt).

    Attributes:
        call_id: The same number on every event of this call.
        method: The HTTP method, e.g. ``"GET"``.
        url: The request URL, query included (never the key: it travels in a header).
    """

    call_id: int
    method: str
    url: str


@frozen(kw_only=True)
class AttemptEvent:
    """An attempt is about to be sent; ``attempt`` is ``1`` for the first one."""

    call_id: int
    method: str
    url: str
    attempt: int


@frozen(kw_only=True)
class RetryEvent:
    """An attempt failed and another one follows after ``delay`` seconds.

    Attributes:
        attempt: The attempt that failed (the next is ``attempt + 1``).
        reason: A few words on why, e.g. ``"status 503"`` or ``"ClientConnectorError"``.
        delay: Seconds waited before the next attempt.
        error: The error the failed attempt would have raised.
    """

    call_id: int
    method: str
    url: str
    attempt: int
    reason: str
    delay: float
    error: ZepError


@frozen(kw_only=True)
class CallEndEvent:
    """A call is over, one way or another.

    Attributes:
        attempts: Attempts made (``0`` if it ended before the first one was sent).
        elapsed: Seconds since ``CallStartEvent``.
        status_code: The final HTTP status, if there was an answer.
        error: The exception the call raises, or ``None`` on success (it may be a
            ``CancelledError`` or another ``BaseException``, not only a ``ZepError``).
    """

    call_id: int
    method: str
    url: str
    attempts: int
    elapsed: float
    status_code: int | None
    error: BaseException | None


@frozen(kw_only=True)
class RecoveryEvent:
    """A write succeeded after a resend that followed a failure that may have applied it.

    Emitted after the write's own events (and those of any read-back request).

    Attributes:
        method: The write's HTTP method.
        url: The write's URL.
        attempts: Attempts the write made, the resend included.
        read_back: ``True`` when the resend met the write's own earlier attempt
            ("already exists") and the result was read back with GET requests.
        confirmed: ``False`` only when the server was seen to drop the message uuids
            the SDK set, so the resend may have stored the messages twice.
    """

    method: str
    url: str
    attempts: int
    read_back: bool
    confirmed: bool = True


@frozen(kw_only=True)
class Hooks:
    """Callbacks the transport calls around each call; any may be left out.

    Args:
        on_call_start: Called with a ``CallStartEvent`` as a call begins.
        on_attempt: Called with an ``AttemptEvent`` before each attempt is sent.
        on_retry: Called with a ``RetryEvent`` when a failed attempt will be retried.
        on_call_end: Called with a ``CallEndEvent`` when the call returns or raises.
        on_recovery: Called with a ``RecoveryEvent`` when a write succeeded only
            thanks to a resend after an ambiguous failure (docs/retries.md).

    Example:
        >>> hooks = Hooks(on_retry=lambda event: print(event.reason, event.delay))
        >>> zep = AsyncZep(hooks=hooks)  # doctest: +SKIP
    """

    on_call_start: Callable[[CallStartEvent], object] | None = None
    on_attempt: Callable[[AttemptEvent], object] | None = None
    on_retry: Callable[[RetryEvent], object] | None = None
    on_call_end: Callable[[CallEndEvent], object] | None = None
    on_recovery: Callable[[RecoveryEvent], object] | None = None

    def __attrs_post_init__(self) -> None:
        for name in ("on_call_start", "on_attempt", "on_retry", "on_call_end", "on_recovery"):
            value = getattr(self, name)
            if value is not None and not callable(value):
                raise TypeError(
                    f"{name} must be callable or None, not {_validate.type_name(value)}"
                )
            if inspect.iscoroutinefunction(value):
                raise TypeError(
                    f"{name} must be a plain (sync) callable: hooks run inline and are not "
                    "awaited; schedule async work from it (e.g. loop.create_task)"
                )


def emit(hook: Callable[[Any], object] | None, event: object) -> None:
    """Call ``hook(event)`` if there is a hook; log what it raises and go on."""
    if hook is None:
        return
    try:
        hook(event)
    except Exception:
        log.warning(
            "a zep_async hook (%s) raised on %s; the call goes on",
            getattr(hook, "__qualname__", type(hook).__name__),
            type(event).__name__,
            exc_info=True,
        )
