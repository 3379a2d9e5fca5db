"""Walks over loopback while the list changes, and against a server that ignores paging."""

from __future__ import annotations

import asyncio

import pytest

from zep_async import AsyncZep
from zep_async.testing import LocalZep


def _uuids(local_zep: LocalZep) -> set[str]:
    return {s["uuid"] for s in local_zep.sessions}


@pytest.mark.parametrize("prefetch", [1, 4])
async def test_sessions_created_while_page_two_is_held_cost_no_old_session(
    local_zep: LocalZep, client: AsyncZep, prefetch: int
) -> None:
    """400 sessions newest first; 50 created while page 2 is held; all 400 come once."""
    local_zep.seed(400)
    before = _uuids(local_zep)
    walk = client.memory.iter_sessions(prefetch=prefetch)
    walked = [(await anext(walk)).uuid for _ in range(100)]
    # Page 2 is asked first (it reuses page 1's connection) and is held; with
    # prefetch=4, pages 3 and 4 are answered from the list of 400 meanwhile (the
    # server builds a page in the same step that records its request).
    local_zep.delay("list_sessions", 1.0, times=1)
    second = asyncio.ensure_future(anext(walk))
    async with asyncio.timeout(10):
        await local_zep.wait_for_requests_async(min(1 + prefetch, 4), route="list_sessions")
    for n in range(50):
        local_zep.add_session(f"late-{n:02d}")
    async with asyncio.timeout(30):
        walked.append((await second).uuid)
        walked += [s.uuid async for s in walk]
    assert len(walked) == len(set(walked)), "a session was yielded twice"
    missing = before - set(walked)
    assert not missing, f"{len(missing)} sessions that existed all along were not yielded"
    assert set(walked) <= _uuids(local_zep)


async def test_a_server_that_ignores_page_size_is_downloaded_once(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """A server that ignores paging answers every page with all 95: read once, in one request."""
    seeded = local_zep.seed(95)
    everything = {
        "sessions": seeded,
        "total_count": len(seeded),
        "response_count": len(seeded),
    }
    local_zep.fail("list_sessions", 200, json=everything, times=20)
    walked = [s.uuid async for s in client.memory.iter_sessions(page_size=10)]
    assert walked == [s["uuid"] for s in seeded]
    assert local_zep.count("list_sessions") == 1
    pages = [p async for p in client.memory.iter_session_pages(page_size=10, prefetch=1)]
    assert [p.response_count for p in pages] == [95]
    assert local_zep.count("list_sessions") == 2
