"""The transport's limits: error bodies cost a bounded pass, timeouts name the limit that ran out.

Times here are short and margins wide: what is asserted is the number of attempts,
the kind of error and its text, never how long something took.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from zep_async import (
    APITimeoutError,
    AsyncZep,
    InternalServerError,
    NotFoundError,
    RetryPolicy,
)
from zep_async._failures import MAX_ERROR_BODY_BYTES, PAGE_CHARS, page_message, status_error
from zep_async.testing import LocalZep

from .conftest import NO_WAIT

# -- error bodies: one pass over a bounded prefix ---------------------------------------


class CountingStr(str):
    """A page that counts the characters ``find`` scans over it."""

    scanned = 0

    def find(self, sub: str, start: int | None = None, end: int | None = None) -> int:  # type: ignore[override]
        begin = 0 if start is None else start
        found = super().find(sub, begin, len(self) if end is None else end)
        CountingStr.scanned += (found if found >= 0 else len(self)) - begin
        return found


HOSTILE_PAGES = {
    "100k-lt": "<" * 100_000,
    "20k-title": "<title>" * 20_000,
    "20k-title-then-close": "<title>" * 20_000 + "</title>",
    "open-tags-no-close": "<a " * 50_000,
    "alternating": "<>" * 50_000 + "<",
    "title-never-closed": "<title>Broken" + "x<" * 50_000,
}


@pytest.mark.parametrize("name", sorted(HOSTILE_PAGES))
def test_page_search_scans_each_character_a_bounded_number_of_times(name: str) -> None:
    """Pulling a message out of a hostile page scans it in one linear pass, not per tag."""
    page = CountingStr(HOSTILE_PAGES[name][:PAGE_CHARS])
    CountingStr.scanned = 0
    page_message(page)
    assert CountingStr.scanned <= 2 * len(page)


class HugeBody(bytes):
    """An error body that fails the test if anything decodes more than a bounded prefix."""

    def decode(self, *args: object, **kwargs: object) -> str:  # type: ignore[override]
        raise AssertionError("the whole error body was decoded")


@pytest.mark.parametrize("name", sorted(HOSTILE_PAGES))
def test_an_error_is_built_from_a_bounded_prefix_of_its_body(name: str) -> None:
    """Only the first MAX_ERROR_BODY_BYTES are decoded, and the status stays readable."""
    body = HugeBody(HOSTILE_PAGES[name].encode() * 40)
    assert len(body) > MAX_ERROR_BODY_BYTES
    error = status_error(500, "Internal Server Error", {}, body, "GET", "http://h/x")
    assert isinstance(error, InternalServerError)
    assert error.status_code == 500
    assert len(error.message) <= 200
    assert isinstance(error.body, str)
    assert len(error.body) <= MAX_ERROR_BODY_BYTES
    # A page with nothing readable in it falls back to the reason phrase.
    assert any(char.isalnum() for char in error.message)


def test_a_title_is_still_found_after_a_hostile_prefix_is_cut() -> None:
    """The usual page keeps giving its title as the message."""
    page = "<html><head><TITLE>Bad <b>Gateway</b></TITLE></head><body>" + "<" * 100_000
    error = status_error(502, "Bad Gateway", {}, page.encode(), "GET", "http://h/x")
    assert error.message == "Bad Gateway"


def test_a_huge_json_error_message_is_cut() -> None:
    """A JSON error whose message is enormous keeps a bounded message."""
    body = b'{"message": "' + b"m" * 500_000 + b'"}'
    error = status_error(500, "Internal Server Error", {}, body, "GET", "http://h/x")
    assert len(error.message) <= 2_000
    assert error.message.startswith("mmm")


def test_invalid_utf8_in_an_error_body_is_replaced() -> None:
    """Bytes that are not UTF-8 never fail the error's construction."""
    body = b'{"message": "bad \xff\xfe bytes"}'
    error = status_error(503, "Service Unavailable", {}, body, "GET", "http://h/x")
    assert error.message == "bad \ufffd\ufffd bytes"


