"""The clients under test, each behind the same named calls (see ``OPS``).

Each factory yields a ``dict`` from an operation name to a call without
arguments: ``get`` fetches the benchmark session, ``list100`` the first page of
100 sessions, ``add_session``, ``memory_add`` (6 messages), ``memory_get`` (6
messages back), ``messages100`` (``get_session_messages``, a page of 100) and
``users100`` (``user.list_ordered``, a page of 100), and issue 26's smoke pair
``session_facts`` (``memory.get_session_facts``, three facts) and ``add_facts``
(``memory.add_session_facts``, two facts). The raw clients send the
same requests (method, path, query, body) as the SDKs. Libraries are imported
inside the factories, so this module loads in either virtual environment. Every
client runs with its defaults, as a user would, except that the fan-out sizes
every pool to the fan-out through the client's own public setting
(``connections``): with the default pools of 100 connections that all four
share, 1,000 calls would be ten waves of 200 ms for everyone, and the figure
would measure the pool size, not the client.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

from benchmarks.payloads import NEW_FACTS, NEW_SESSION, SESSION_ID, turn

API_KEY = "bench-api-key"
HEADERS = {"Authorization": f"Api-Key {API_KEY}", "Accept": "application/json"}

#: The calls every async contender offers.
OPS = (
    "get",
    "list100",
    "add_session",
    "memory_add",
    "memory_get",
    "messages100",
    "users100",
    "session_facts",
    "add_facts",
)

AsyncCalls = dict[str, Callable[[], Awaitable[Any]]]
SyncCalls = dict[str, Callable[[], Any]]


def _requests(base: str) -> dict[str, tuple[str, str, Any]]:
    """Per operation: method, URL and JSON body (None for a GET), as the SDKs send them."""
    session = f"{base}/sessions/{SESSION_ID}"
    return {
        "get": ("GET", session, None),
        "list100": ("GET", f"{base}/sessions-ordered?page_size=100", None),
        "add_session": ("POST", f"{base}/sessions", NEW_SESSION),
        "memory_add": ("POST", f"{session}/memory", {"messages": turn()}),
        "memory_get": ("GET", f"{session}/memory?lastn=6", None),
        "messages100": ("GET", f"{session}/messages?limit=100", None),
        "users100": ("GET", f"{base}/users-ordered?pageNumber=1&pageSize=100", None),
        "session_facts": ("GET", f"{session}/facts", None),
        "add_facts": ("POST", f"{session}/facts", {"facts": NEW_FACTS}),
    }


def _json_library(name: str) -> tuple[Callable[[bytes], Any], Callable[[Any], bytes]]:
    if name == "orjson":
        import orjson

        return orjson.loads, orjson.dumps
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
    return json.loads, lambda value: encoder.encode(value).encode()


@contextlib.asynccontextmanager
async def _aiohttp_raw(
    base: str, connections: int | None, library: str
) -> AsyncIterator[AsyncCalls]:
    import aiohttp

    loads, dumps = _json_library(library)
    pool = {} if connections is None else {"connector": aiohttp.TCPConnector(limit=connections)}
    post_headers = {"Content-Type": "application/json"}
    async with aiohttp.ClientSession(headers=HEADERS, **pool) as session:

        def call(method: str, url: str, body: Any) -> Callable[[], Awaitable[Any]]:
            if body is None:

                async def fetch() -> Any:
                    async with session.get(url) as response:
                        return loads(await response.read())

                return fetch

            async def send() -> Any:
                data = dumps(body)  # encoded per call, as an SDK must
                async with session.request(method, url, data=data, headers=post_headers) as r:
                    return loads(await r.read())

            return send

        yield {op: call(*request) for op, request in _requests(base).items()}


def aiohttp_raw(base: str, connections: int | None = None) -> Any:
    """The floor: ``aiohttp.ClientSession`` with ``json.loads`` / ``json`` encoding."""
    return _aiohttp_raw(base, connections, "json")


def aiohttp_orjson(base: str, connections: int | None = None) -> Any:
    """The floor with the speedups' JSON library: ``orjson.loads`` / ``orjson.dumps``."""
    return _aiohttp_raw(base, connections, "orjson")


def _httpx_limits(connections: int | None) -> dict[str, Any]:
    import httpx

    if connections is None:
        return {}
    return {"limits": httpx.Limits(max_connections=connections, max_keepalive_connections=None)}


@contextlib.asynccontextmanager
async def httpx_async(base: str, connections: int | None = None) -> AsyncIterator[AsyncCalls]:
    """``httpx.AsyncClient.get`` and ``Response.json``, for context (get only)."""
    import httpx

    url = f"{base}/sessions/{SESSION_ID}"
    async with httpx.AsyncClient(headers=HEADERS, **_httpx_limits(connections)) as client:

        async def fetch() -> Any:
            return (await client.get(url)).json()

        yield {"get": fetch}


def _ours(memory: Any, user: Any) -> dict[str, Callable[[], Any]]:
    """Our calls, by operation, for AsyncZep's or Zep's resources (the same names).

    A call not (yet) in the package is left out, so its scenario says "skipped".
    """
    from zep_async import Message

    messages = [Message(**m) for m in turn()]  # type: ignore[arg-type]
    wanted: dict[str, tuple[Any, str, tuple[Any, ...], dict[str, Any]]] = {
        "get": (memory, "get_session", (SESSION_ID,), {}),
        "list100": (memory, "list_sessions", (), {"page_size": 100}),
        "add_session": (memory, "add_session", (), NEW_SESSION),
        "memory_add": (memory, "add", (SESSION_ID,), {"messages": messages}),
        "memory_get": (memory, "get", (SESSION_ID,), {"lastn": 6}),
        "messages100": (memory, "get_session_messages", (SESSION_ID,), {"limit": 100}),
        "users100": (user, "list_ordered", (), {"page_number": 1, "page_size": 100}),
        "session_facts": (memory, "get_session_facts", (SESSION_ID,), {}),
        "add_facts": (memory, "add_session_facts", (SESSION_ID,), {"facts": NEW_FACTS}),
    }
    calls: dict[str, Callable[[], Any]] = {}
    for op, (owner, name, args, kwargs) in wanted.items():
        method = getattr(owner, name, None)
        if method is not None:
            calls[op] = functools.partial(method, *args, **kwargs)
    return calls


