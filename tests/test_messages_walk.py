"""memory.iter_session_messages over loopback: order, each message once, cancellation."""

from __future__ import annotations

import asyncio
import gc
import json
from typing import Any

import pytest

from zep_async import APIResponseValidationError, AsyncZep, InternalServerError
from zep_async.testing import LocalZep

from .conftest import NO_WAIT, no_client_tasks_left


def _seed(server: LocalZep, session_id: str, count: int, start: int = 0) -> list[str]:
    """Store ``count`` messages in ``session_id``; return their uuids in order."""
    if start == 0:
        server.add_session(session_id)
    stored = []
    for first in range(start, start + count, 30):
        batch = [
            {"role_type": "user", "role": "Jane", "content": f"m{n}"}
            for n in range(first, min(first + 30, start + count))
        ]
        stored += server.add_messages(session_id, batch)
    return [m["uuid"] for m in stored]


@pytest.mark.parametrize(
    ("total", "page_size", "prefetch"),
    [(0, 10, 4), (1, 1, 1), (95, 10, 4), (100, 10, 3), (250, 100, 4), (7, 100, 2)],
)
async def test_every_message_once_in_order(
    local_zep: LocalZep, client: AsyncZep, total: int, page_size: int, prefetch: int
) -> None:
    """Any total and page size: the session's messages, oldest first, each once."""
    expected = _seed(local_zep, "s", total)
    walked = [
        m.uuid
        async for m in client.memory.iter_session_messages(
            "s", page_size=page_size, prefetch=prefetch
        )
    ]
    assert walked == expected
    pages = -(-total // page_size) or 1
    assert local_zep.count("get_session_messages") == pages  # never a page past the end


async def test_each_page_is_limit_and_a_page_number_cursor(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """The wire style: limit=page_size and cursor=1, 2, 3 (a 1-based page number)."""
    _seed(local_zep, "chat/42", 25)
    walk = client.memory.iter_session_messages("chat/42", page_size=10, prefetch=1)
    assert len([m async for m in walk]) == 25
    assert [(r.raw_path, r.query) for r in local_zep.requests] == [
        ("/api/v2/sessions/chat%2F42/messages", {"limit": "10", "cursor": str(n)})
        for n in (1, 2, 3)
    ]


@pytest.mark.parametrize("prefetch", [1, 4])
async def test_messages_added_during_the_walk_cost_no_old_message(
    local_zep: LocalZep, client: AsyncZep, prefetch: int
) -> None:
    """250 messages; 40 more while page 2 is held: the 250 come once, in order."""
    before = _seed(local_zep, "s", 250)
    walk = client.memory.iter_session_messages("s", page_size=50, prefetch=prefetch)
    walked = [(await anext(walk)).uuid for _ in range(50)]
    local_zep.delay("get_session_messages", 0.5, times=1)
    second = asyncio.ensure_future(anext(walk))
    async with asyncio.timeout(10):
        await local_zep.wait_for_requests_async(min(1 + prefetch, 5), route="get_session_messages")
    later = _seed(local_zep, "s", 40, start=250)
    async with asyncio.timeout(30):
        walked.append((await second).uuid)
        walked += [m.uuid async for m in walk]
    assert len(walked) == len(set(walked)), "a message was yielded twice"
    assert walked[:250] == before
    assert walked[250:] == later[: len(walked) - 250]  # the new ones, if any, in order too


async def test_a_server_that_ignores_limit_is_read_once(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """Every page holding every message (limit ignored): one request, each message once."""
    expected = _seed(local_zep, "s", 45)
    everything = {"messages": local_zep.messages("s"), "total_count": 45, "row_count": 45}
    local_zep.fail("get_session_messages", 200, json=everything, times=20)
    walked = [m.uuid async for m in client.memory.iter_session_messages("s", page_size=10)]
    assert walked == expected
    assert local_zep.count("get_session_messages") == 1


async def test_the_community_edition_walks_too() -> None:
    """CE's shapes (year-1 updated_at, total_count 0 past the end) walk to the end."""
    async with (
        LocalZep(flavor="ce") as server,
        AsyncZep(api_key=server.api_key, base_url=server.base_url, retry_policy=NO_WAIT) as zep,
    ):
        expected = _seed(server, "s", 20)
        walked = [m.uuid async for m in zep.memory.iter_session_messages("s", page_size=10)]
        assert walked == expected
        assert [m async for m in zep.memory.iter_session_messages("nobody")] == []


async def test_arguments_are_checked_at_the_call(local_zep: LocalZep, client: AsyncZep) -> None:
    """A bad argument raises when iter_session_messages is called, before any request."""
    bad: list[tuple[dict[str, Any], type[Exception], str]] = [
        ({"session_id": ""}, ValueError, "session_id"),
        ({"session_id": "s", "page_size": 0}, ValueError, "page_size"),
        ({"session_id": "s", "page_size": None}, TypeError, "page_size"),
        ({"session_id": "s", "prefetch": 0}, ValueError, "prefetch"),
        ({"session_id": "s", "request_options": {"max_retries": -1}}, ValueError, "max_retries"),
    ]
    for kwargs, error, said in bad:
        with pytest.raises(error, match=said):
            client.memory.iter_session_messages(**kwargs)
    assert local_zep.requests == []


async def test_an_error_stops_the_walk_after_the_messages_before_it(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """Page 2 fails for good: page 1's messages were yielded, then the error is raised."""
    expected = _seed(local_zep, "s", 30)
    walk = client.memory.iter_session_messages("s", page_size=10, prefetch=1)
    walked = [(await anext(walk)).uuid for _ in range(10)]
    local_zep.fail("get_session_messages", 500, times=10)
    with pytest.raises(InternalServerError):
        await anext(walk)
    assert walked == expected[:10]


async def test_breaking_out_cancels_pages_in_flight(local_zep: LocalZep, client: AsyncZep) -> None:
    """Leaving the loop early cancels the prefetched pages; their connections are closed."""
    _seed(local_zep, "s", 100)
    walk = client.memory.iter_session_messages("s", page_size=10, prefetch=3)
    [await anext(walk) for _ in range(10)]
    local_zep.delay("get_session_messages", 0, times=1)
    local_zep.delay("get_session_messages", 3600)
    async with asyncio.timeout(10):
        await anext(walk)
    await local_zep.wait_for_requests_async(4, route="get_session_messages")
    await walk.aclose()
    async with asyncio.timeout(10):
        await local_zep.wait_for_disconnects_async(2)
    assert await no_client_tasks_left()


async def test_cancelling_the_consumer_cancels_the_walk(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """Cancelling the iterating task cancels its page request and leaves no task behind."""
    _seed(local_zep, "s", 50)
    local_zep.delay("get_session_messages", 60, times=None)

    async def consume() -> int:
        return len([m async for m in client.memory.iter_session_messages("s", page_size=10)])

    task = asyncio.create_task(consume())
    await local_zep.wait_for_requests_async(1, route="get_session_messages")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with asyncio.timeout(10):
        await local_zep.wait_for_disconnects_async(1)
    gc.collect()
    assert await no_client_tasks_left()


async def test_the_raw_walk_keeps_each_message_as_sent() -> None:
    """The private exact walk (for exports) yields each message's JSON object, keys as sent."""
    async with (
        LocalZep(flavor="ce") as server,
        AsyncZep(api_key=server.api_key, base_url=server.base_url, retry_policy=NO_WAIT) as zep,
    ):
        server.add_session("s")
        server.add_messages("s", [{"role_type": "user", "content": "hi", "extra": [1]}])
        pairs = [
            (i.parsed, i.text)
            async for i in zep.memory.with_raw_response.iter_session_messages("s", page_size=5)
        ]
    (raw,) = [json.loads(text) for _, text in pairs]
    assert raw["updated_at"] == "0001-01-01T00:00:00Z"  # not reformatted
    assert raw["role"] == ""
    assert "processed" not in raw
    assert list(raw) == [
        "uuid",
        "created_at",
        "updated_at",
        "role",
        "role_type",
        "content",
        "token_count",
    ]


@pytest.mark.parametrize("exact", [False, True], ids=["models", "exact-json"])
async def test_a_server_that_ignores_cursor_stops_the_walk_loudly(
    local_zep: LocalZep, client: AsyncZep, exact: bool
) -> None:
    """Page 2 starting with page 1's first message: an error, not a silent partial walk.

    The export's exact-JSON walk runs the same check as ``iter_session_messages``.
    """
    stored = _seed(local_zep, "s", 25)
    first = {"messages": local_zep.messages("s")[:10], "total_count": 25, "row_count": 10}
    local_zep.fail("get_session_messages", 200, json=first, times=3)
    walk: Any
    if exact:
        walk = client.memory.with_raw_response.iter_session_messages("s", page_size=10, prefetch=1)
        walked = [json.loads((await anext(walk)).text)["uuid"] for _ in range(10)]
    else:
        walk = client.memory.iter_session_messages("s", page_size=10, prefetch=1)
        walked = [(await anext(walk)).uuid for _ in range(10)]
    with pytest.raises(APIResponseValidationError, match="ignores cursor"):
        await anext(walk)
    assert walked == stored[:10]


async def test_a_page_of_the_wrong_shape_is_a_validation_error(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """messages that is not a list of objects: APIResponseValidationError, typed and raw."""
    local_zep.add_session("s")
    local_zep.fail("get_session_messages", 200, json={"messages": ["x"]}, times=2)
    with pytest.raises(APIResponseValidationError):
        [m async for m in client.memory.iter_session_messages("s")]
    with pytest.raises(APIResponseValidationError):
        [m async for m in client.memory.with_raw_response.iter_session_messages("s")]
