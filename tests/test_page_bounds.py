"""Every paged call refuses a page far longer than asked for, before building its models.

The rule (``zep_async.pagination.max_page_items``): a reply to a request for ``n``
items may hold at most ``10 * n + 100``. The hostile body is 4 KB of gzip that
expands to 1.4 M empty objects, sent chunked (no Content-Length), so that the
transport's expansion bound, which needs the compressed length, does not stop it
first: only the page bound does.
"""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import cache
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web

from tests.conftest import NO_WAIT, local_sync_client
from zep_async import (
    APIResponseValidationError,
    AsyncZep,
    MemorySearchResult,
    Message,
    Session,
    SessionSearchResult,
    User,
)
from zep_async._codec import _compiled, _fastpath, use_compiled
from zep_async.pagination import max_page_items
from zep_async.testing import LocalZep

BOMB_ITEMS = 1_400_001

#: Where each paged answer keeps its items (None: a bare array), by request path.
ARRAYS = {
    "/api/v2/sessions-ordered": "sessions",
    "/api/v2/sessions/s/messages": "messages",
    "/api/v2/users-ordered": "users",
    "/api/v2/sessions/s/search": None,
    "/api/v2/sessions/search": "results",
}


@cache
def _gzip_page(array: str | None, items: int) -> bytes:
    """A gzip body holding ``items`` empty objects, in ``array`` (or as a bare array)."""
    objects = b"[" + b"{}," * (items - 1) + b"{}]"
    body = objects if array is None else b'{"%s":%s}' % (array.encode(), objects)
    return gzip.compress(body, 9)


