"""Auto-pagination: every session exactly once, in order, with bounded prefetch."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zep_async import AsyncZep, InternalServerError, Session, SessionListResponse, Zep
from zep_async.pagination import PageWalker, unique_items, walk_pages
from zep_async.testing import LocalZep

from .conftest import NO_WAIT, no_client_tasks_left

# -- the generic walker, driven by a fake fetch --------------------------------------


class FakePages:
    """A list of ``total`` numbers served as pages, recording which pages were asked for."""

    def __init__(self, total: int, page_size: int, *, report_total: bool = True) -> None:
        self.items = list(range(total))
        self.page_size = page_size
        self.report_total = report_total
        self.asked: list[int] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.gates: dict[int, asyncio.Event] = {}
        self.asked_four = asyncio.Event()

    async def fetch(self, number: int) -> tuple[list[int], int | None]:
        self.asked.append(number)
        if len(self.asked) == 4:
            self.asked_four.set()
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            gate = self.gates.get(number)
            if gate is not None:
                await gate.wait()
            await asyncio.sleep(0)  # let other fetches start, as real I/O would
            start = (number - 1) * self.page_size
            page = self.items[start : start + self.page_size]
            return page, len(self.items) if self.report_total else None
        finally:
            self.in_flight -= 1

    def walk(self, prefetch: int) -> AsyncIterator[tuple[list[int], int | None]]:
        return walk_pages(
            PageWalker(
                self.fetch,
                page_size=self.page_size,
                prefetch=prefetch,
                count=lambda page: len(page[0]),
                total=lambda page: page[1],
            )
        )


async def _flatten(pages: AsyncIterator[tuple[list[int], int | None]]) -> list[int]:
    return [item async for page in pages for item in page[0]]


@pytest.mark.parametrize(
    ("total", "page_size", "pages_asked"),
    [
        (0, 10, [1]),  # an empty first page ends the walk
        (7, 10, [1]),  # a short first page is the last
        (10, 10, [1]),  # a full page that reaches total_count is the last
        (25, 10, [1, 2, 3]),  # the short third page
        (30, 10, [1, 2, 3]),  # total_count reached on a full page: no empty page 4
    ],
)
async def test_walk_stops_without_asking_past_the_end(
    total: int, page_size: int, pages_asked: list[int]
) -> None:
    """The walk yields every item and requests no page beyond the last one."""
    fake = FakePages(total, page_size)
    assert await _flatten(fake.walk(prefetch=4)) == list(range(total))
    assert sorted(fake.asked) == pages_asked


async def test_without_a_total_it_pages_until_a_short_page() -> None:
    """With no total_count the walk goes one page at a time and ends at the empty page."""
    fake = FakePages(30, 10, report_total=False)
    assert await _flatten(fake.walk(prefetch=4)) == list(range(30))
    assert fake.asked == [1, 2, 3, 4]
    assert fake.most_in_flight == 1


@pytest.mark.parametrize("prefetch", [1, 2, 5])
async def test_prefetch_bounds_pages_in_flight(prefetch: int) -> None:
    """No more than ``prefetch`` pages are ever requested at once; 1 is strictly sequential."""
    fake = FakePages(200, 10)
    assert await _flatten(fake.walk(prefetch=prefetch)) == list(range(200))
    assert fake.most_in_flight == prefetch
    assert fake.asked[0] == 1


async def test_pages_come_in_order_even_when_a_later_one_lands_first() -> None:
    """A slow page 2 holds back the faster pages 3 and 4, which are yielded after it."""
    fake = FakePages(40, 10)
    fake.gates[2] = asyncio.Event()
    walk = fake.walk(prefetch=4)
    first = await anext(walk)
    assert first[0] == list(range(10))
    second = asyncio.ensure_future(anext(walk))
    await fake.asked_four.wait()  # pages 2, 3 and 4 are in flight
    assert not second.done()
    fake.gates[2].set()
    assert (await second)[0] == list(range(10, 20))
    assert [page[0][0] async for page in walk] == [20, 30]


async def test_an_error_surfaces_at_its_page_and_cancels_the_rest() -> None:
    """A failing page 3 raises after pages 1 and 2 were yielded; page 4 in flight is cancelled."""
    cancelled = asyncio.Event()

    async def fetch(number: int) -> list[int]:
        if number == 3:
            raise ValueError("page 3 broke")
        if number == 4:
            try:
                await asyncio.Event().wait()
            finally:
                cancelled.set()
        return [number] * 10

    seen: list[int] = []

    async def consume() -> None:
        walker = PageWalker(fetch, page_size=10, prefetch=4, count=len, total=lambda _: 100)
        async for page in walk_pages(walker):
            seen.append(page[0])

    with pytest.raises(ValueError, match="page 3 broke"):
        await consume()
    assert seen == [1, 2]
    assert cancelled.is_set()


async def test_unique_items_drops_repeats_but_not_unkeyed_items() -> None:
    """An item whose key was seen is skipped; items without a key always pass."""

    async def pages() -> AsyncIterator[list[tuple[str | None, int]]]:
        yield [("a", 1), ("b", 2)]
        yield [("b", 3), (None, 4), (None, 5), ("c", 6)]

    items = [item async for item in unique_items(pages(), lambda page: page, lambda i: i[0])]
    assert [value for _, value in items] == [1, 2, 4, 5, 6]


# -- against the local server --------------------------------------------------------


def _key(session: Session) -> str:
    assert session.uuid is not None
    return session.uuid


async def test_iter_sessions_walks_every_session_once(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """250 sessions in pages of 40 come back once each, in creation order, in 7 requests."""
    local_zep.seed(250)
    expected = [s["uuid"] for s in local_zep.sessions]
    walked = [_key(s) async for s in client.memory.iter_sessions(page_size=40, asc=True)]
    assert walked == expected
    assert local_zep.count("list_sessions") == 7
    numbers = sorted(int(r.query["page_number"]) for r in local_zep.requests)
    assert numbers == list(range(1, 8))


async def test_iter_session_pages_yields_the_pages(local_zep: LocalZep, client: AsyncZep) -> None:
    """The page view yields SessionListResponse objects with the server's counts."""
    local_zep.seed(25)
    pages = [page async for page in client.memory.iter_session_pages(page_size=10)]
    assert all(isinstance(page, SessionListResponse) for page in pages)
    assert [page.response_count for page in pages] == [10, 10, 5]
    assert {page.total_count for page in pages} == {25}


