"""Round-2 attacks on reading 2xx bodies: a gzip bomb sent chunked, without a Content-Length.

The expansion bound of issue 22 was checked against the Content-Length; a server that
streams the same 4 KB of gzip chunked gave 1.4 M objects, seconds of a frozen loop and
hundreds of MiB again. These tests serve such bodies from a real aiohttp server.
"""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import pytest_asyncio
from aiohttp import web

from zep_async import APIResponseValidationError, AsyncZep, RetryPolicy

NO_WAIT = RetryPolicy(initial_delay=0, max_delay=0)
Serve = Callable[[bytes, str], Awaitable[str]]


def _page(items: int) -> bytes:
    """A sessions page of ``items`` empty objects."""
    return b'{"sessions": [' + b"{}," * items + b'{}], "total_count": 1}'


@pytest_asyncio.fixture
async def serve() -> AsyncIterator[Serve]:
    """Start a server answering every GET with a body, chunked; yield its base URL."""
    runners: list[web.AppRunner] = []

    async def start(payload: bytes, encoding: str) -> str:
        async def handler(request: web.Request) -> web.StreamResponse:
            headers = {"Content-Type": "application/json"}
            if encoding:
                headers["Content-Encoding"] = encoding
            response = web.StreamResponse(headers=headers)
            response.enable_chunked_encoding()
            await response.prepare(request)
            for start in range(0, len(payload), 1024):  # several chunks
                await response.write(payload[start : start + 1024])
            await response.write_eof()
            return response

        app = web.Application()
        app.router.add_get("/api/v2/{tail:.*}", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}/api/v2"

    try:
        yield start
    finally:
        for runner in runners:
            await runner.cleanup()


async def test_a_chunked_gzip_bomb_is_refused_before_decoding(serve: Serve) -> None:
    """A chunked gzip 2xx (no Content-Length) growing past 100 times its size is refused."""
    payload = gzip.compress(_page(1_400_000))
    assert len(payload) < 8_000
    base = await serve(payload, "gzip")
    async with AsyncZep(api_key="k", base_url=base, retry_policy=NO_WAIT) as zep:
        with pytest.raises(APIResponseValidationError, match="over 100 times") as caught:
            await zep.memory.list_sessions(page_size=10)
    assert caught.value.status_code == 200
    assert not caught.value.may_have_been_applied


async def test_a_chunked_deflate_bomb_is_refused_too(serve: Serve) -> None:
    """The bound holds for every encoding aiohttp decompresses, deflate as well as gzip."""
    import zlib

    payload = zlib.compress(_page(1_400_000), 9)
    base = await serve(payload, "deflate")
    async with AsyncZep(api_key="k", base_url=base, retry_policy=NO_WAIT) as zep:
        with pytest.raises(APIResponseValidationError, match="over 100 times"):
            await zep.memory.list_sessions(page_size=10)


async def test_a_chunked_gzip_body_of_ordinary_ratio_is_read(serve: Serve) -> None:
    """A chunked gzip page over the 1 MiB floor but of an ordinary ratio is read whole."""
    sessions = b",".join(
        b'{"session_id": "s-%d", "uuid": "%032x", "metadata": {"n": %d}}' % (n, n * 7919, n)
        for n in range(12_000)
    )
    body = b'{"sessions": [' + sessions + b'], "total_count": 12000}'
    payload = gzip.compress(body)
    assert len(body) > 1 << 20
    assert len(body) < 100 * len(payload)
    base = await serve(payload, "gzip")
    async with AsyncZep(api_key="k", base_url=base, retry_policy=NO_WAIT) as zep:
        page = await zep.memory.list_sessions()
    assert len(page.sessions) == 12_000
    assert page.sessions[-1].session_id == "s-11999"


async def test_a_chunked_identity_body_is_read_whole(serve: Serve) -> None:
    """An uncompressed chunked page is not held to any ratio (only the 64 MiB cap)."""
    base = await serve(_page(10), "")
    async with AsyncZep(api_key="k", base_url=base, retry_policy=NO_WAIT) as zep:
        page = await zep.memory.list_sessions()
    assert len(page.sessions) == 11
