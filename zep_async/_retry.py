"""When to retry and how long to wait: pure functions and one frozen policy value.

Nothing here does I/O. The transport asks ``next_delay`` after each failed
attempt and sleeps with the policy's own ``sleep``, so tests can run the whole
retry loop on a fake clock.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import NamedTuple

from attrs import Attribute, field, frozen

from ._reply import Resend
from ._validate import check_seconds

__all__ = [
    "IDEMPOTENT_METHODS",
    "READ_METHODS",
    "REFUSED_STATUSES",
    "RETRYABLE_STATUSES",
    "RetryPolicy",
    "Verdict",
    "backoff_delay",
    "decide",
    "may_resend",
    "resend_rule",
    "next_delay",
    "parse_retry_after",
]

#: Statuses worth another try: the request may well succeed a moment later.
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})

#: Methods that may be sent twice without changing the outcome. Zep's POST and
#: PATCH are not (a second add_session fails, a second memory.add stores the
#: messages twice): they are resent only when the server provably did not act.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})

#: Methods that change nothing: no failure of theirs can have applied anything.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: Statuses with which the server refuses a request without acting on it, so
#: that even a write may be sent again (429: too many requests).
REFUSED_STATUSES = frozenset({429})


def _seconds(_: object, attribute: Attribute[float], value: object) -> None:
    check_seconds(attribute.name, value, allow_zero=True)


@frozen(kw_only=True)
class RetryPolicy:
    """How the client waits between attempts.

    The wait before retry *n* (1 for the first retry) is "full jitter"::

        random() * min(max_delay, initial_delay * 2 ** (n - 1))

    unless the server sent a ``Retry-After`` (or ``retry-after-ms``) hint of at
    most ``max_retry_after`` seconds, which is then obeyed exactly. A longer hint
    is not obeyed and not undercut either: the call gives up at once and raises
    the error, whose ``retry_after`` tells the caller how long the server asked for.

    ``sleep``, ``random`` and ``clock`` are injectable so tests can run retries on
    a fake clock. ``RetryPolicy(initial_delay=0, max_delay=0)`` retries with no
    wait at all, which is what most test suites want.

    Attributes:
        initial_delay: Upper bound of the first wait, in seconds.
        max_delay: Cap of every computed wait, in seconds.
        max_retry_after: The longest server hint that is obeyed, in seconds.
        sleep: An awaitable sleep taking seconds (``asyncio.sleep``).
        random: A source of floats in [0, 1) (``random.random``).
        clock: A monotonic clock in seconds, for the overall budget (``time.monotonic``).
    """

    initial_delay: float = field(default=0.5, validator=_seconds)
    max_delay: float = field(default=8.0, validator=_seconds)
    max_retry_after: float = field(default=60.0, validator=_seconds)
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False)
    random: Callable[[], float] = field(default=random.random, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)


def backoff_delay(retry_number: int, policy: RetryPolicy) -> float:
    """Return the jittered wait before retry ``retry_number`` (1-based)."""
    ceiling = min(policy.max_delay, policy.initial_delay * 2.0 ** (retry_number - 1))
    return policy.random() * ceiling


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Read the server's retry hint in seconds, or ``None`` when there is no usable one.

    ``retry-after-ms`` (milliseconds) wins over ``Retry-After``, which may be
    seconds (integer or decimal) or an HTTP date. Negative, non-finite and
    unparsable values are ignored; a date in the past means "now" (0).

    Args:
        headers: Response headers; lookups are tried in lower case and as sent.
        now: The current POSIX time, for HTTP dates (defaults to ``time.time()``).
    """
    millis = _header(headers, "retry-after-ms")
    if millis is not None:
        seconds = _number(millis)
        if seconds is not None:
            return seconds / 1000.0
    value = _header(headers, "retry-after")
    if value is None:
        return None
    seconds = _number(value)
    if seconds is not None:
        return seconds
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT
        return None
    delta = when.timestamp() - (time.time() if now is None else now)
    return max(0.0, delta)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        value = headers.get(name.title())
    return value.strip() if value is not None else None


def _number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    if not math.isfinite(number) or number < 0:
        return None
    return number


