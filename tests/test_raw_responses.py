"""``with_raw_response``: every call's HTTP answer beside its parsed value, async and sync."""

from __future__ import annotations

import asyncio
import inspect
import json

import pytest

from tests.conftest import NO_WAIT
from zep_async import (
    AsyncMemory,
    AsyncUsers,
    AsyncZep,
    NotFoundError,
    RawItem,
    RawResponse,
    SyncMemory,
    Zep,
)
from zep_async._raw import RECORDER
from zep_async._sync import SyncUsers
from zep_async._twins import blocking
from zep_async.testing import LocalZep


def _calls(cls: type) -> list[str]:
    """The public API calls (coroutine methods) of an async resource class."""
    return [
        name
        for name, value in inspect.getmembers(cls)
        if not name.startswith("_") and inspect.iscoroutinefunction(value)
    ]


async def test_raw_get_session_has_status_headers_request_id_and_value(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """The raw form returns the parsed session with the response's status and headers."""
    local_zep.add_session("s-1", user_id="u-1")
    raw = await client.memory.with_raw_response.get_session("s-1")
    assert isinstance(raw, RawResponse)
    assert raw.status_code == 200
    assert raw.parsed == await client.memory.get_session("s-1")
    assert raw.parse() is raw.parsed
    sent = local_zep.requests[0]
    assert raw.request_id == sent.request_id
    assert raw.headers["x-zep-request-id"] == raw.headers["X-ZEP-REQUEST-ID"] == sent.request_id
    assert raw.attempts == 1
    assert raw.elapsed > 0
    assert raw.method == "GET"
    assert raw.url.endswith("/sessions/s-1")


async def test_raw_counts_the_attempts_of_a_retried_call(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """A call that succeeded on its third attempt says attempts == 3."""
    local_zep.add_session("s-1")
    local_zep.fail("get_session", 503, times=2)
    raw = await client.memory.with_raw_response.get_session("s-1")
    assert raw.attempts == 3
    assert raw.request_id == local_zep.requests[-1].request_id


async def test_raw_list_sessions_passes_arguments_through(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """Keyword arguments reach the call unchanged, and the query shows in the URL."""
    local_zep.seed(5, seed=1)
    raw = await client.memory.with_raw_response.list_sessions(page_size=2, page_number=1)
    assert len(raw.parsed.sessions or []) == 2
    assert "page_size=2" in raw.url


async def test_raw_call_raises_what_the_call_raises(local_zep: LocalZep, client: AsyncZep) -> None:
    """An error status raises the same typed error as the ordinary call."""
    with pytest.raises(NotFoundError):
        await client.memory.with_raw_response.get_session("missing")


async def test_raw_call_checks_arguments_before_sending(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """Bad arguments raise before anything is sent, as in the ordinary call."""
    with pytest.raises(TypeError, match="session_id"):
        await client.memory.with_raw_response.get_session(42)
    assert local_zep.requests == []


async def test_recorder_is_unset_after_a_raw_call(local_zep: LocalZep, client: AsyncZep) -> None:
    """A raw call leaves no recorder behind: later ordinary calls record nothing."""
    local_zep.add_session("s-1")
    await client.memory.with_raw_response.get_session("s-1")
    assert RECORDER.get() is None
    with pytest.raises(NotFoundError):
        await client.memory.with_raw_response.get_session("nope")
    assert RECORDER.get() is None


async def test_concurrent_raw_calls_each_get_their_own_response(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """Raw calls running at once never see each other's response."""
    ids = [f"s-{n}" for n in range(20)]
    for session_id in ids:
        local_zep.add_session(session_id)
    raws = await asyncio.gather(*(client.memory.with_raw_response.get_session(i) for i in ids))
    by_request_id = {r.request_id: r.path for r in local_zep.requests}
    for session_id, raw in zip(ids, raws, strict=True):
        assert raw.parsed.session_id == session_id
        assert by_request_id[raw.request_id or ""].endswith("/" + session_id)


ASYNC_CALLS = [("memory", n) for n in _calls(AsyncMemory)] + [
    ("user", n) for n in _calls(AsyncUsers)
]


@pytest.mark.parametrize(("resource", "name"), ASYNC_CALLS)
def test_every_async_call_has_a_raw_form(resource: str, name: str) -> None:
    """Each coroutine method of each resource is offered by its with_raw_response."""
    zep = AsyncZep(api_key="k", base_url="http://127.0.0.1:9/api/v2")
    proxy = getattr(zep, resource).with_raw_response
    raw = getattr(proxy, name)
    assert callable(raw)
    assert raw.__doc__ == getattr(type(getattr(zep, resource)), name).__doc__
    assert name in dir(proxy)


def test_the_resources_have_many_calls() -> None:
    """The generic proxy covers the whole surface, not a handful of methods."""
    assert len(ASYNC_CALLS) >= 20
    assert {"add_session", "add", "get", "update_message_metadata"} <= {n for _, n in ASYNC_CALLS}


@pytest.mark.parametrize(("resource", "cls"), [("memory", SyncMemory), ("user", SyncUsers)])
def test_every_sync_call_has_a_raw_form(resource: str, cls: type) -> None:
    """Each blocking twin and raw walk of each sync resource is offered by with_raw_response."""
    names = [n for n, v in vars(cls).items() if isinstance(v, blocking)]
    names += RAW_WALKS[resource]
    assert names
    with Zep(api_key="k", base_url="http://127.0.0.1:9/api/v2") as zep:
        proxy = getattr(zep, resource).with_raw_response
        for name in names:
            assert callable(getattr(proxy, name))
        assert sorted(dir(proxy)) == sorted(names)


async def test_raw_write_and_user_calls(local_zep: LocalZep, client: AsyncZep) -> None:
    """Writes and the user resource return their raw responses like reads do."""
    raw_user = await client.user.with_raw_response.add(user_id="u-1", email="a@example.com")
    assert raw_user.method == "POST"
    assert raw_user.status_code in (200, 201)
    assert raw_user.parsed.user_id == "u-1"
    raw_session = await client.memory.with_raw_response.add_session(session_id="s-1", user_id="u-1")
    assert raw_session.parsed.session_id == "s-1"
    assert raw_session.request_id == local_zep.requests[-1].request_id
    raw_get = await client.user.with_raw_response.get("u-1")
    assert (raw_get.status_code, raw_get.parsed.email) == (200, "a@example.com")
    raw_sessions = await client.user.with_raw_response.get_sessions("u-1")
    assert [s.session_id for s in raw_sessions.parsed] == ["s-1"]


RAW_WALKS = {"memory": ["iter_session_messages", "iter_sessions"], "user": ["iter_users"]}


@pytest.mark.parametrize(("resource", "name"), [("memory", "iter_session_pages")])
def test_page_walks_have_no_raw_form(resource: str, name: str) -> None:
    """A walk of pages is refused with a message pointing at the one-page call."""
    zep = AsyncZep(api_key="k", base_url="http://127.0.0.1:9/api/v2")
    with pytest.raises(AttributeError, match="walk"):
        getattr(getattr(zep, resource).with_raw_response, name)
    with (
        Zep(api_key="k", base_url="http://127.0.0.1:9/api/v2") as sync,
        pytest.raises(AttributeError, match="walk"),
    ):
        getattr(getattr(sync, resource).with_raw_response, name)


@pytest.mark.parametrize("name", ["nope", "_transport", "with_raw_response"])
def test_other_names_are_not_offered(name: str) -> None:
    """Unknown, private and non-call names raise AttributeError."""
    zep = AsyncZep(api_key="k", base_url="http://127.0.0.1:9/api/v2")
    with pytest.raises(AttributeError):
        getattr(zep.memory.with_raw_response, name)


def test_sync_raw_get_session(local_zep_thread: LocalZep) -> None:
    """Zep's raw form runs on the runner and returns the same RawResponse."""
    local_zep_thread.add_session("s-1")
    with Zep(
        api_key=local_zep_thread.api_key,
        base_url=local_zep_thread.base_url,
        retry_policy=NO_WAIT,
    ) as zep:
        local_zep_thread.fail("get_session", 503)
        raw = zep.memory.with_raw_response.get_session("s-1")
        assert raw.status_code == 200
        assert raw.parsed.session_id == "s-1"
        assert raw.attempts == 2
        assert raw.headers["X-Zep-Request-Id"] == raw.request_id
        with pytest.raises(NotFoundError):
            zep.memory.with_raw_response.get_session("missing")


async def test_raw_response_carries_the_body_as_sent(local_zep: LocalZep, client: AsyncZep) -> None:
    """content is the body's bytes, text the same decoded, json_line it on one line."""
    local_zep.add_session("s-1")
    raw = await client.memory.with_raw_response.get_session("s-1")
    assert json.loads(raw.content)["session_id"] == "s-1"
    assert raw.text == raw.content.decode()
    assert raw.json_line == raw.text.strip()


async def test_raw_walks_yield_each_item_with_its_text(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """with_raw_response.iter_sessions yields RawItem: the Session and its JSON text."""
    local_zep.seed(5)
    items = [i async for i in client.memory.with_raw_response.iter_sessions(page_size=2)]
    assert all(isinstance(item, RawItem) for item in items)
    assert [json.loads(i.text)["session_id"] for i in items] == [i.parsed.session_id for i in items]
    assert len({i.parsed.session_id for i in items}) == 5


def test_sync_raw_walk_is_a_generator(local_zep_thread: LocalZep) -> None:
    """Zep's with_raw_response.iter_users is a plain generator of RawItem."""
    with Zep(api_key=local_zep_thread.api_key, base_url=local_zep_thread.base_url) as zep:
        zep.user.add(user_id="u-1")
        (item,) = list(zep.user.with_raw_response.iter_users(page_size=1))
    assert item.parsed.user_id == "u-1"
    assert json.loads(item.text)["user_id"] == "u-1"


def test_raw_walk_checks_arguments_at_the_call() -> None:
    """A raw walk refuses a bad page_size before anything is sent."""
    zep = AsyncZep(api_key="k", base_url="http://127.0.0.1:9/api/v2")
    with pytest.raises(ValueError, match="page_size"):
        zep.user.with_raw_response.iter_users(page_size=0)
