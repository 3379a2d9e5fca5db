"""The retry decision as tables: ``resend_rule``, ``may_resend``, ``still_unapplied``, ``decide``.

No network: each row is an attempt's outcome and what the transport must do next.
"""

from __future__ import annotations

import pytest

from zep_async import RetryPolicy
from zep_async._reply import Resend
from zep_async._retry import Verdict, decide, may_resend, resend_rule, still_unapplied

ANY, IF_UNSENT, RECOVERABLE = Resend.ANY, Resend.IF_UNSENT, Resend.RECOVERABLE
#: Waits of exactly ``max_delay`` (random() == 1), so delays are known.
FIXED = RetryPolicy(initial_delay=1.0, max_delay=1.0, random=lambda: 1.0)


@pytest.mark.parametrize(
    ("method", "resend", "retry_writes", "recover_writes", "rule"),
    [
        ("GET", None, False, True, ANY),
        ("HEAD", None, False, True, ANY),
        ("OPTIONS", None, False, True, ANY),
        ("DELETE", None, False, True, ANY),
        ("PUT", None, False, True, ANY),
        ("POST", None, False, True, IF_UNSENT),
        ("PATCH", None, False, True, IF_UNSENT),
        ("POST", None, True, True, ANY),
        ("PATCH", None, True, False, ANY),
        ("POST", ANY, False, True, ANY),
        ("POST", IF_UNSENT, False, True, IF_UNSENT),
        ("POST", IF_UNSENT, True, True, ANY),
        ("POST", RECOVERABLE, False, True, RECOVERABLE),
        ("POST", RECOVERABLE, False, False, IF_UNSENT),
        ("POST", RECOVERABLE, True, False, ANY),
        ("POST", RECOVERABLE, True, True, RECOVERABLE),
    ],
)
def test_resend_rule_table(
    method: str, resend: Resend | None, retry_writes: bool, recover_writes: bool, rule: Resend
) -> None:
    """The rule a call runs under follows from its method, its resend and the two switches."""
    got = resend_rule(method, resend, retry_writes=retry_writes, recover_writes=recover_writes)
    assert got is rule


@pytest.mark.parametrize(
    ("rule", "status", "unsent", "allowed"),
    [
        # No answer at all (timeout, dropped connection after sending): ambiguous.
        (ANY, None, False, True),
        (RECOVERABLE, None, False, True),
        (IF_UNSENT, None, False, False),
        # Provably unsent (refused connection, connect timeout): every rule resends.
        (ANY, None, True, True),
        (RECOVERABLE, None, True, True),
        (IF_UNSENT, None, True, True),
        # 429 refuses without acting: every rule resends.
        (IF_UNSENT, 429, True, True),
        (RECOVERABLE, 429, True, True),
        # 5xx: ambiguous.
        (ANY, 503, False, True),
        (RECOVERABLE, 500, False, True),
        (IF_UNSENT, 502, False, False),
        (ANY, 408, False, True),
        # Not retryable statuses: never, whatever the rule.
        (ANY, 400, False, False),
        (ANY, 404, False, False),
        (RECOVERABLE, 409, False, False),
        (ANY, 501, False, False),
    ],
)
def test_may_resend_table(rule: Resend, status: int | None, unsent: bool, allowed: bool) -> None:
    """Which failures each rule may send again."""
    assert may_resend(rule, status, unsent) is allowed


@pytest.mark.parametrize(
    ("applied", "status", "unsent", "unapplied"),
    [
        (False, None, True, True),  # never reached the server
        (False, 429, True, True),
        (False, 404, False, True),  # refused without acting
        (False, 503, False, False),  # may have acted
        (False, None, False, False),  # timeout / dropped after sending
        (True, 404, False, False),  # an earlier attempt may have acted: stays so
        (True, None, True, False),
    ],
)
def test_still_unapplied_table(
    applied: bool, status: int | None, unsent: bool, unapplied: bool
) -> None:
    """may_have_been_applied is sticky: once an attempt may have applied a write, it stays."""
    assert still_unapplied(applied, status, unsent) is unapplied


def _decide(**overrides: object) -> Verdict:
    args: dict[str, object] = {
        "rule": ANY,
        "status": 503,
        "unsent": False,
        "attempt": 1,
        "max_retries": 2,
        "retry_after": None,
        "remaining": None,
        "attempt_time": 10.0,
    }
    args.update(overrides)
    return decide(FIXED, **args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "verdict"),
    [
        ({}, Verdict(1.0)),
        ({"attempt": 2}, Verdict(1.0)),
        ({"attempt": 3}, Verdict(None)),  # max_retries=2 spent
        ({"max_retries": 0}, Verdict(None)),
        ({"rule": IF_UNSENT}, Verdict(None)),  # a 503 to a write that may not be resent
        ({"rule": IF_UNSENT, "status": 429, "unsent": True}, Verdict(1.0)),
        ({"status": 400}, Verdict(None)),
        ({"retry_after": 3.0}, Verdict(3.0)),  # the hint is obeyed exactly
        ({"retry_after": 61.0}, Verdict(None)),  # over max_retry_after: give up
        ({"remaining": 30.0}, Verdict(1.0)),
        ({"remaining": 10.5}, Verdict(None, budget_stop=True)),  # wait + attempt do not fit
        ({"remaining": 10.5, "retry_after": 61.0}, Verdict(None)),  # the hint, not the budget
        ({"remaining": 5.0, "attempt": 3}, Verdict(None)),  # max_retries, not the budget
        ({"remaining": 11.0, "attempt_time": 0.0}, Verdict(1.0)),
        ({"status": None, "rule": RECOVERABLE}, Verdict(1.0)),  # a timeout of a recoverable write
    ],
)
def test_decide_table(overrides: dict[str, object], verdict: Verdict) -> None:
    """What follows a failed attempt: the wait before the next one, or raise (and why)."""
    assert _decide(**overrides) == verdict


def test_decide_is_pure() -> None:
    """The same inputs give the same verdict: no clock or state is read."""
    assert [_decide(remaining=10.5) for _ in range(3)] == [Verdict(None, budget_stop=True)] * 3
