"""One walker, three wire styles: sessions, users and messages, against fake servers.

Each fake server answers a query the way its route does (``API-V2.md`` section 7),
and each ``fetch`` is written the way its resource writes it: a few lines that
turn a page number into the route's query. The list may change while it is
walked, at points hypothesis chooses.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zep_async.pagination import PagedList, RecentKeys, unique_items

Page = dict[str, Any]


@dataclass
class FakeList:
    """A list of item dicts that changes while pages of it are served."""

    items: list[dict[str, str]]
    #: Where an insert lands: "front" (newest first), "back" (oldest first) or a position.
    insert_at: Callable[[int], int]
    #: Per request, in arrival order: (event-loop turns before serving, inserts before serving).
    schedule: list[tuple[int, int]] = field(default_factory=list)
    requests: list[Mapping[str, str]] = field(default_factory=list)
    ignores_paging: bool = False
    _new: itertools.count[int] = field(default_factory=itertools.count)

    async def serve(
        self, query: Mapping[str, str], offset_of: Callable[[], tuple[int, int]]
    ) -> Page:
        index = len(self.requests)
        self.requests.append(dict(query))
        turns, inserts = self.schedule[index] if index < len(self.schedule) else (0, 0)
        for _ in range(turns):
            await asyncio.sleep(0)  # lets other pages in flight be served first
        for _ in range(inserts):
            self.items.insert(self.insert_at(len(self.items)), {"uuid": f"new-{next(self._new)}"})
        offset, size = offset_of()
        if self.ignores_paging:
            offset, size = 0, len(self.items)
        return {"rows": self.items[offset : offset + size], "total": len(self.items)}


# -- the three routes, each as the server answers it ---------------------------------


async def sessions_route(fake: FakeList, query: Mapping[str, str]) -> Page:
    """``GET /sessions-ordered``: page_number/page_size; total_count and response_count."""
    number, size = int(query["page_number"]), int(query["page_size"])
    page = await fake.serve(query, lambda: ((number - 1) * size, size))
    rows = page["rows"]
    return {"sessions": rows, "total_count": page["total"], "response_count": len(rows)}


async def users_route(fake: FakeList, query: Mapping[str, str]) -> Page:
    """``GET /users-ordered``: camelCase pageNumber/pageSize; total_count and row_count."""
    number, size = int(query["pageNumber"]), int(query["pageSize"])
    page = await fake.serve(query, lambda: ((number - 1) * size, size))
    rows = page["rows"]
    return {"users": rows, "total_count": page["total"], "row_count": len(rows)}


async def messages_route(fake: FakeList, query: Mapping[str, str]) -> Page:
    """``GET /sessions/{id}/messages``: limit + cursor (a page number); 0 past the end."""
    cursor, limit = int(query["cursor"]), int(query["limit"])
    page = await fake.serve(query, lambda: ((max(cursor, 1) - 1) * limit, limit))
    rows = page["rows"]
    total = page["total"] if rows else 0  # CE returns early on an empty page
    return {"messages": rows, "total_count": total, "row_count": len(rows)}


# -- each resource's walk: a fetch function and how to read a page -------------------


def sessions_walk(fake: FakeList, page_size: int, prefetch: int) -> PagedList[Page, Any]:
    async def fetch(number: int) -> Page:
        return await sessions_route(fake, {"page_number": str(number), "page_size": str(page_size)})

    return PagedList(
        fetch,
        items=lambda page: page["sessions"],
        total=lambda page: page["total_count"],
        key=lambda item: item["uuid"],
        page_size=page_size,
        prefetch=prefetch,
    )


def users_walk(fake: FakeList, page_size: int, prefetch: int) -> PagedList[Page, Any]:
    async def fetch(number: int) -> Page:
        return await users_route(fake, {"pageNumber": str(number), "pageSize": str(page_size)})

    return PagedList(
        fetch,
        items=lambda page: page["users"],
        total=lambda page: page["total_count"],
        key=lambda item: item["uuid"],
        page_size=page_size,
        prefetch=prefetch,
    )


def messages_walk(fake: FakeList, page_size: int, prefetch: int) -> PagedList[Page, Any]:
    async def fetch(number: int) -> Page:
        return await messages_route(fake, {"cursor": str(number), "limit": str(page_size)})

    return PagedList(
        fetch,
        items=lambda page: page["messages"],
        total=lambda page: page["total_count"],
        key=lambda item: item["uuid"],
        page_size=page_size,
        prefetch=prefetch,
    )


Walk = Callable[[FakeList, int, int], PagedList[Page, Any]]
#: Style name, its walk, and where the list's new rows land.
STYLES: list[tuple[str, Walk, str]] = [
    ("sessions", sessions_walk, "front"),  # newest first by default
    ("users", users_walk, "front"),  # newest first, always
    ("messages", messages_walk, "back"),  # oldest first
]


def _fake(total: int, where: str) -> FakeList:
    at: dict[str, Callable[[int], int]] = {"front": lambda n: 0, "back": lambda n: n}
    return FakeList([{"uuid": f"old-{i}"} for i in range(total)], at[where])


async def _collect(walk: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in walk]


# -- every style: complete, in order, nothing asked past the end ---------------------


@pytest.mark.parametrize(("style", "walk", "where"), STYLES, ids=[s[0] for s in STYLES])
@pytest.mark.parametrize(("total", "requests"), [(0, 1), (7, 1), (30, 3), (35, 4)])
async def test_each_style_walks_its_whole_list(
    style: str, walk: Walk, where: str, total: int, requests: int
) -> None:
    """Items come once each, in list order, and no page past the last is requested."""
    fake = _fake(total, where)
    paged = walk(fake, 10, 4)
    assert [item["uuid"] async for item in paged.walk_items()] == [f"old-{i}" for i in range(total)]
    assert len(fake.requests) == requests


@pytest.mark.parametrize(("style", "walk", "where"), STYLES, ids=[s[0] for s in STYLES])
async def test_each_style_sends_its_own_wire_names(style: str, walk: Walk, where: str) -> None:
    """The walk only hands out page numbers; each fetch spells them its route's way."""
    fake = _fake(25, where)
    pages = [page async for page in walk(fake, 10, 1).pages()]
    assert len(pages) == 3
    names = {"sessions": ("page_number", "page_size"), "users": ("pageNumber", "pageSize")}
    number, size = names.get(style, ("cursor", "limit"))
    assert [q[number] for q in fake.requests] == ["1", "2", "3"]
    assert {q[size] for q in fake.requests} == {"10"}


