"""Attacks on the shared walker: a server that answers every page with the same page.

A server that ignores the page number (or a caller whose
``additional_query_parameters`` override it) sends page 1 again and again. The
walk used to drop every repeat and carry on: with a ``total_count`` it read
``total / page_size`` copies and silently yielded only the first page's items
(an export missing most of the data); without one it never ended. It now
raises where it notices, after the items it had yielded.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TypeVar

import pytest

from zep_async import APIResponseValidationError, AsyncZep, RequestOptions, Session
from zep_async.pagination import PagedList
from zep_async.testing import LocalZep

T = TypeVar("T")


async def _collect(items: AsyncIterator[T], into: list[T]) -> None:
    async for item in items:
        into.append(item)


async def test_a_walk_whose_page_number_is_overridden_raises_instead_of_losing_sessions(
    local_zep: LocalZep,
) -> None:
    local_zep.seed(30)
    async with AsyncZep(api_key=local_zep.api_key, base_url=local_zep.base_url) as client:
        seen: list[Session] = []
        options: RequestOptions = {"additional_query_parameters": {"page_number": "1"}}
        walk = client.memory.iter_sessions(page_size=10, prefetch=1, request_options=options)
        with pytest.raises(APIResponseValidationError, match="not paging"):
            await _collect(walk, seen)
    assert len(seen) == 10  # the first page's sessions, then the error
    assert local_zep.count("list_sessions") == 2


@dataclass
class Repeating:
    """A list source that answers every page with the same full page and no total."""

    keys: list[str | None]
    calls: int = 0
    limit: int = 50
    pages: list[int] = field(default_factory=list)

    async def fetch(self, number: int) -> list[str | None]:
        self.calls += 1
        if self.calls > self.limit:  # what used to happen: it never stopped
            raise AssertionError(f"the walk read {self.calls} pages and goes on")
        self.pages.append(number)
        return list(self.keys)


def _walk(source: Repeating, prefetch: int) -> PagedList[list[str | None], str | None]:
    return PagedList(
        source.fetch,
        items=lambda page: page,
        total=lambda page: None,
        key=lambda item: item,
        page_size=len(source.keys),
        prefetch=prefetch,
    )


@pytest.mark.parametrize("prefetch", [1, 4])
async def test_a_server_repeating_one_page_without_a_total_does_not_walk_forever(
    prefetch: int,
) -> None:
    source = Repeating(["a", "b", "c"])
    seen: list[str | None] = []
    with pytest.raises(APIResponseValidationError, match="page 2 holds exactly"):
        await _collect(_walk(source, prefetch).walk_items(), seen)
    assert seen == ["a", "b", "c"]
    assert source.pages == [1, 2]


async def test_items_without_keys_are_never_taken_for_a_repeated_page() -> None:
    """With no key to compare, nothing can be told apart: the walk reads on as before."""
    source = Repeating([None, None], limit=5)
    seen: list[str | None] = []
    with pytest.raises(AssertionError, match="goes on"):
        await _collect(_walk(source, 1).walk_items(), seen)
    assert len(seen) == 10
