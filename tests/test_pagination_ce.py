"""The Community Edition pages ``/sessions-ordered`` too: the SDK sends the camelCase names."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from zep_async import APIResponseValidationError, AsyncZep
from zep_async.testing import LocalZep

from .conftest import local_client


@pytest_asyncio.fixture
async def ce() -> AsyncIterator[tuple[LocalZep, AsyncZep]]:
    """A Community Edition LocalZep with 25 sessions, and a client on it."""
    async with LocalZep(flavor="ce") as server, local_client(server) as zep:
        server.seed(25)
        yield server, zep


def _newest_first(server: LocalZep) -> list[str]:
    return [s["session_id"] for s in reversed(server.sessions)]


async def test_a_ce_walk_reads_page_after_page(ce: tuple[LocalZep, AsyncZep]) -> None:
    """25 sessions in pages of 10 on CE: three pages of 10, 10 and 5, not one of everything."""
    server, zep = ce
    pages = [p async for p in zep.memory.iter_session_pages(page_size=10, prefetch=1)]
    assert [p.response_count for p in pages] == [10, 10, 5]
    assert [s.session_id for p in pages for s in p.sessions] == _newest_first(server)
    numbers = [(r.query["pageNumber"], r.query["pageSize"]) for r in server.requests]
    assert numbers == [("1", "10"), ("2", "10"), ("3", "10")]


@pytest.mark.parametrize("prefetch", [1, 4])
async def test_a_ce_walk_yields_every_session_once(
    ce: tuple[LocalZep, AsyncZep], prefetch: int
) -> None:
    """iter_sessions on CE yields all 25 sessions once, newest first, one page per request."""
    server, zep = ce
    walked = [s.session_id async for s in zep.memory.iter_sessions(page_size=7, prefetch=prefetch)]
    assert walked == _newest_first(server)
    assert server.count("list_sessions") == 4


async def test_a_ce_raw_walk_pages_too(ce: tuple[LocalZep, AsyncZep]) -> None:
    """with_raw_response.iter_sessions on CE reads pages of the size asked for."""
    server, zep = ce
    items = [i async for i in zep.memory.with_raw_response.iter_sessions(page_size=10)]
    assert [i.parsed.session_id for i in items] == _newest_first(server)
    assert server.count("list_sessions") == 3


async def test_ce_list_sessions_returns_the_page_asked_for(ce: tuple[LocalZep, AsyncZep]) -> None:
    """list_sessions(page_number=2, page_size=5) on CE is sessions 6 to 10, not all 25."""
    server, zep = ce
    page = await zep.memory.list_sessions(page_number=2, page_size=5)
    assert [s.session_id for s in page.sessions] == _newest_first(server)[5:10]
    assert (page.total_count, page.response_count) == (25, 5)


async def test_ce_list_sessions_without_a_size_is_everything(
    ce: tuple[LocalZep, AsyncZep],
) -> None:
    """No page size on CE: every session, as CE answers it, with no item bound."""
    server, zep = ce
    page = await zep.memory.list_sessions()
    assert [s.session_id for s in page.sessions] == _newest_first(server)
    assert server.requests[-1].query == {}


async def test_a_server_ignoring_paging_past_the_bound_stops_the_walk(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """A page of 111 sessions where 1 was asked for (bound 110): refused, nothing yielded."""
    seeded = local_zep.seed(111)
    everything = {"sessions": seeded, "total_count": 111, "response_count": 111}
    local_zep.fail("list_sessions", 200, json=everything, times=5)
    walk = client.memory.iter_sessions(page_size=1)
    with pytest.raises(APIResponseValidationError, match="111 items, more than the 110") as caught:
        await anext(walk)
    assert caught.value.may_have_been_applied is False
    assert local_zep.count("list_sessions") == 1


async def test_a_page_size_overridden_in_the_query_is_not_the_bound(
    ce: tuple[LocalZep, AsyncZep],
) -> None:
    """pageSize=200 through additional_query_parameters, page_size=1: 25 read (bound 110)."""
    server, zep = ce
    options = {"additional_query_parameters": {"pageSize": "200"}}
    page = await zep.memory.list_sessions(page_size=1, request_options=options)  # type: ignore[arg-type]
    assert len(page.sessions) == 25
    server.seed(100)
    with pytest.raises(APIResponseValidationError, match="125 items, more than the 110"):
        await zep.memory.list_sessions(page_size=1, request_options=options)  # type: ignore[arg-type]
