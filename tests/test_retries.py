"""Retries against the local server: which failures are retried, how often, how long."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
import pytest_asyncio

from zep_async import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncZep,
    InternalServerError,
    RateLimitError,
    RequestOptions,
    RetryPolicy,
)
from zep_async.testing import LocalZep

RETRIED = [408, 429, 500, 502, 503, 504]
NOT_RETRIED = [400, 401, 403, 404, 409, 410, 413, 422]


class FakeClock:
    """A monotonic clock and sleep that only move when the client sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake() -> FakeClock:
    return FakeClock()


@pytest_asyncio.fixture
async def zep(local_zep: LocalZep, fake: FakeClock) -> AsyncIterator[AsyncZep]:
    local_zep.add_session("s")
    policy = RetryPolicy(sleep=fake.sleep, clock=fake.clock, random=lambda: 0.5)
    async with AsyncZep(
        api_key=local_zep.api_key, base_url=local_zep.base_url, retry_policy=policy
    ) as client:
        yield client


@pytest.mark.parametrize("status", RETRIED)
async def test_retried_statuses_then_success(
    local_zep: LocalZep, zep: AsyncZep, fake: FakeClock, status: int
) -> None:
    """Two failures of a retried status, then success: three attempts at the server."""
    local_zep.fail("get_session", status, times=2)
    session = await zep.memory.get_session("s")
    assert session.session_id == "s"
    assert local_zep.count("get_session") == 3
    # Full jitter with random() = 0.5: half of 0.5 s, then half of 1 s.
    assert fake.sleeps == [0.25, 0.5]


@pytest.mark.parametrize("status", NOT_RETRIED)
async def test_other_statuses_are_not_retried(
    local_zep: LocalZep, zep: AsyncZep, fake: FakeClock, status: int
) -> None:
    """Client errors are final: exactly one attempt, and the typed error."""
    local_zep.fail("get_session", status, times=3, json={"message": "no"})
    with pytest.raises(APIStatusError) as info:
        await zep.memory.get_session("s")
    assert info.value.status_code == status
    assert info.value.attempts == 1
    assert local_zep.count("get_session") == 1
    assert fake.sleeps == []


async def test_exhaustion_raises_the_last_error(local_zep: LocalZep, zep: AsyncZep) -> None:
    """After max_retries + 1 failures the last error is raised with the attempt count."""
    local_zep.fail("get_session", 503, times=2, json={"message": "busy"})
    local_zep.fail("get_session", 502, times=5, json={"message": "bad gateway"})
    with pytest.raises(InternalServerError) as info:
        await zep.memory.get_session("s")
    assert info.value.status_code == 502
    assert info.value.attempts == 3
    assert local_zep.count("get_session") == 3


async def test_max_retries_zero_is_one_attempt(local_zep: LocalZep) -> None:
    """A client built with max_retries=0 tries exactly once."""
    local_zep.fail("list_sessions", 503, times=3)
    async with AsyncZep(
        api_key=local_zep.api_key, base_url=local_zep.base_url, max_retries=0
    ) as zep:
        with pytest.raises(InternalServerError):
            await zep.memory.list_sessions()
    assert local_zep.count() == 1


@pytest.mark.parametrize(("client_retries", "call_retries", "attempts"), [(0, 3, 4), (5, 0, 1)])
async def test_per_call_max_retries_wins(
    local_zep: LocalZep,
    fake: FakeClock,
    client_retries: int,
    call_retries: int,
    attempts: int,
) -> None:
    """request_options max_retries overrides the client's, including 0."""
    local_zep.fail("list_sessions", 500, times=10)
    policy = RetryPolicy(sleep=fake.sleep, clock=fake.clock)
    async with AsyncZep(
        api_key=local_zep.api_key,
        base_url=local_zep.base_url,
        max_retries=client_retries,
        retry_policy=policy,
    ) as zep:
        with pytest.raises(InternalServerError) as info:
            await zep.memory.list_sessions(request_options={"max_retries": call_retries})
    assert info.value.attempts == attempts
    assert local_zep.count() == attempts


@pytest.mark.parametrize(
    "options",
    [
        {"additional_headers": {"X-Trace": "1"}},
        {"additional_query_parameters": {"x": "1"}},
        {"retry_writes": True},
    ],
)
async def test_options_that_set_no_limit_keep_the_clients_limits(
    local_zep: LocalZep, fake: FakeClock, options: RequestOptions
) -> None:
    """A call's options without a limit in them leave max_retries and the budget as set."""
    local_zep.fail("list_sessions", 500, times=10)
    policy = RetryPolicy(sleep=fake.sleep, clock=fake.clock, random=lambda: 0.5)
    async with AsyncZep(
        api_key=local_zep.api_key,
        base_url=local_zep.base_url,
        max_retries=2,
        retry_policy=policy,
    ) as zep:
        with pytest.raises(InternalServerError) as info:
            await zep.memory.list_sessions(request_options=options)
    assert info.value.attempts == 3
    assert local_zep.count() == 3


