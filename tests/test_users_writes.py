"""The write rule for user.add and user.update, and the walk of iter_users, over loopback.

These tests pin the plain write rule, so their clients turn recovery off
(``recover_writes=False``); tests/test_recovery*.py cover the default.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio

from zep_async import (
    AlreadyExistsError,
    APIConnectionError,
    APITimeoutError,
    AsyncZep,
    InternalServerError,
    NotFoundError,
    RequestOptions,
    ZepError,
)
from zep_async.testing import LocalZep

from .conftest import NO_WAIT, local_client
from .write_support import AMBIGUOUS, closed_port, options_for

Write = Callable[[AsyncZep, RequestOptions], Awaitable[Any]]

#: Each write of the resource, on a user that LocalZep holds ("old") or does not ("new").
WRITES: dict[str, tuple[str, Write]] = {
    "add": ("add_user", lambda z, o: z.user.add(user_id="new", request_options=o)),
    "update": (
        "update_user",
        lambda z, o: z.user.update("old", email="e@x.org", request_options=o),
    ),
}


@pytest_asyncio.fixture
async def zep(local_zep: LocalZep) -> AsyncIterator[AsyncZep]:
    local_zep.add_user("old")
    async with local_client(local_zep, max_retries=3, recover_writes=False) as client:
        yield client


def _expected(fault: str) -> type[ZepError]:
    if fault in ("500", "503"):
        return InternalServerError
    return APITimeoutError if fault == "timeout" else APIConnectionError


@pytest.mark.parametrize("fault", sorted(AMBIGUOUS))
@pytest.mark.parametrize("call", sorted(WRITES))
async def test_an_ambiguous_failure_is_not_resent(
    local_zep: LocalZep, zep: AsyncZep, call: str, fault: str
) -> None:
    """A 5xx, timeout, dropped connection or cut body: one request, may_have_been_applied."""
    route, write = WRITES[call]
    AMBIGUOUS[fault](local_zep, route)
    with pytest.raises(_expected(fault)) as info:
        await write(zep, options_for(fault))
    assert local_zep.count(route) == 1
    assert info.value.may_have_been_applied is True


@pytest.mark.parametrize("call", sorted(WRITES))
async def test_a_failure_after_applying_is_not_resent(
    local_zep: LocalZep, zep: AsyncZep, call: str
) -> None:
    """The server applied the write, then answered 500: reached once, the write stands."""
    route, write = WRITES[call]
    local_zep.fail_after_applying(route, 500)
    with pytest.raises(InternalServerError) as info:
        await write(zep, {})
    assert local_zep.count(route) == 1
    assert info.value.may_have_been_applied is True
    applied = {u["user_id"]: u for u in local_zep.users}
    assert "new" in applied if call == "add" else applied["old"]["email"] == "e@x.org"


@pytest.mark.parametrize("call", sorted(WRITES))
async def test_a_connection_dropped_after_applying_is_not_resent(
    local_zep: LocalZep, zep: AsyncZep, call: str
) -> None:
    """The server applied the write and hung up: one request, an APIConnectionError."""
    route, write = WRITES[call]
    local_zep.drop_connection(route, after_applying=True)
    with pytest.raises(APIConnectionError) as info:
        await write(zep, {})
    assert local_zep.count(route) == 1
    assert info.value.may_have_been_applied is True


@pytest.mark.parametrize("call", sorted(WRITES))
async def test_a_429_is_retried(local_zep: LocalZep, zep: AsyncZep, call: str) -> None:
    """A 429 refuses the request: the write is sent again and succeeds."""
    route, write = WRITES[call]
    local_zep.fail(route, 429, headers={"Retry-After": "0"}, times=2)
    user = await write(zep, {})
    assert local_zep.count(route) == 3
    assert user.user_id in ("new", "old")


@pytest.mark.parametrize("call", sorted(WRITES))
async def test_a_refused_connection_is_retried(call: str) -> None:
    """Nothing listening: nothing was applied, so the write is tried max_retries + 1 times."""
    _, write = WRITES[call]
    url = f"http://127.0.0.1:{closed_port()}/api/v2"
    async with AsyncZep(api_key="k", base_url=url, retry_policy=NO_WAIT) as zep:
        with pytest.raises(APIConnectionError) as info:
            await write(zep, {})
    assert info.value.attempts == 3
    assert info.value.may_have_been_applied is False


async def test_retry_writes_resends_an_add_into_already_exists(
    local_zep: LocalZep, zep: AsyncZep
) -> None:
    """Opted in, an add applied then failed is resent, and the resend meets the duplicate."""
    local_zep.fail_after_applying("add_user", 500)
    with pytest.raises(AlreadyExistsError) as info:
        await zep.user.add(user_id="new", request_options={"retry_writes": True})
    assert local_zep.count("add_user") == 2
    assert info.value.may_have_been_applied is True
    assert [u["user_id"] for u in local_zep.users].count("new") == 1


async def test_retry_writes_resends_an_update(local_zep: LocalZep, zep: AsyncZep) -> None:
    """Opted in, an update that met a 500 is resent and succeeds (same end state)."""
    local_zep.fail("update_user", 500)
    user = await zep.user.update("old", first_name="O", request_options={"retry_writes": True})
    assert user.first_name == "O"
    assert local_zep.count("update_user") == 2


async def test_delete_retried_into_a_404_may_have_deleted(
    local_zep: LocalZep, zep: AsyncZep
) -> None:
    """DELETE is retried; its 404 after an applied attempt says it may have deleted the user."""
    local_zep.fail_after_applying("delete_user", 500)
    with pytest.raises(NotFoundError) as info:
        await zep.user.delete("old")
    assert local_zep.count("delete_user") == 2
    assert info.value.may_have_been_applied is True
    assert local_zep.users == []


# -- the walk ------------------------------------------------------------------------


async def test_iter_users_yields_every_user_once_newest_first(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """250 users in pages of 100 with camelCase paging: all of them, newest first."""
    for n in range(250):
        local_zep.add_user(f"user-{n:03d}")
    walked = [u.user_id async for u in client.user.iter_users()]
    assert walked == [f"user-{n:03d}" for n in reversed(range(250))]
    queries = [r.query for r in local_zep.requests]
    assert {"pageNumber": "1", "pageSize": "100"} in queries
    assert all(set(q) == {"pageNumber", "pageSize"} for q in queries)


@pytest.mark.parametrize("prefetch", [1, 4])
async def test_users_created_during_the_walk_cost_no_old_user(
    local_zep: LocalZep, client: AsyncZep, prefetch: int
) -> None:
    """Users created while page 2 is held: every user that existed all along comes once."""
    for n in range(400):
        local_zep.add_user(f"user-{n:03d}")
    before = {u["uuid"] for u in local_zep.users}
    walk = client.user.iter_users(prefetch=prefetch)
    walked = [(await anext(walk)).uuid for _ in range(100)]
    local_zep.delay("list_users", 1.0, times=1)
    second = asyncio.ensure_future(anext(walk))
    async with asyncio.timeout(10):
        await local_zep.wait_for_requests_async(min(1 + prefetch, 4), route="list_users")
    for n in range(50):
        local_zep.add_user(f"late-{n:02d}")
    async with asyncio.timeout(30):
        walked.append((await second).uuid)
        walked += [u.uuid async for u in walk]
    assert len(walked) == len(set(walked)), "a user was yielded twice"
    assert not before - set(walked), "a user that existed all along was not yielded"


async def test_leaving_the_walk_early_stops_requests(local_zep: LocalZep, client: AsyncZep) -> None:
    """Closing the walk after one user sends no page beyond the prefetched ones."""
    for n in range(1000):
        local_zep.add_user(f"user-{n:04d}")
    walk = client.user.iter_users(page_size=10, prefetch=2)
    first = await anext(walk)
    await walk.aclose()
    assert first.user_id == "user-0999"
    assert local_zep.count("list_users") <= 3


async def test_the_raw_walk_keeps_each_user_as_sent(local_zep: LocalZep, client: AsyncZep) -> None:
    """The export's walk yields the JSON objects of the server, unknown keys and all."""
    local_zep.add_user("a", extra_field={"kept": True}, created_at="2024-01-02T03:04:05.123456789Z")
    local_zep.add_user("b")
    walk = client.user.with_raw_response.iter_users(page_size=1)
    raw = [json.loads(item.text) async for item in walk]
    assert [u["user_id"] for u in raw] == ["b", "a"]
    assert raw[1]["extra_field"] == {"kept": True}
    assert raw[1]["created_at"] == "2024-01-02T03:04:05.123456789Z"


async def test_cancelling_a_walk_mid_page_abandons_its_request(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """A walk cancelled while its page is in flight raises CancelledError and hangs up."""
    for n in range(50):
        local_zep.add_user(f"user-{n:02d}")
    local_zep.stall("list_users")
    walk = client.user.iter_users(page_size=10, prefetch=3)
    pending = asyncio.ensure_future(anext(walk))
    async with asyncio.timeout(10):
        await local_zep.wait_for_requests_async(1, route="list_users")
    pending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await pending
    await walk.aclose()
    async with asyncio.timeout(10):
        await local_zep.wait_for_disconnects_async(1)
    assert local_zep.count("list_users") == 1


async def test_cancelling_an_add_in_flight_sends_it_once(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """Cancelling user.add while the server holds it: CancelledError, one request, no resend."""
    local_zep.stall("add_user")
    task = asyncio.ensure_future(client.user.add(user_id="late"))
    async with asyncio.timeout(10):
        await local_zep.wait_for_requests_async(1, route="add_user")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with asyncio.timeout(10):
        await local_zep.wait_for_disconnects_async(1)
    assert local_zep.count("add_user") == 1
    assert local_zep.users == []