@pytest.mark.parametrize(("style", "walk", "where"), STYLES, ids=[s[0] for s in STYLES])
@pytest.mark.parametrize("prefetch", [1, 4])
async def test_a_server_ignoring_the_page_size_is_read_once(
    style: str, walk: Walk, where: str, prefetch: int
) -> None:
    """A page longer than page_size (everything at once) is yielded and ends the walk."""
    fake = _fake(95, where)
    fake.ignores_paging = True
    paged = walk(fake, 10, prefetch)
    assert len([item async for item in paged.walk_items()]) == 95
    assert len([page async for page in paged.pages()]) == 1
    assert len(fake.requests) == 2  # one per walk, not ceil(95 / 10) per walk


async def test_a_messages_page_past_the_end_reports_zero_and_ends_the_walk() -> None:
    """Messages deleted mid-walk: the empty page with total_count 0 is the last one."""
    fake = _fake(30, "back")
    fake.schedule = [(0, 0), (0, 0), (1, 0)]
    paged = messages_walk(fake, 10, 2)
    walked = []
    async for item in paged.walk_items():
        walked.append(item["uuid"])
        if len(walked) == 10:
            del fake.items[:15]  # page 3 is now past the end
    assert walked[:10] == [f"old-{i}" for i in range(10)]
    assert len(fake.requests) <= 4


# -- the law: inserts at random points, any prefetch ---------------------------------


