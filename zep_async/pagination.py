"""Walking offset-paged lists: one generic walk for every paged list, no HTTP.

A resource describes its list with a ``PagedList``: a coroutine that fetches
page ``n`` (1-based; the resource turns it into its wire style: ``page_number``,
``pageNumber`` or ``cursor``), and how to read a page's items, its total and an
item's key. ``PagedList.pages()`` and ``PagedList.walk_items()`` are the two walks.

``PageWalker`` drives the fetches. After the first page it knows the total, so
it may fetch up to ``prefetch`` later pages at once; it still returns them
strictly in page order, stops at the first empty, short or oversized page or
once the total is reached, and ``aclose`` cancels whatever is still in flight
when the walk ends early (an error, a ``break``, a cancelled consumer).

While the list changes, pages fetched at different moments come from different
versions of it. A page requested before the page in front of it had arrived
(a prefetched page) is kept only if it reports the same total as that page;
otherwise it is read again, now, which makes the versions of the pages a walk
accepts follow page order. With only insertions that is enough for every item
present during the whole walk to be seen (docs/pagination.md has the argument).

``unique_items`` drops the repeats that insertions cause. A repeat is always one
of the most recently yielded items, so it keeps the keys of the last
``DEFAULT_WINDOW`` items only (``RecentKeys``): a walk's memory does not grow
with the number of items walked.

The walker is a plain async iterator, not an async generator, on purpose: each
public walk is then exactly one async generator (``walk_pages`` or
``unique_items``) wrapped around it. Two nested generators would both be closed
at once by the event loop's shutdown (``shutdown_asyncgens``), and the inner one,
already being closed by the outer, would log "aclose(): asynchronous generator
is already running".
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Hashable,
    Iterable,
    Sequence,
)
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from .errors import APIResponseValidationError

__all__ = [
    "DEFAULT_WINDOW",
    "ClosableAsyncIterator",
    "MAX_PAGE_FACTOR",
    "MAX_PAGE_SLACK",
    "PageWalker",
    "PagedList",
    "RecentKeys",
    "unique_items",
    "max_page_items",
    "walk_pages",
]

P = TypeVar("P")
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

#: How many keys of recently yielded items a walk keeps to drop repeats (~1.3 MB).
DEFAULT_WINDOW = 10_000
#: A reply to a call that asked for ``page_size`` items may hold at most
#: ``MAX_PAGE_FACTOR * page_size + MAX_PAGE_SLACK`` of them (``max_page_items``).
MAX_PAGE_FACTOR = 10
MAX_PAGE_SLACK = 100


def max_page_items(page_size: int) -> int:
    """The most items a reply to a request for ``page_size`` items may hold: ``10 * n + 100``.

    A longer reply is refused before its models are built (a hostile or broken server,
    or a compressed body of a million empty objects). The slack lets a server that
    ignores a small page size (one that answers every page with the whole, short
    list) still be read once, as the walks do; a page of 100 may hold 1,100 items.
    """
    return MAX_PAGE_FACTOR * page_size + MAX_PAGE_SLACK


class ClosableAsyncIterator(Protocol[T_co]):
    """An async iterator that can be told to stop and release what it holds."""

    def __aiter__(self) -> AsyncIterator[T_co]:
        """Return the iterator."""
        ...

    def __anext__(self) -> Awaitable[T_co]:
        """Return the next item, or raise ``StopAsyncIteration``."""
        ...

    async def aclose(self) -> None:
        """Stop the iteration and release its resources."""


class PageWalker(Generic[P]):
    """Pages 1, 2, 3, ... of an offset-paged list, in order, until it is exhausted.

    Args:
        fetch: Returns page ``n`` (1-based).
        page_size: The page size ``fetch`` asks for; a shorter page is the last,
            and so is a longer one (a server that ignored the size sent everything).
        prefetch: How many pages may be in flight at once (1 = strictly sequential).
        count: How many items a page holds.
        total: The total item count a page reports, or ``None`` if unknown.
        keys: The keys of a page's items, or ``None`` when some item has none. A
            full page with the same keys and total as the page before it means
            the server is not paging: the walk raises instead of reading on.
    """

    def __init__(
        self,
        fetch: Callable[[int], Awaitable[P]],
        *,
        page_size: int,
        prefetch: int,
        count: Callable[[P], int],
        total: Callable[[P], int | None],
        keys: Callable[[P], tuple[Hashable, ...] | None] | None = None,
    ) -> None:
        self._fetch = fetch
        self._keys = keys
        self._last_keys: tuple[Hashable, ...] | None = None
        self._page_size = page_size
        self._prefetch = prefetch
        self._count = count
        self._total = total
        self._number = 1  # the page the next __anext__ returns
        self._scheduled = 0  # the highest page requested so far
        self._known_total: int | None = None  # as the last page returned reported it
        self._in_flight: dict[int, asyncio.Future[P]] = {}
        self._early: set[int] = set()  # pages requested before the page in front arrived
        self._done = False
        #: How many pages were read a second time because the list moved under them.
        self.rereads = 0

    def __aiter__(self) -> PageWalker[P]:
        return self

    async def __anext__(self) -> P:
        if self._done:
            raise StopAsyncIteration
        number = self._number
        try:
            page = await self._page(number)
        except BaseException:
            self._done = True
            raise
        total = self._total(page)
        items = self._count(page)
        if self._keys is not None and items == self._page_size:
            keys = self._keys(page)
            if keys is not None and keys == self._last_keys and total == self._known_total:
                self._done = True
                raise _not_paging(number)
            self._last_keys = keys
        self._known_total = total
        if self._is_last(number, items):
            await self.aclose()  # pages past the end, fetched before the total shrank
        self._number = number + 1
        return page

    async def _page(self, number: int) -> P:
        if number == 1:
            self._scheduled = 1
            return await self._fetch(1)
        # Fetch ahead only as far as the known total reaches; without one, one at a time.
        total = self._known_total
        last = -(-total // self._page_size) if total is not None else number
        while len(self._in_flight) < self._prefetch and self._scheduled < last:
            self._scheduled += 1
            if self._scheduled > number:
                self._early.add(self._scheduled)
            self._in_flight[self._scheduled] = asyncio.ensure_future(self._fetch(self._scheduled))
        future = self._in_flight.pop(number, None)
        if future is None:
            raise StopAsyncIteration
        page = await future
        if number in self._early:
            self._early.discard(number)
            if self._total(page) != total or total is None:
                # Served from another version of the list than the page before it: read
                # it again, now that the page before it has arrived.
                self.rereads += 1
                future = asyncio.ensure_future(self._fetch(number))
                self._in_flight[number] = future
                try:
                    page = await future
                finally:
                    self._in_flight.pop(number, None)
        return page

    def _is_last(self, number: int, items: int) -> bool:
        if items != self._page_size:
            return True  # empty, short, or a server that ignored the page size
        total = self._known_total
        return total is not None and number * self._page_size >= total

    async def aclose(self) -> None:
        """End the walk: cancel the pages still in flight and wait until they are gone."""
        self._done = True
        in_flight, self._in_flight = list(self._in_flight.values()), {}
        for future in in_flight:
            future.cancel()
        if in_flight:
            # Also collects the errors of pages that failed but were never reached.
            await asyncio.gather(*in_flight, return_exceptions=True)


def _not_paging(number: int) -> APIResponseValidationError:
    """The error of a page that is the page before it again: the server is not paging.

    Left alone, such a walk would read the same page until ``total_count`` (or, with
    no total, forever) and yield only the first page's items.
    """
    return APIResponseValidationError(
        f"page {number} holds exactly the items of page {number - 1}, with the same total: "
        "the server is not paging (it ignores the page number, or request_options' "
        "additional_query_parameters override it), so the walk stopped",
        status_code=200,
        body="",
    )


async def walk_pages(walker: PageWalker[P]) -> AsyncGenerator[P, None]:
    """Yield the pages of ``walker``, closing it when the walk ends for any reason."""
    try:
        async for page in walker:
            yield page
    finally:
        await walker.aclose()


class RecentKeys:
    """The keys of the last ``capacity`` items yielded: a set that forgets its oldest keys.

    Args:
        capacity: How many keys are kept at most, at least 1.
    """

    def __init__(self, capacity: int = DEFAULT_WINDOW) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, not {capacity}")
        self.capacity = capacity
        self._keys: OrderedDict[Hashable, None] = OrderedDict()

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def add(self, key: Hashable) -> bool:
        """Remember ``key``; return ``False`` if it was already among the recent keys."""
        if key in self._keys:
            return False
        self._keys[key] = None
        if len(self._keys) > self.capacity:
            self._keys.popitem(last=False)
        return True


async def unique_items(
    pages: ClosableAsyncIterator[P],
    items: Callable[[P], Iterable[T]],
    key: Callable[[T], Hashable],
    *,
    recent: RecentKeys | None = None,
) -> AsyncGenerator[T, None]:
    """Flatten ``pages`` into items, skipping any item whose ``key`` was yielded recently.

    Offset paging repeats an item when rows are inserted ahead of the cursor
    during a walk; the repeat is one of the items yielded last, so only the keys
    of the last ``recent.capacity`` items (``DEFAULT_WINDOW`` by default) are
    kept. A ``None`` key is never deduplicated. ``pages`` is closed when the
    items end, for whatever reason.
    """
    seen = RecentKeys() if recent is None else recent
    try:
        async for page in pages:
            for item in items(page):
                marker = key(item)
                if marker is not None and not seen.add(marker):
                    continue
                yield item
    finally:
        await pages.aclose()


@dataclass(frozen=True)
class PagedList(Generic[P, T]):
    """One paged list of the API: how to fetch a page and how to read it.

    A resource builds one per walk; ``pages()`` and ``walk_items()`` do the rest, with
    the same guarantees for every list (order, each item once under insertions,
    bounded memory and prefetch, cancellation).

    Attributes:
        fetch: Returns page ``n`` (1-based), sent in the list's own wire style.
        items: The items of a page, in the list's order.
        total: The total a page reports (``total_count``), or ``None``.
        key: An item's identity (its ``uuid``), or ``None`` to never deduplicate it.
        page_size: The page size ``fetch`` asks for.
        prefetch: Pages in flight at once, at least 1.
        window: Keys of recently yielded items kept to drop repeats.
    """

    fetch: Callable[[int], Awaitable[P]]
    items: Callable[[P], Sequence[T]]
    total: Callable[[P], int | None]
    key: Callable[[T], Hashable]
    page_size: int
    prefetch: int
    window: int = DEFAULT_WINDOW

    def walker(self) -> PageWalker[P]:
        """A new walk over the pages, as a closable async iterator."""
        items, key = self.items, self.key

        def keys(page: P) -> tuple[Hashable, ...] | None:
            found = tuple(key(item) for item in items(page))
            return None if None in found else found

        return PageWalker(
            self.fetch,
            page_size=self.page_size,
            prefetch=self.prefetch,
            count=lambda page: len(items(page)),
            total=self.total,
            keys=keys,
        )

    def pages(self) -> AsyncGenerator[P, None]:
        """Walk the pages, in order."""
        return walk_pages(self.walker())

    def walk_items(self) -> AsyncGenerator[T, None]:
        """Walk the items, page after page, each item once."""
        return unique_items(self.walker(), self.items, self.key, recent=RecentKeys(self.window))
