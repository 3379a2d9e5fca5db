"""Walking offset-paged lists: generic, no HTTP.

``iterate_pages`` drives any ``fetch(page_number)`` coroutine. After the first
page it knows the total, so it may fetch up to ``prefetch`` later pages at once;
it still yields them strictly in page order, stops at the first empty or short
page or once the total is reached, and cancels whatever is still in flight when
the walk ends early (an error, a ``break``, a cancelled consumer).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Hashable, Iterable
from typing import TypeVar

__all__ = ["iterate_pages", "unique_items"]

P = TypeVar("P")
T = TypeVar("T")


async def iterate_pages(
    fetch: Callable[[int], Awaitable[P]],
    *,
    page_size: int,
    prefetch: int,
    count: Callable[[P], int],
    total: Callable[[P], int | None],
) -> AsyncGenerator[P, None]:
    """Yield pages 1, 2, 3, ... in order until the list is exhausted.

    Args:
        fetch: Returns page ``n`` (1-based).
        page_size: The page size ``fetch`` asks for; a shorter page is the last.
        prefetch: How many pages may be in flight at once (1 = strictly sequential).
        count: How many items a page holds.
        total: The total item count a page reports, or ``None`` if unknown.
    """
    page = await fetch(1)
    yield page
    known_total = total(page)
    if _is_last(page_size, 1, count(page), known_total):
        return
    in_flight: dict[int, asyncio.Future[P]] = {}
    scheduled = 1
    number = 2
    try:
        while True:
            # Fetch ahead only as far as the known total reaches; without one, one at a time.
            last = -(-known_total // page_size) if known_total is not None else number
            while len(in_flight) < prefetch and scheduled < last:
                scheduled += 1
                in_flight[scheduled] = asyncio.ensure_future(fetch(scheduled))
            if number not in in_flight:
                return
            page = await in_flight.pop(number)
            yield page
            reported = total(page)
            if reported is not None:
                known_total = reported
            if _is_last(page_size, number, count(page), known_total):
                return
            number += 1
    finally:
        for future in in_flight.values():
            future.cancel()
        if in_flight:
            await asyncio.gather(*in_flight.values(), return_exceptions=True)


def _is_last(page_size: int, number: int, items: int, known_total: int | None) -> bool:
    if items < page_size:
        return True
    return known_total is not None and number * page_size >= known_total


async def unique_items(
    pages: AsyncGenerator[P, None],
    items: Callable[[P], Iterable[T]],
    key: Callable[[T], Hashable],
) -> AsyncGenerator[T, None]:
    """Flatten ``pages`` into items, skipping any item whose ``key`` was already seen.

    Offset paging repeats an item when rows are inserted ahead of the cursor
    during a walk; this drops the repeat. A ``None`` key is never deduplicated.
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
