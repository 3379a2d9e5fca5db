"""Walking offset-paged lists: generic, no HTTP.

``PageWalker`` drives any ``fetch(page_number)`` coroutine. After the first
page it knows the total, so it may fetch up to ``prefetch`` later pages at once;
it still returns them strictly in page order, stops at the first empty or short
page or once the total is reached, and ``aclose`` cancels whatever is still in
flight when the walk ends early (an error, a ``break``, a cancelled consumer).

The walker is a plain async iterator, not an async generator, on purpose: each
public walk is then exactly one async generator (``walk_pages`` or
``unique_items``) wrapped around it. Two nested generators would both be closed
at once by the event loop's shutdown (``shutdown_asyncgens``), and the inner one,
already being closed by the outer, would log "aclose(): asynchronous generator
is already running".
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Hashable, Iterable
from typing import Generic, Protocol, TypeVar

__all__ = ["ClosableAsyncIterator", "PageWalker", "unique_items", "walk_pages"]

P = TypeVar("P")
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


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
        page_size: The page size ``fetch`` asks for; a shorter page is the last.
        prefetch: How many pages may be in flight at once (1 = strictly sequential).
        count: How many items a page holds.
        total: The total item count a page reports, or ``None`` if unknown.
    """

    def __init__(
        self,
        fetch: Callable[[int], Awaitable[P]],
        *,
        page_size: int,
        prefetch: int,
        count: Callable[[P], int],
        total: Callable[[P], int | None],
    ) -> None:
        self._fetch = fetch
        self._page_size = page_size
        self._prefetch = prefetch
        self._count = count
        self._total = total
        self._number = 1  # the page the next __anext__ returns
        self._scheduled = 0  # the highest page requested so far
        self._known_total: int | None = None
        self._in_flight: dict[int, asyncio.Future[P]] = {}
        self._done = False

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
        reported = self._total(page)
        if reported is not None:
            self._known_total = reported
        if self._is_last(number, self._count(page)):
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
            self._in_flight[self._scheduled] = asyncio.ensure_future(self._fetch(self._scheduled))
        future = self._in_flight.pop(number, None)
        if future is None:
            raise StopAsyncIteration
        return await future

    def _is_last(self, number: int, items: int) -> bool:
        if items < self._page_size:
            return True
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


async def walk_pages(walker: PageWalker[P]) -> AsyncGenerator[P, None]:
    """Yield the pages of ``walker``, closing it when the walk ends for any reason."""
    try:
        async for page in walker:
            yield page
    finally:
        await walker.aclose()


async def unique_items(
    pages: ClosableAsyncIterator[P],
    items: Callable[[P], Iterable[T]],
    key: Callable[[T], Hashable],
) -> AsyncGenerator[T, None]:
    """Flatten ``pages`` into items, skipping any item whose ``key`` was already seen.

    Offset paging repeats an item when rows are inserted ahead of the cursor
    during a walk; this drops the repeat. A ``None`` key is never deduplicated.
    ``pages`` is closed when the items end, for whatever reason.
    """
    seen: set[Hashable] = set()
    try:
        async for page in pages:
            for item in items(page):
                marker = key(item)
                if marker is not None:
                    if marker in seen:
                        continue
                    seen.add(marker)
                yield item
    finally:
        await pages.aclose()