@settings(max_examples=200, deadline=None)
@given(
    style=st.sampled_from(STYLES),
    total=st.integers(min_value=0, max_value=120),
    page_size=st.integers(min_value=1, max_value=25),
    prefetch=st.integers(min_value=1, max_value=6),
    middle=st.booleans(),
    schedule=st.lists(
        st.tuples(st.integers(min_value=0, max_value=4), st.integers(min_value=0, max_value=6)),
        max_size=60,
    ),
    position=st.randoms(use_true_random=False),
)
def test_every_item_present_throughout_is_yielded_exactly_once(
    style: tuple[str, Walk, str],
    total: int,
    page_size: int,
    prefetch: int,
    middle: bool,
    schedule: list[tuple[int, int]],
    position: Any,
) -> None:
    """Inserted rows (front, back or anywhere) never cost an old item nor repeat one."""
    _, walk, where = style
    fake = _fake(total, where)
    if middle:  # a sort key that puts new rows anywhere, like order_by="user_id"
        fake.insert_at = lambda n: position.randint(0, n)
    fake.schedule = schedule
    walked = asyncio.run(_collect(walk(fake, page_size, prefetch).walk_items()))
    keys = [item["uuid"] for item in walked]
    assert len(keys) == len(set(keys)), "an item was yielded twice"
    old = [key for key in keys if key.startswith("old-")]
    assert old == [f"old-{i}" for i in range(total)], "an old item was lost or misordered"
    assert set(keys) <= {item["uuid"] for item in fake.items}


# -- bounded memory ------------------------------------------------------------------


def test_recent_keys_forget_the_oldest_beyond_capacity() -> None:
    """Only the last ``capacity`` keys are kept; a forgotten key counts as new again."""
    recent = RecentKeys(3)
    assert [recent.add(k) for k in "abcab"] == [True, True, True, False, False]
    assert recent.add("d")
    assert len(recent) == 3
    assert "a" not in recent
    assert recent.add("a")
    with pytest.raises(ValueError, match="capacity"):
        RecentKeys(0)


async def test_the_dedup_state_stays_bounded_over_a_long_walk() -> None:
    """Walking 30,000 items keeps at most ``capacity`` keys, however far the walk goes."""
    fake = _fake(30_000, "front")
    fake.schedule = [(0, 3)] * 400  # rows keep arriving, so repeats keep happening
    paged = sessions_walk(fake, 100, 4)
    recent = RecentKeys(500)
    most = 0
    count = 0
    async for _ in unique_items(paged.walker(), paged.items, paged.key, recent=recent):
        most = max(most, len(recent))
        count += 1
    assert count >= 30_000
    assert most == 500


# -- the re-read, attacked -----------------------------------------------------------


async def test_a_total_that_never_settles_costs_at_most_one_reread_per_page() -> None:
    """A server whose total_count differs on every answer: each page is read twice at most."""
    answers = itertools.count()

    async def fetch(number: int) -> Page:
        await asyncio.sleep(0)
        rows = [{"uuid": f"{number}-{i}"} for i in range(10)] if number <= 20 else []
        return {"sessions": rows, "total_count": 1_000 + next(answers)}

    paged = PagedList(
        fetch,
        items=lambda page: page["sessions"],
        total=lambda page: page["total_count"],
        key=lambda item: item["uuid"],
        page_size=10,
        prefetch=4,
    )
    walker = paged.walker()
    walked = [item async for item in unique_items(walker, paged.items, paged.key)]
    assert len(walked) == 200
    assert walker.rereads <= 20
    assert next(answers) <= 1 + 2 * 21 + 4  # the empty page 21, and a few cancelled ones


async def test_cancelling_the_consumer_during_a_reread_cancels_it() -> None:
    """The re-read is a page in flight like any other: cancelled and awaited on the way out."""
    reread_started = asyncio.Event()
    reread_cancelled = asyncio.Event()
    asked: list[int] = []

    async def fetch(number: int) -> Page:
        asked.append(number)
        if number == 2:
            await asyncio.sleep(0)  # page 3 is answered first, from an older version
            return {"sessions": [{"uuid": "b"}], "total_count": 4}
        if asked.count(number) == 2:
            reread_started.set()
            try:
                await asyncio.Event().wait()
            finally:
                reread_cancelled.set()
        return {"sessions": [{"uuid": str(number)}], "total_count": 3}

    paged = PagedList(
        fetch,
        items=lambda page: page["sessions"],
        total=lambda page: page["total_count"],
        key=lambda item: item["uuid"],
        page_size=1,
        prefetch=4,
    )
    walk = paged.walk_items()
    assert [(await anext(walk))["uuid"] for _ in range(2)] == ["1", "b"]
    third = asyncio.ensure_future(anext(walk))
    async with asyncio.timeout(5):
        await reread_started.wait()
    third.cancel()
    with pytest.raises(asyncio.CancelledError):
        await third
    await walk.aclose()
    assert reread_cancelled.is_set()
    assert asked.count(3) == 2
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