def _http_date(seconds_from_now: float) -> str:
    return format_datetime(datetime.fromtimestamp(time.time() + seconds_from_now, UTC), usegmt=True)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "3"}, 3.0),
        ({"Retry-After": "1.5"}, 1.5),
        ({"retry-after-ms": "250"}, 0.25),
        ({"Retry-After": "-5"}, 0.25),
        ({"Retry-After": "whenever"}, 0.25),
    ],
)
async def test_retry_after_hints(
    local_zep: LocalZep, zep: AsyncZep, fake: FakeClock, headers: dict[str, str], expected: float
) -> None:
    """Sane hints are obeyed exactly; negative or garbage ones fall back to the backoff."""
    local_zep.fail("get_session", 429, headers=headers)
    await zep.memory.get_session("s")
    assert fake.sleeps == [pytest.approx(expected)]


async def test_retry_after_http_date(local_zep: LocalZep, zep: AsyncZep, fake: FakeClock) -> None:
    """An HTTP-date hint is turned into the seconds until then."""
    local_zep.fail("get_session", 503, headers={"Retry-After": _http_date(10)})
    await zep.memory.get_session("s")
    assert len(fake.sleeps) == 1
    assert 8.0 <= fake.sleeps[0] <= 10.0


async def test_absurd_retry_after_gives_up_at_once(
    local_zep: LocalZep, zep: AsyncZep, fake: FakeClock
) -> None:
    """A hint above 60 s is not obeyed: the error is raised at once, carrying the hint."""
    local_zep.fail("get_session", 429, headers={"Retry-After": "3600"}, times=3)
    with pytest.raises(RateLimitError) as info:
        await zep.memory.get_session("s")
    assert info.value.retry_after == 3600.0
    assert info.value.attempts == 1
    assert fake.sleeps == []


@pytest.mark.parametrize("fault", ["drop_connection", "cut_body"])
async def test_broken_connections_are_retried(
    local_zep: LocalZep, zep: AsyncZep, fault: str
) -> None:
    """A connection dropped before the answer, or a body cut short, is retried."""
    getattr(local_zep, fault)("get_session")
    assert (await zep.memory.get_session("s")).session_id == "s"
    assert local_zep.count("get_session") == 2


@pytest.mark.parametrize("fault", ["drop_connection", "cut_body"])
async def test_broken_connections_raise_connection_error(
    local_zep: LocalZep, zep: AsyncZep, fault: str
) -> None:
    """Without retries a broken connection is an APIConnectionError, not an aiohttp error."""
    getattr(local_zep, fault)("get_session")
    with pytest.raises(APIConnectionError) as info:
        await zep.memory.get_session("s", request_options={"max_retries": 0})
    assert info.value.__cause__ is not None


async def test_stale_keep_alive_connection(local_zep: LocalZep, zep: AsyncZep) -> None:
    """A pooled connection the server closed meanwhile does not fail the next call."""
    await zep.memory.get_session("s")
    await local_zep.close_idle_connections()
    assert (await zep.memory.get_session("s")).session_id == "s"


async def test_timeout_is_typed_and_prompt(local_zep: LocalZep) -> None:
    """A stalled answer ends in APITimeoutError naming the per-attempt timeout."""
    local_zep.stall("get_session", times=5)
    async with AsyncZep(
        api_key=local_zep.api_key, base_url=local_zep.base_url, timeout=0.3, max_retries=0
    ) as zep:
        with pytest.raises(APITimeoutError, match=r"per-attempt timeout of 0\.3 s") as info:
            await asyncio.wait_for(zep.memory.get_session("s"), 30)  # a hang guard only
    assert info.value.attempts == 1


async def test_total_timeout_bounds_the_whole_call(local_zep: LocalZep) -> None:
    """With every attempt timing out, the call still ends within total_timeout."""
    local_zep.stall("get_session", times=20)
    policy = RetryPolicy(initial_delay=0, max_delay=0)
    async with AsyncZep(
        api_key=local_zep.api_key,
        base_url=local_zep.base_url,
        timeout=0.3,
        total_timeout=0.7,
        max_retries=10,
        retry_policy=policy,
    ) as zep:
        with pytest.raises(APITimeoutError, match=r"total_timeout=0\.7 s") as info:
            await asyncio.wait_for(zep.memory.get_session("s"), 30)  # a hang guard only
    # No wall clock: a busy machine may fit one attempt fewer, never more than 0.7 / 0.3.
    assert 1 <= info.value.attempts <= 3


async def test_non_idempotent_requests_are_not_retried(local_zep: LocalZep, zep: AsyncZep) -> None:
    """A POST is sent once even on a retryable status, unless the caller opts in."""
    local_zep.fail("add_session", 503, times=5)
    with pytest.raises(InternalServerError) as info:
        await zep._transport.send("POST", "/sessions")
    assert info.value.attempts == 1
    with pytest.raises(InternalServerError) as info:
        await zep._transport.send("POST", "/sessions", options={"retry_writes": True})
    assert info.value.attempts == 3


async def test_retries_are_logged_at_info_without_the_key(
    local_zep: LocalZep, zep: AsyncZep, caplog: pytest.LogCaptureFixture
) -> None:
    """Each retry logs method, path, attempt n of m, cause and delay; never the key."""
    caplog.set_level(logging.INFO, logger="zep_async")
    local_zep.fail("get_session", 503, times=2)
    await zep.memory.get_session("s")
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    url = f"{local_zep.base_url}/sessions/s"
    assert lines == [
        f"retrying GET {url} (attempt 2 of 3) after status 503 in 0.250 s",
        f"retrying GET {url} (attempt 3 of 3) after status 503 in 0.500 s",
    ]
    assert local_zep.api_key not in caplog.text