async def test_every_page_request_carries_the_walks_arguments(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """Each page asks with the same page_size, order_by, asc and request options."""
    local_zep.seed(12)
    options = {"additional_query_parameters": {"trace": "x"}}
    async for _ in client.memory.iter_sessions(
        page_size=5,
        order_by="user_id",
        asc=False,
        request_options=options,  # type: ignore[arg-type]
    ):
        pass
    queries = [r.query for r in local_zep.requests]
    assert [q.pop("page_number") for q in queries] == ["1", "2", "3"]
    assert [q.pop("pageNumber") for q in queries] == ["1", "2", "3"]
    same = {"page_size": "5", "pageSize": "5", "order_by": "user_id", "asc": "false", "trace": "x"}
    assert queries == [same] * 3


async def test_error_mid_walk_after_the_sessions_before_it(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """A 500 on page 2 (retries used up) raises after page 1's sessions were yielded."""
    local_zep.seed(30)
    walk = client.memory.iter_sessions(page_size=10, prefetch=1, request_options={"max_retries": 0})
    first = [await anext(walk) for _ in range(10)]
    local_zep.fail("list_sessions", 500)
    with pytest.raises(InternalServerError):
        await anext(walk)
    assert len({_key(s) for s in first}) == 10


async def test_retries_apply_per_page(local_zep: LocalZep, client: AsyncZep) -> None:
    """A page that fails once with 503 is retried and the walk completes."""
    local_zep.seed(30)
    local_zep.fail("list_sessions", 503)
    walked = [s async for s in client.memory.iter_sessions(page_size=10)]
    assert len(walked) == 30
    assert local_zep.count("list_sessions") == 4


async def test_sessions_inserted_during_the_walk_are_not_repeated(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """New sessions shifting a newest-first walk do not make any session appear twice."""
    local_zep.seed(30)
    before = {s["uuid"] for s in local_zep.sessions}
    walked: list[str] = []
    async for session in client.memory.iter_sessions(page_size=10, prefetch=1):
        walked.append(_key(session))
        if len(walked) == 10:  # newest first: each insert pushes a seen row into page 2
            for n in range(5):
                local_zep.add_session(f"late-{n}")
    assert len(walked) == len(set(walked))
    assert before <= set(walked)


async def test_breaking_out_cancels_pages_in_flight(local_zep: LocalZep, client: AsyncZep) -> None:
    """Leaving the loop early cancels the prefetched pages still in flight; nothing lingers."""
    local_zep.seed(100)
    walk = client.memory.iter_sessions(page_size=10, prefetch=3)
    first_page = [await anext(walk) for _ in range(10)]
    # Pages 2, 3 and 4 go out together; page 2 reuses the pooled connection and comes
    # back at once, pages 3 and 4 are held until the client gives up on them.
    local_zep.delay("list_sessions", 0, times=1)
    local_zep.delay("list_sessions", 3600)
    async with asyncio.timeout(10):  # fails fast should page 3 or 4 ever arrive first
        eleventh = await anext(walk)
    await local_zep.wait_for_requests_async(4, route="list_sessions")
    await walk.aclose()  # what `break` inside `async with contextlib.aclosing(...)` does
    async with asyncio.timeout(10):
        await local_zep.wait_for_disconnects_async(2)
    assert len({_key(s) for s in [*first_page, eleventh]}) == 11
    assert await no_client_tasks_left()
    local_zep.clear()
    local_zep.add_session("after")
    assert (await client.memory.get_session("after")).session_id == "after"


async def test_a_plain_break_also_cancels_pages_in_flight(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """Without aclose, the loop's async-generator finaliser cancels the prefetches promptly."""
    local_zep.seed(100)
    seen = 0
    async for _ in client.memory.iter_sessions(
        page_size=10, prefetch=3, request_options={"timeout_in_seconds": 10}
    ):
        seen += 1
        if seen == 10:
            local_zep.delay("list_sessions", 0, times=1)
            local_zep.delay("list_sessions", 3600)
        if seen == 11:
            await local_zep.wait_for_requests_async(4, route="list_sessions")
            break
    async with asyncio.timeout(10):
        await local_zep.wait_for_disconnects_async(2)
    assert await no_client_tasks_left()


async def test_cancelling_the_consumer_cancels_the_walk(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """Cancelling the task that iterates cancels its page requests and leaves no task behind."""
    local_zep.seed(50)
    local_zep.delay("list_sessions", 60, times=None)

    async def consume() -> int:
        return len([s async for s in client.memory.iter_sessions(page_size=10)])

    task = asyncio.create_task(consume())
    await local_zep.wait_for_requests_async(1, route="list_sessions")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with asyncio.timeout(10):
        await local_zep.wait_for_disconnects_async(1)
    gc.collect()
    assert await no_client_tasks_left()


# -- the law: any total, page size and prefetch gives every session once, in order ----


@pytest.fixture(scope="module")
def threaded_zep() -> Iterator[LocalZep]:
    server = LocalZep()
    with server.run_in_thread():
        yield server


#: Pages per walk are capped so that the law is checked on many shapes within seconds.
MAX_PAGES = 40


@st.composite
def walks(draw: st.DrawFn) -> tuple[int, int]:
    """A page size in 1..300 and a total in 0..2,000 that fills at most MAX_PAGES pages."""
    page_size = draw(st.integers(min_value=1, max_value=300))
    total = draw(st.integers(min_value=0, max_value=min(2000, page_size * MAX_PAGES)))
    return total, page_size


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    shape=walks(),
    prefetch=st.integers(min_value=1, max_value=8),
    order_by=st.sampled_from([None, "created_at", "updated_at", "user_id", "session_id"]),
    asc=st.sampled_from([None, True, False]),
)
def test_any_walk_yields_every_session_once_in_order(
    threaded_zep: LocalZep,
    shape: tuple[int, int],
    prefetch: int,
    order_by: str | None,
    asc: bool | None,
) -> None:
    """For totals 0..2,000, page sizes 1..300 and prefetch 1..8 the walk equals one big page."""
    total, page_size = shape
    server = threaded_zep
    server.clear()
    server.seed(total, seed=total)

    async def walk() -> tuple[list[str], list[str]]:
        async with AsyncZep(
            api_key=server.api_key, base_url=server.base_url, retry_policy=NO_WAIT
        ) as zep:
            whole = await zep.memory.list_sessions(
                page_size=max(total, 1),
                order_by=order_by,  # type: ignore[arg-type]
                asc=asc,
            )
            walked = [
                _key(s)
                async for s in zep.memory.iter_sessions(
                    page_size=page_size,
                    order_by=order_by,  # type: ignore[arg-type]
                    asc=asc,
                    prefetch=prefetch,
                )
            ]
            return [_key(s) for s in whole.sessions], walked

    expected, walked = asyncio.run(walk())
    assert walked == expected
    assert len(set(walked)) == total
    pages = server.count("list_sessions") - 1
    assert pages == max(1, -(-total // page_size))


@pytest.mark.parametrize("view", ["sessions", "pages"])
def test_loop_shutdown_after_a_break_closes_the_walk_quietly(
    threaded_zep: LocalZep, view: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A walk left open when asyncio.run ends is closed by the loop with no error logged."""
    threaded_zep.clear()
    threaded_zep.seed(100)

    kept: list[object] = []  # outlives the loop: only the loop's shutdown can close the walk

    async def main() -> None:
        async with AsyncZep(api_key=threaded_zep.api_key, base_url=threaded_zep.base_url) as zep:
            walk = (
                zep.memory.iter_sessions(page_size=10, prefetch=3)
                if view == "sessions"
                else zep.memory.iter_session_pages(page_size=1, prefetch=3)
            )
            kept.append(walk)
            for _ in range(11):  # into page 2, so that pages are in flight
                await anext(walk)

    with caplog.at_level(logging.ERROR, logger="asyncio"):
        asyncio.run(main())
    assert [r.getMessage() for r in caplog.records if r.name == "asyncio"] == []


# -- the sync twin ----------------------------------------------------------------------


def test_sync_iter_sessions_walks_everything(threaded_zep: LocalZep) -> None:
    """The sync iterator yields the same sessions as the async one, in order."""
    threaded_zep.clear()
    threaded_zep.seed(120)
    with Zep(api_key=threaded_zep.api_key, base_url=threaded_zep.base_url) as zep:
        walked = [_key(s) for s in zep.memory.iter_sessions(page_size=25, asc=True)]
        pages = [p.response_count for p in zep.memory.iter_session_pages(page_size=50)]
    assert walked == [s["uuid"] for s in threaded_zep.sessions]
    assert pages == [50, 50, 20]