def next_delay(
    policy: RetryPolicy,
    *,
    retries_done: int,
    max_retries: int,
    retry_after: float | None,
    remaining: float | None,
    attempt_time: float = 0.0,
) -> float | None:
    """Decide the wait before the next attempt, or ``None`` to give up now.

    A retry is only started when its wait and then a whole attempt
    (``attempt_time``) fit in the time left, so no attempt is cut short by the
    overall budget and the outcome does not hinge on the jitter of a wait.

    Args:
        policy: The waiting rules.
        retries_done: How many retries already happened (0 after the first attempt).
        max_retries: How many retries are allowed in all.
        retry_after: The server's hint in seconds, if any.
        remaining: Seconds left in the call's overall budget, or ``None`` for no budget.
        attempt_time: Seconds the next attempt may take (the per-attempt timeout).
    """
    if retries_done >= max_retries:
        return None
    if retry_after is not None:
        if retry_after > policy.max_retry_after:
            return None
        delay = retry_after
    else:
        delay = backoff_delay(retries_done + 1, policy)
    if remaining is not None and (delay >= remaining or delay + attempt_time > remaining):
        return None
    return delay


def resend_rule(
    method: str, resend: Resend | None, *, retry_writes: bool, recover_writes: bool
) -> Resend:
    """The rule a call runs under: ``ANY``, ``IF_UNSENT`` or ``RECOVERABLE``.

    ``None`` picks by method (idempotent ones: ``ANY``); ``RECOVERABLE`` with recovery
    turned off is ``IF_UNSENT``; ``retry_writes`` turns ``IF_UNSENT`` into ``ANY``.
    """
    if resend is None:
        resend = Resend.ANY if method in IDEMPOTENT_METHODS else Resend.IF_UNSENT
    elif resend is Resend.RECOVERABLE and not recover_writes:
        resend = Resend.IF_UNSENT
    if resend is Resend.IF_UNSENT and retry_writes:
        return Resend.ANY
    return resend


def may_resend(rule: Resend, status: int | None, unsent: bool) -> bool:
    """Whether a failed attempt may be sent again under ``rule``.

    ``status``: the answer's status, ``None`` when there was none (a timeout, a lost
    connection); ``unsent``: the server provably did not act (refused connection,
    connect timeout, 429).
    """
    if status is not None and status not in RETRYABLE_STATUSES:
        return False
    return unsent or rule is not Resend.IF_UNSENT


def still_unapplied(applied: bool, status: int | None, unsent: bool) -> bool:
    """Whether no attempt so far may have applied a write, after one more failed attempt.

    Only an unsent attempt or a 3xx/4xx answer (the server refused without acting)
    leaves it unapplied.
    """
    return not applied and (unsent or (status is not None and status < 500))


class Verdict(NamedTuple):
    """What to do after a failed attempt: wait ``delay`` seconds and retry, or raise.

    ``budget_stop``: the overall budget, not ``max_retries`` or the rule, ended the call.
    """

    delay: float | None
    budget_stop: bool = False


_RAISE = Verdict(None)


def decide(
    policy: RetryPolicy,
    *,
    rule: Resend,
    status: int | None,
    unsent: bool,
    attempt: int,
    max_retries: int,
    retry_after: float | None,
    remaining: float | None,
    attempt_time: float,
) -> Verdict:
    """Decide, after failed attempt number ``attempt``, whether and when to try again.

    Args:
        policy: The waiting rules.
        rule: The call's resend rule (see ``resend_rule``).
        status: The answer's status, or ``None`` when there was no answer.
        unsent: The server provably did not act on the attempt.
        attempt: The failed attempt's number (1 for the first).
        max_retries: How many retries are allowed in all.
        retry_after: The server's hint in seconds, if any.
        remaining: Seconds left in the overall budget, or ``None`` for no budget.
        attempt_time: Seconds the next attempt may take (the per-attempt timeout).
    """
    if not may_resend(rule, status, unsent):
        return _RAISE
    delay = next_delay(
        policy,
        retries_done=attempt - 1,
        max_retries=max_retries,
        retry_after=retry_after,
        remaining=remaining,
        attempt_time=attempt_time,
    )
    if delay is not None:
        return Verdict(delay)
    hint_refused = retry_after is not None and retry_after > policy.max_retry_after
    return Verdict(None, remaining is not None and attempt <= max_retries and not hint_refused)