@pytest_asyncio.fixture
async def server() -> AsyncIterator[tuple[str, dict[str, int]]]:
    """A server answering every paged path with ``state["items"]`` empty objects, chunked."""
    state = {"items": BOMB_ITEMS}

    async def handler(request: web.Request) -> web.StreamResponse:
        payload = _gzip_page(ARRAYS[request.path], state["items"])
        response = web.StreamResponse(
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}
        )
        response.enable_chunked_encoding()  # no Content-Length: no expansion ratio to check
        await response.prepare(request)
        await response.write(payload)
        await response.write_eof()
        return response

    app = web.Application()
    for path in ARRAYS:
        app.router.add_route("*", path, handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/api/v2", state
    finally:
        await runner.cleanup()


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[type]:
    """Records the class of every item model built, on either decoding path."""
    record: list[type] = []
    counting: dict[Any, Any] = {}
    for cls in (Session, Message, User, MemorySearchResult, SessionSearchResult):
        for checked in (True, False):
            real = _fastpath.fast_function(cls, checked)
            assert real is not None

            def count(value: Any, real: Any = real, cls: type = cls) -> Any:
                record.append(cls)
                return real(value)

            counting[(cls, checked)] = count
    # Only the items' functions are kept: the pages' are generated anew around them.
    monkeypatch.setattr(_fastpath, "_fast_functions", counting)
    monkeypatch.setattr(_compiled, "_plans", {})
    return record


async def _drain(walk: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in walk]


#: Each paged call asking for 100 items, and the model its items become.
CALLS: dict[str, tuple[type, Callable[[AsyncZep], Awaitable[object]]]] = {
    "list_sessions": (Session, lambda z: z.memory.list_sessions(page_size=100)),
    "raw list_sessions": (
        Session,
        lambda z: z.memory.with_raw_response.list_sessions(page_size=100),
    ),
    "iter_session_pages": (Session, lambda z: _drain(z.memory.iter_session_pages(page_size=100))),
    "iter_sessions": (Session, lambda z: _drain(z.memory.iter_sessions(page_size=100))),
    "raw iter_sessions": (
        Session,
        lambda z: _drain(z.memory.with_raw_response.iter_sessions(page_size=100)),
    ),
    "get_session_messages": (Message, lambda z: z.memory.get_session_messages("s", limit=100)),
    "iter_session_messages": (
        Message,
        lambda z: _drain(z.memory.iter_session_messages("s", page_size=100)),
    ),
    "raw iter_session_messages": (
        Message,
        lambda z: _drain(z.memory.with_raw_response.iter_session_messages("s", page_size=100)),
    ),
    "user.list_ordered": (User, lambda z: z.user.list_ordered(page_size=100)),
    "user.iter_users": (User, lambda z: _drain(z.user.iter_users(page_size=100))),
    "raw user.iter_users": (
        User,
        lambda z: _drain(z.user.with_raw_response.iter_users(page_size=100)),
    ),
    "search": (MemorySearchResult, lambda z: z.memory.search("s", text="x", limit=100)),
    "search_sessions": (
        SessionSearchResult,
        lambda z: z.memory.search_sessions(text="x", limit=100),
    ),
}


@pytest.mark.parametrize("name", CALLS)
async def test_a_compressed_page_of_a_million_items_is_refused_unbuilt(
    server: tuple[str, dict[str, int]], built: list[type], name: str
) -> None:
    """1.4 M items where 100 were asked for: refused, naming the count, no model built."""
    base_url, state = server
    model, call = CALLS[name]
    async with AsyncZep(api_key="k", base_url=base_url, retry_policy=NO_WAIT) as zep:
        state["items"] = 3
        await call(zep)  # the first decode may run the compiled decoder's self-check
        built.clear()
        await call(zep)
        assert built == [model] * 3  # the counter sees what a page builds
        state["items"] = BOMB_ITEMS
        with pytest.raises(APIResponseValidationError) as caught:
            await call(zep)
    error = caught.value
    assert f"holds {BOMB_ITEMS} items, more than the 1100 this request allows" in str(error)
    assert error.may_have_been_applied is False
    assert "pageSize=100" in str(error.url) or "limit=100" in str(error.url)
    assert built == [model] * 3, "models were built from the oversized page"


async def test_the_standard_decoder_refuses_it_unbuilt_too(
    server: tuple[str, dict[str, int]], built: list[type]
) -> None:
    """Without the compiled decoder, the oversized page is refused before any Session."""
    base_url, _ = server
    use_compiled(False)
    try:
        async with AsyncZep(api_key="k", base_url=base_url, retry_policy=NO_WAIT) as zep:
            with pytest.raises(APIResponseValidationError, match=f"{BOMB_ITEMS} items"):
                await zep.memory.list_sessions(page_size=100)
        assert built == []
    finally:
        use_compiled(None)


def test_the_sync_walk_refuses_it(local_zep_thread: LocalZep, built: list[type]) -> None:
    """The sync facade's walk raises the same refusal, having built nothing."""
    body = b'{"sessions":[' + b"{}," * 1100 + b'{}],"total_count":1101}'
    local_zep_thread.fail("list_sessions", 200, body=body)
    with (
        local_sync_client(local_zep_thread) as zep,
        pytest.raises(APIResponseValidationError, match="1101 items, more than the 1100"),
    ):
        list(zep.memory.iter_sessions(page_size=100))
    assert built == []


async def test_a_page_at_the_bound_is_read(server: tuple[str, dict[str, int]]) -> None:
    """Exactly 10 * page_size + 100 items is a server ignoring the size, and is read."""
    base_url, state = server
    state["items"] = max_page_items(7)
    async with AsyncZep(api_key="k", base_url=base_url, retry_policy=NO_WAIT) as zep:
        page = await zep.user.list_ordered(page_size=7)
        assert len(page.users) == 170
        state["items"] += 1
        with pytest.raises(APIResponseValidationError, match="171 items, more than the 170"):
            await zep.user.list_ordered(page_size=7)


async def test_calls_without_a_page_size_read_any_length(
    server: tuple[str, dict[str, int]],
) -> None:
    """No page size asked: the server's default applies (CE: everything), so no item bound."""
    base_url, state = server
    state["items"] = 5_000
    async with AsyncZep(api_key="k", base_url=base_url, retry_policy=NO_WAIT) as zep:
        page = await zep.memory.list_sessions()
        messages = await zep.memory.get_session_messages("s")
        hits = await zep.memory.search("s", text="x")
    assert (len(page.sessions), len(messages.messages), len(hits)) == (5_000, 5_000, 5_000)


def test_the_rule_is_ten_pages_and_a_hundred() -> None:
    """max_page_items is 10 * page_size + 100."""
    assert [max_page_items(n) for n in (1, 10, 100, 1000)] == [110, 200, 1100, 10100]
