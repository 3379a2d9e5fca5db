"""The clients under test, each behind the same two calls: ``get()`` and ``page()``.

``get()`` fetches the benchmark session, ``page()`` the first page of 100.
Libraries are imported inside the factories, so this module loads in either
virtual environment. Every client runs with its defaults, as a user would,
except that the fan-out sizes every pool to the fan-out through the client's
own public setting (``connections``): with the default pools of 100
connections that all four share, 1,000 calls would be ten waves of 200 ms for
everyone, and the figure would measure the pool size, not the client.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, NamedTuple

from benchmarks.payloads import SESSION_ID

API_KEY = "bench-api-key"
HEADERS = {"Authorization": f"Api-Key {API_KEY}", "Accept": "application/json"}


class AsyncCalls(NamedTuple):
    """The two calls of an async contender."""

    get: Callable[[], Awaitable[Any]]
    page: Callable[[], Awaitable[Any]]


class SyncCalls(NamedTuple):
    """The two calls of a sync contender."""

    get: Callable[[], Any]
    page: Callable[[], Any]


@contextlib.asynccontextmanager
async def aiohttp_raw(base: str, connections: int | None = None) -> AsyncIterator[AsyncCalls]:
    """The floor: ``ClientSession.get`` and ``json.loads``."""
    import aiohttp

    get_url, page_url = f"{base}/sessions/{SESSION_ID}", f"{base}/sessions-ordered?page_size=100"
    pool = {} if connections is None else {"connector": aiohttp.TCPConnector(limit=connections)}
    async with aiohttp.ClientSession(headers=HEADERS, **pool) as session:

        async def fetch(url: str) -> Any:
            async with session.get(url) as response:
                return json.loads(await response.read())

        yield AsyncCalls(lambda: fetch(get_url), lambda: fetch(page_url))


def _httpx_limits(connections: int | None) -> dict[str, Any]:
    import httpx

    if connections is None:
        return {}
    return {"limits": httpx.Limits(max_connections=connections, max_keepalive_connections=None)}


@contextlib.asynccontextmanager
async def httpx_async(base: str, connections: int | None = None) -> AsyncIterator[AsyncCalls]:
    """``httpx.AsyncClient.get`` and ``Response.json``, for context."""
    import httpx

    get_url, page_url = f"{base}/sessions/{SESSION_ID}", f"{base}/sessions-ordered?page_size=100"
    async with httpx.AsyncClient(headers=HEADERS, **_httpx_limits(connections)) as client:

        async def fetch(url: str) -> Any:
            return (await client.get(url)).json()

        yield AsyncCalls(lambda: fetch(get_url), lambda: fetch(page_url))


@contextlib.asynccontextmanager
async def zep_async(base: str, connections: int | None = None) -> AsyncIterator[AsyncCalls]:
    """Our ``AsyncZep``."""
    from zep_async import AsyncZep

    pool = {} if connections is None else {"max_connections": connections}
    async with AsyncZep(api_key=API_KEY, base_url=base, **pool) as zep:
        memory = zep.memory
        yield AsyncCalls(
            lambda: memory.get_session(SESSION_ID), lambda: memory.list_sessions(page_size=100)
        )


@contextlib.asynccontextmanager
async def official_async(base: str, connections: int | None = None) -> AsyncIterator[AsyncCalls]:
    """The official ``zep_cloud.client.AsyncZep``."""
    from zep_cloud.client import AsyncZep

    pool: dict[str, Any] = {}
    if connections is not None:
        import httpx

        # The client it would build itself (timeout 60 s, redirects followed), with a bigger pool.
        pool["httpx_client"] = httpx.AsyncClient(
            timeout=60, follow_redirects=True, **_httpx_limits(connections)
        )
    client = AsyncZep(api_key=API_KEY, base_url=base, **pool)
    memory = client.memory
    try:
        yield AsyncCalls(
            lambda: memory.get_session(session_id=SESSION_ID),
            lambda: memory.list_sessions(page_size=100),
        )
    finally:
        await client._client_wrapper.httpx_client.httpx_client.aclose()


@contextlib.contextmanager
def httpx_sync(base: str) -> Iterator[SyncCalls]:
    """``httpx.Client.get`` and ``Response.json``, for context."""
    import httpx

    get_url, page_url = f"{base}/sessions/{SESSION_ID}", f"{base}/sessions-ordered?page_size=100"
    with httpx.Client(headers=HEADERS) as client:
        yield SyncCalls(lambda: client.get(get_url).json(), lambda: client.get(page_url).json())


@contextlib.contextmanager
def zep_sync(base: str) -> Iterator[SyncCalls]:
    """Our ``Zep``, the sync facade."""
    from zep_async import Zep

    with Zep(api_key=API_KEY, base_url=base) as zep:
        memory = zep.memory
        yield SyncCalls(
            lambda: memory.get_session(SESSION_ID), lambda: memory.list_sessions(page_size=100)
        )


@contextlib.contextmanager
def official_sync(base: str) -> Iterator[SyncCalls]:
    """The official ``zep_cloud.client.Zep``."""
    from zep_cloud.client import Zep

    client = Zep(api_key=API_KEY, base_url=base)
    memory = client.memory
    try:
        yield SyncCalls(
            lambda: memory.get_session(session_id=SESSION_ID),
            lambda: memory.list_sessions(page_size=100),
        )
    finally:
        client._client_wrapper.httpx_client.httpx_client.close()


ASYNC = {
    "aiohttp": aiohttp_raw,
    "zep_async": zep_async,
    "official_async": official_async,
    "httpx_async": httpx_async,
}
SYNC = {"zep_sync": zep_sync, "official_sync": official_sync, "httpx_sync": httpx_sync}


def decoder(name: str) -> Callable[[bytes], Any]:
    """Bytes of a SessionListResponse to the contender's objects."""
    if name == "json":
        return json.loads
    if name == "zep_async":
        from zep_async import SessionListResponse
        from zep_async._convert import decode

        return lambda body: decode(SessionListResponse, body)
    if name == "official":
        from zep_cloud.core.pydantic_utilities import pydantic_v1
        from zep_cloud.types import SessionListResponse as OfficialPage

        # What zep_cloud's memory client does with a 2xx: parse_obj_as(..., response.json()).
        return lambda body: pydantic_v1.parse_obj_as(OfficialPage, json.loads(body))
    raise ValueError(f"unknown decoder {name!r}")
