"""LocalZep at scale: pages cost what they hold, and the indexes follow every write."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from tests.local_zep_support import Api, cloud, http_client
from zep_async.testing import _store_sessions
from zep_async.testing._store import Store
from zep_async.testing._timestamps import timestamp_sort_key

__all__ = ["cloud", "http_client"]

ORDERS = (None, "created_at", "updated_at", "user_id", "session_id")


def _expected(store: Store, order_by: str | None, asc: bool) -> list[str]:
    """The order a full sort of the table gives (what the server did before the indexes)."""
    rows = [(data["id"], data) for data in store.sessions.stored()]

    def key(entry: tuple[int, dict[str, Any]]) -> tuple[Any, ...]:
        row, data = entry
        if order_by is None:
            return (row,)
        value = data.get(order_by)
        if order_by.endswith("_at"):
            moment = timestamp_sort_key(value)
            return (0, (0, 0), row) if moment is None else (1, moment, row)
        if value is None:
            return (0, "", row)
        return (1, value if isinstance(value, str) else json.dumps(value, sort_keys=True), row)

    rows.sort(key=key, reverse=not asc)
    return [data["session_id"] for _, data in rows]


def _walk(store: Store, order_by: str | None, asc: bool, size: int) -> list[str]:
    seen: list[str] = []
    number = 1
    while True:
        page = store.sessions.page(page_number=number, page_size=size, order_by=order_by, asc=asc)
        seen += [data["session_id"] for data in page["sessions"]]
        if page["response_count"] < size:
            return seen
        number += 1


@pytest.mark.parametrize("order_by", ORDERS)
@pytest.mark.parametrize("asc", [True, False])
def test_pages_match_a_full_sort_after_random_writes(order_by: str | None, asc: bool) -> None:
    """After adds, updates, ends and deletes, every order's pages equal a full sort of the table."""
    rng = random.Random(7)
    store = Store()
    store.sessions.page(page_number=1, page_size=3, order_by=order_by, asc=asc)  # index built empty
    for n in range(300):
        user = rng.choice([None, "u-1", "u-2", {"odd": "but JSON"}])
        store.sessions.add(f"s-{rng.randrange(10**6):06d}-{n}", {"user_id": user})
        if rng.random() < 0.3:
            victim = rng.choice(list(store.sessions.stored()))
            store.sessions.change(victim, updated_at=rng.choice([None, "2030-01-01T00:00:00Z"]))
        if rng.random() < 0.2:
            store.delete_session(rng.choice(list(store.sessions.stored()))["session_id"])
    assert _walk(store, order_by, asc, 7) == _expected(store, order_by, asc)
    assert len(_walk(store, order_by, asc, 7)) == len(store.sessions)


def test_a_page_computes_no_sort_key_once_the_index_exists(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Paging an indexed order reads the sorted index; no page reads every session's timestamp."""
    store = Store()
    for n in range(2000):
        store.sessions.add(f"s-{n}", {})
    store.sessions.page(page_number=1, page_size=10, order_by="updated_at", asc=True)
    calls = 0
    original = _store_sessions.timestamp_sort_key

    def counting(value: object) -> Any:
        nonlocal calls
        calls += 1
        return original(value)

    monkeypatch.setattr(_store_sessions, "timestamp_sort_key", counting)
    pages = [
        store.sessions.page(page_number=n, page_size=10, order_by="updated_at", asc=False)
        for n in range(1, 201)
    ]
    assert calls == 0
    assert pages[-1]["sessions"][-1]["session_id"] == "s-0"


def test_session_counts_follow_adds_and_deletes() -> None:
    """A user's session count is kept on write: adds count, deletes of a session or user uncount."""
    store = Store()
    store.users.add("jane", {})
    for n in range(5):
        store.sessions.add(f"s-{n}", {"user_id": "jane"})
    store.delete_session("s-2")
    assert store.sessions.count_of_user("jane") == 4
    assert [data["session_id"] for data in store.sessions.of_user("jane")] == [
        "s-0",
        "s-1",
        "s-3",
        "s-4",
    ]
    store.delete_user("jane")
    assert (store.sessions.count_of_user("jane"), len(store.sessions)) == (0, 0)


async def test_users_pages_carry_session_counts_newest_first(cloud: Api) -> None:
    """GET /users-ordered pages newest first with each user's session count, in O(page)."""
    for n in range(5):
        cloud.server.add_user(f"u-{n}")
    for n in range(7):
        cloud.server.add_session(f"s-{n}", user_id=f"u-{n % 2}")
    status, body = await cloud("GET", "/users-ordered?pageNumber=3&pageSize=2")
    assert status == 200
    assert [(u["user_id"], u["session_count"]) for u in body["users"]] == [("u-0", 4)]
    assert (body["total_count"], body["row_count"]) == (5, 1)


async def test_a_walk_while_sessions_are_added_misses_none(cloud: Api) -> None:
    """Sessions added between pages push older ones later: a walk still sees every old one."""
    cloud.server.seed(95)
    before = {data["session_id"] for data in cloud.server.sessions}
    seen: set[str] = set()
    for number in range(1, 30):
        status, body = await cloud("GET", f"/sessions-ordered?page_number={number}&page_size=10")
        assert status == 200
        seen |= {data["session_id"] for data in body["sessions"]}
        cloud.server.add_session(f"late-{number}")
        if not body["sessions"]:
            break
    assert before <= seen


def test_seed_without_copies_stores_the_same_sessions() -> None:
    """``seed(copies=False)`` returns nothing and stores what ``seed()`` stores and returns."""
    from zep_async.testing import LocalZep

    plain, spare = LocalZep(), LocalZep()
    returned = plain.seed(300, seed=3)
    assert spare.seed(300, seed=3, copies=False) == []
    assert spare.sessions == plain.sessions == returned
    assert spare.users == plain.users
