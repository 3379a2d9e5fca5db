"""The retry policy's pure parts: backoff bounds, hint parsing, the decision."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from zep_async import RetryPolicy
from zep_async._retry import backoff_delay, next_delay, parse_retry_after

NOW = 1_700_000_000.0


def _policy(rand: float = 1.0, **kwargs: float) -> RetryPolicy:
    return RetryPolicy(random=lambda: rand, **kwargs)


@pytest.mark.parametrize(
    ("retry_number", "ceiling"),
    [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 8.0), (6, 8.0), (30, 8.0)],
)
def test_backoff_ceiling_doubles_then_caps(retry_number: int, ceiling: float) -> None:
    """The jitter ceiling starts at 0.5 s, doubles per retry and stops at 8 s."""
    assert backoff_delay(retry_number, _policy(1.0)) == pytest.approx(ceiling)


@pytest.mark.parametrize("rand", [0.0, 0.25, 0.999])
def test_backoff_is_full_jitter(rand: float) -> None:
    """The delay is the random draw times the ceiling, from 0 up to the ceiling."""
    assert backoff_delay(3, _policy(rand)) == pytest.approx(rand * 2.0)


def test_zero_wait_policy_never_waits() -> None:
    """RetryPolicy(initial_delay=0, max_delay=0) is the documented no-wait switch."""
    policy = RetryPolicy(initial_delay=0, max_delay=0)
    assert all(backoff_delay(n, policy) == 0 for n in range(1, 10))


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"Retry-After": "0"}, 0.0),
        ({"Retry-After": "3"}, 3.0),
        ({"Retry-After": "1.5"}, 1.5),
        ({"retry-after": " 2 "}, 2.0),
        ({"Retry-After": "-10"}, None),
        ({"Retry-After": "inf"}, None),
        ({"Retry-After": "nan"}, None),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": ""}, None),
        ({"Retry-After": "1e400"}, None),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "Retry-After": "9"}, 0.25),
        ({"retry-after-ms": "junk", "Retry-After": "9"}, 9.0),
        ({"Retry-After-Ms": "-1"}, None),
        ({"Retry-After": format_datetime(datetime.fromtimestamp(NOW + 30, UTC), usegmt=True)}, 30),
        ({"Retry-After": format_datetime(datetime.fromtimestamp(NOW - 30, UTC), usegmt=True)}, 0),
        ({"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"}, 253402300799 - NOW),
        ({"Retry-After": "Mon, 99 Foo 2024 25:61:61 GMT"}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    """Hints are read from retry-after-ms, then seconds, then an HTTP date; bad ones ignored."""
    result = parse_retry_after(headers, now=NOW)
    if expected is None:
        assert result is None
    else:
        assert result is not None
        assert math.isclose(result, expected, abs_tol=1e-6)


def _decide(policy: RetryPolicy, done: int, most: int, *, remaining: float | None) -> float | None:
    return next_delay(
        policy, retries_done=done, max_retries=most, retry_after=None, remaining=remaining
    )


def test_next_delay_stops_when_retries_are_used_up() -> None:
    """No delay once retries_done reaches max_retries; 0 retries means one attempt."""
    policy = _policy(0.5)
    assert _decide(policy, 0, 0, remaining=None) is None
    assert _decide(policy, 2, 2, remaining=None) is None
    assert _decide(policy, 1, 2, remaining=None) == 0.5


def test_next_delay_obeys_a_sane_hint_exactly() -> None:
    """A Retry-After within max_retry_after replaces the backoff."""
    delay = next_delay(_policy(0.1), retries_done=0, max_retries=2, retry_after=7.0, remaining=None)
    assert delay == 7.0


def test_next_delay_gives_up_on_an_absurd_hint() -> None:
    """A hint longer than max_retry_after ends the retries instead of hammering or hanging."""
    policy = _policy(0.1, max_retry_after=60)
    assert next_delay(policy, retries_done=0, max_retries=5, retry_after=61, remaining=None) is None


def test_next_delay_respects_the_overall_budget() -> None:
    """A wait that would reach past the call's budget is not started."""
    policy = _policy(1.0)
    assert _decide(policy, 0, 2, remaining=0.4) is None
    assert _decide(policy, 0, 2, remaining=0.6) == 0.5


def test_next_delay_needs_room_for_a_whole_attempt_after_the_wait() -> None:
    """A retry is scheduled only when its wait plus one full attempt fit in the budget."""
    policy = _policy(1.0)  # the first wait: 1.0 * 0.5 s

    def decide(remaining: float) -> float | None:
        return next_delay(
            policy,
            retries_done=0,
            max_retries=2,
            retry_after=None,
            remaining=remaining,
            attempt_time=1.0,
        )

    assert decide(1.5) == 0.5  # exactly fits
    assert decide(1.49) is None  # the attempt would be cut short: not started
    assert decide(10.0) == 0.5


@pytest.mark.parametrize("jitter", [0.0, 0.25, 0.5, 0.75, 0.999])
def test_a_scheduled_retry_always_gets_its_whole_timeout(jitter: float) -> None:
    """Whatever the jitter, a retry either gets its full timeout or is not started."""
    policy = _policy(jitter, initial_delay=1.0)
    for remaining in (0.5, 1.0, 1.2, 1.6, 2.0, 3.0):
        delay = next_delay(
            policy,
            retries_done=0,
            max_retries=3,
            retry_after=None,
            remaining=remaining,
            attempt_time=1.0,
        )
        assert delay is None or remaining - delay >= 1.0


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("initial_delay", -1, ValueError),
        ("max_delay", float("inf"), ValueError),
        ("max_retry_after", "5", TypeError),
        ("initial_delay", True, TypeError),
    ],
)
def test_policy_rejects_bad_values(field: str, value: object, error: type[Exception]) -> None:
    """RetryPolicy names the bad field."""
    with pytest.raises(error, match=field):
        RetryPolicy(**{field: value})  # type: ignore[arg-type]