@contextlib.asynccontextmanager
async def zep_async(base: str, connections: int | None = None) -> AsyncIterator[AsyncCalls]:
    """Our ``AsyncZep``, with the speedups (msgspec and orjson) when installed."""
    from zep_async import AsyncZep

    pool = {} if connections is None else {"max_connections": connections}
    async with AsyncZep(api_key=API_KEY, base_url=base, **pool) as zep:
        yield _ours(zep.memory, getattr(zep, "user", None))


@contextlib.asynccontextmanager
async def zep_async_json(base: str, connections: int | None = None) -> AsyncIterator[AsyncCalls]:
    """Our ``AsyncZep`` with orjson switched off: the standard library's ``json`` only."""
    from zep_async._codec import _json, use_compiled

    _json.use_orjson(False)
    use_compiled(False)
    async with zep_async(base, connections) as calls:
        yield calls


@contextlib.asynccontextmanager
async def zep_async_orjson(base: str, connections: int | None = None) -> AsyncIterator[AsyncCalls]:
    """Our ``AsyncZep`` with msgspec switched off: orjson and the standard decoding path."""
    from zep_async._codec import use_compiled

    use_compiled(False)
    async with zep_async(base, connections) as calls:
        yield calls


def _official(client: Any) -> dict[str, Callable[[], Any]]:
    """The official client's calls, by operation (zep-cloud 2.22.1 names and arguments)."""
    from zep_cloud.types import Message, NewFact

    memory, user = client.memory, client.user
    messages = [Message(**m) for m in turn()]
    return {
        "get": lambda: memory.get_session(session_id=SESSION_ID),
        "list100": lambda: memory.list_sessions(page_size=100),
        "add_session": lambda: memory.add_session(**NEW_SESSION),
        "memory_add": lambda: memory.add(SESSION_ID, messages=messages),
        "memory_get": lambda: memory.get(SESSION_ID, lastn=6),
        "messages100": lambda: memory.get_session_messages(SESSION_ID, limit=100),
        "users100": lambda: user.list_ordered(page_number=1, page_size=100),
        "session_facts": lambda: memory.get_session_facts(SESSION_ID),
        "add_facts": lambda: memory.add_session_facts(
            SESSION_ID, facts=[NewFact(**fact) for fact in NEW_FACTS]
        ),
    }


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
    try:
        yield _official(client)
    finally:
        await client._client_wrapper.httpx_client.httpx_client.aclose()


@contextlib.contextmanager
def httpx_sync(base: str) -> Iterator[SyncCalls]:
    """``httpx.Client.get`` and ``Response.json``, for context (get only)."""
    import httpx

    url = f"{base}/sessions/{SESSION_ID}"
    with httpx.Client(headers=HEADERS) as client:
        yield {"get": lambda: client.get(url).json()}


@contextlib.contextmanager
def zep_sync(base: str) -> Iterator[SyncCalls]:
    """Our ``Zep``, the sync facade."""
    from zep_async import Zep

    with Zep(api_key=API_KEY, base_url=base) as zep:
        yield _ours(zep.memory, getattr(zep, "user", None))


@contextlib.contextmanager
def official_sync(base: str) -> Iterator[SyncCalls]:
    """The official ``zep_cloud.client.Zep``."""
    from zep_cloud.client import Zep

    client = Zep(api_key=API_KEY, base_url=base)
    try:
        yield _official(client)
    finally:
        client._client_wrapper.httpx_client.httpx_client.close()


ASYNC = {
    "aiohttp": aiohttp_raw,
    "aiohttp_orjson": aiohttp_orjson,
    "zep_async": zep_async,
    "zep_async_json": zep_async_json,
    "zep_async_orjson": zep_async_orjson,
    "official_async": official_async,
    "httpx_async": httpx_async,
}
SYNC = {"zep_sync": zep_sync, "official_sync": official_sync, "httpx_sync": httpx_sync}


def decoder(name: str, kind: str = "sessions") -> Callable[[bytes], Any]:
    """Bytes of a SessionListResponse (``kind`` "sessions") or a MessageListResponse
    ("messages") to the contender's objects."""
    if name in ("json", "orjson"):
        return _json_library(name)[0]
    if name in ("zep_async", "zep_async_json", "zep_async_orjson"):
        import zep_async
        from zep_async._codec import _json, decode, use_compiled

        if name == "zep_async_json":
            _json.use_orjson(False)
            use_compiled(False)
        elif name == "zep_async_orjson":
            use_compiled(False)
        ours = (
            zep_async.SessionListResponse if kind == "sessions" else zep_async.MessageListResponse
        )
        return lambda body: decode(ours, body)
    if name == "official":
        from zep_cloud import types
        from zep_cloud.core.pydantic_utilities import pydantic_v1

        theirs = types.SessionListResponse if kind == "sessions" else types.MessageListResponse
        # What zep_cloud's memory client does with a 2xx: parse_obj_as(..., response.json()).
        return lambda body: pydantic_v1.parse_obj_as(theirs, json.loads(body))
    raise ValueError(f"unknown decoder {name!r}")