def test_a_byte_order_mark_does_not_hide_the_json_message() -> None:
    """A JSON error that starts with a UTF-8 byte-order mark still gives its message."""
    body = b'\xef\xbb\xbf{"message": "session not found"}'
    error = status_error(404, "Not Found", {}, body, "GET", "http://h/x")
    assert error.message == "session not found"


async def test_a_hostile_html_page_from_the_server_gives_the_status(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """A 500 whose HTML body is 100,000 '<' is an InternalServerError with a readable text."""
    local_zep.add_session("s")
    local_zep.fail("get_session", 500, body="<" * 100_000, content_type="text/html")
    with pytest.raises(InternalServerError) as info:
        await client.memory.get_session("s", request_options={"max_retries": 0})
    assert str(info.value).startswith("500 Internal Server Error: Internal Server Error")


async def test_a_huge_json_error_body_is_read_only_in_part(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """A 5 MB JSON error is not parsed whole: the status and a short excerpt remain."""
    local_zep.add_session("s")
    body = b'{"message": "' + b"m" * (5 << 20) + b'"}'
    local_zep.fail("get_session", 503, body=body, content_type="application/json")
    with pytest.raises(InternalServerError) as info:
        await client.memory.get_session("s", request_options={"max_retries": 0})
    assert info.value.status_code == 503
    assert isinstance(info.value.body, str)
    assert len(info.value.body) <= MAX_ERROR_BODY_BYTES
    assert len(info.value.message) <= 200


# -- the budget and the per-attempt timeout ----------------------------------------------


class SkipClock:
    """The real monotonic clock plus the waits the client asked for, which take no time."""

    def __init__(self) -> None:
        self.skipped = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return time.monotonic() + self.skipped

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.skipped += seconds


@pytest_asyncio.fixture
async def served(local_zep: LocalZep) -> AsyncIterator[LocalZep]:
    local_zep.add_session("s")
    yield local_zep


def _client(server: LocalZep, policy: RetryPolicy, **settings: float) -> AsyncZep:
    return AsyncZep(
        api_key=server.api_key,
        base_url=server.base_url,
        retry_policy=policy,
        **settings,  # type: ignore[arg-type]
    )


async def test_max_retries_is_not_cut_by_the_per_call_timeout(served: LocalZep) -> None:
    """timeout_in_seconds with max_retries=5 against a stalled server makes all 6 attempts."""
    served.stall("get_session", times=10)
    async with _client(served, NO_WAIT) as zep:
        with pytest.raises(APITimeoutError) as info:
            await zep.memory.get_session(
                "s", request_options={"timeout_in_seconds": 0.05, "max_retries": 5}
            )
    assert info.value.attempts == 6
    assert served.count("get_session") == 6
    assert "attempt 6 took longer than the per-attempt timeout of 0.05 s" in str(info.value)


async def test_a_budget_shorter_than_the_timeout_is_named(served: LocalZep) -> None:
    """When total_timeout ends the only attempt, the error names it and its value."""
    served.stall("get_session", times=2)
    async with _client(served, NO_WAIT, timeout=30, total_timeout=0.1) as zep:
        with pytest.raises(APITimeoutError) as info:
            await zep.memory.get_session("s")
    assert info.value.attempts == 1
    assert "the overall budget total_timeout=0.1 s ran out during attempt 1" in str(info.value)
    assert "per-attempt timeout 30 s" in str(info.value)
    assert "no retry" not in str(info.value)  # said once, not twice


async def test_no_retry_starts_without_room_for_a_whole_attempt(served: LocalZep) -> None:
    """With 0.2 s attempts in a 0.5 s budget, a third attempt is never started on a sliver."""
    served.stall("get_session", times=5)
    async with _client(served, NO_WAIT, timeout=0.2, total_timeout=0.5, max_retries=5) as zep:
        with pytest.raises(APITimeoutError) as info:
            await zep.memory.get_session("s")
    assert info.value.attempts == 2
    assert served.count("get_session") == 2
    text = str(info.value)
    assert "attempt 2 took longer than the per-attempt timeout of 0.2 s" in text
    assert "total_timeout=0.5 s leaves no room for another attempt of 0.2 s" in text
    assert "(2 attempts made)" in text


async def test_a_timeout_names_the_last_answer_seen(served: LocalZep) -> None:
    """A 503, then a stall: the timeout says the last answer was that 503."""
    served.fail("get_session", 503)
    served.stall("get_session")
    async with _client(served, NO_WAIT, timeout=0.1, max_retries=1) as zep:
        with pytest.raises(APITimeoutError) as info:
            await zep.memory.get_session("s")
    assert "the last answer was status 503 on attempt 1" in str(info.value)


@pytest.mark.parametrize("jitter", [0.0, 0.3, 0.6, 0.99])
async def test_the_same_server_gives_the_same_error_whatever_the_jitter(
    served: LocalZep, jitter: float
) -> None:
    """A 503 after 0.3 s with timeout=0.8, total 1: always the 503, never a timeout."""
    served.fail("get_session", 503, times=5)
    served.delay("get_session", 0.3, times=5)
    clock = SkipClock()
    policy = RetryPolicy(sleep=clock.sleep, clock=clock.clock, random=lambda: jitter)
    async with _client(served, policy, timeout=0.8, total_timeout=1.0, max_retries=3) as zep:
        with pytest.raises(InternalServerError) as info:
            await zep.memory.get_session("s")
    assert info.value.status_code == 503


async def test_a_wait_that_leaves_a_sliver_is_not_taken(served: LocalZep) -> None:
    """A 503 at once, waits of 0.25 then 0.5 s, 0.6 s attempts, a 1 s budget: two attempts."""
    served.fail("get_session", 503, times=5)
    clock = SkipClock()
    policy = RetryPolicy(sleep=clock.sleep, clock=clock.clock, random=lambda: 0.5)
    async with _client(served, policy, timeout=0.6, total_timeout=1.0, max_retries=5) as zep:
        with pytest.raises(InternalServerError) as info:
            await zep.memory.get_session("s")
    assert info.value.attempts == 2
    assert clock.sleeps == [0.25]


# -- trust_env: nothing outside the budget ----------------------------------------------


@pytest.fixture
def busy_default_executor() -> Iterator[threading.Event]:
    """Fill the running loop's default executor with jobs that wait for the test to end."""
    release = threading.Event()
    yield release
    release.set()


async def test_trust_env_does_not_wait_for_the_default_executor(
    served: LocalZep, busy_default_executor: threading.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With every default-executor thread busy, a trust_env call still answers at once."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    loop = asyncio.get_running_loop()
    blockers = [loop.run_in_executor(None, busy_default_executor.wait) for _ in range(64)]
    try:
        async with AsyncZep(
            api_key=served.api_key, base_url=served.base_url, trust_env=True, total_timeout=5
        ) as zep:
            session = await asyncio.wait_for(zep.memory.get_session("s"), 10)
        assert session.session_id == "s"
    finally:
        busy_default_executor.set()
        await asyncio.gather(*blockers)


# -- base URLs ----------------------------------------------------------------------------


async def test_a_404_that_is_not_the_apis_says_the_url_may_be_wrong(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """A router's plain-text 404 names the URL and says it may be wrong."""
    local_zep.fail("get_session", 404, body="404 page not found", content_type="text/plain")
    with pytest.raises(NotFoundError) as info:
        await client.memory.get_session("s")
    text = str(info.value)
    assert "404 page not found" in text
    assert "the URL may be wrong" in text
    assert f"{local_zep.base_url}/sessions/s" in text


async def test_the_apis_own_404_is_left_as_it_is(local_zep: LocalZep, client: AsyncZep) -> None:
    """A JSON 404 (an unknown session) keeps the server's message alone."""
    with pytest.raises(NotFoundError) as info:
        await client.memory.get_session("missing")
    assert "URL may be wrong" not in str(info.value)
