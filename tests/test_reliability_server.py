"""A hostile or broken server: every answer ends in a typed error or a correct result.

Bodies of the wrong shape come from LocalZep's fault API; broken framing,
redirects, compression and endless bodies from a raw asyncio server
(``RawServer``). No case may hang past its timeout, leak an aiohttp exception,
or let the API key leave for another host.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import pytest_asyncio

from zep_async import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AsyncZep,
    InternalServerError,
    Session,
    ZepError,
)
from zep_async._transport import MAX_BODY_BYTES
from zep_async.testing import LocalZep

from .conftest import NO_WAIT
from .reliability_support import RawServer, Responder, canned, header_of, reply

KEY = "sk-hostile-server-key-4242"
SESSION = json.dumps({"session_id": "s-1", "created_at": "2024-08-07T18:25:43Z"}).encode()
Serve = Callable[[Responder], Awaitable[RawServer]]


def chunked(body: bytes, size: int, *, end: bytes = b"0\r\n\r\n", head: str = "") -> bytes:
    """A 200 carrying ``body`` in chunks of ``size`` bytes (Transfer-Encoding: chunked)."""
    pieces = [body[n : n + size] for n in range(0, len(body), size)]
    framed = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces)
    start = f"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n{head}\r\n"
    return start.encode() + framed + end


def nested(depth: int) -> bytes:
    """A JSON object nested deeper than Python's recursion limit."""
    return b'{"metadata": ' + b"[" * depth + b"]" * depth + b"}"


@pytest_asyncio.fixture
async def serve() -> AsyncIterator[Serve]:
    """Start RawServers on demand; every one is closed after the test."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(respond: Responder) -> RawServer:
            return await stack.enter_async_context(RawServer(respond))

        yield start


async def get(base_url: str, *, seconds: float = 5.0, max_retries: int = 0) -> Session:
    """One get_session("s-1") with a fresh client whose attempts time out after ``seconds``."""
    async with AsyncZep(
        api_key=KEY,
        base_url=base_url,
        timeout=seconds,
        max_retries=max_retries,
        retry_policy=NO_WAIT,
    ) as zep:
        return await zep.memory.get_session("s-1")


# -- bodies of the wrong shape, from LocalZep ----------------------------------------

WRONG_SESSION_BODIES = [
    b"{not json",
    b"",
    b"null",
    b"[]",
    b"[1, 2]",
    b"42",
    b'"s-1"',
    b"true",
    b'{"session_id": 5}',
    b'{"session_id": ["s-1"]}',
    b'{"created_at": "yesterday"}',
    b'{"created_at": 1723055143}',
    b'{"created_at": "2024-13-45T99:99:99Z"}',
    b'{"metadata": [1, 2]}',
    b'{"facts": "one fact"}',
    b'{"classifications": ["a"]}',
    b'{"fact_rating_instruction": "be nice"}',
    b'{"fact_rating_instruction": {"examples": ["high"]}}',
    b'{"id": "7"}',
    b'{"id": 1.5}',
    b"\xff\xfe{}",
    b'{"session_id": "\xff"}',
    nested(100_000),
]
WRONG_LIST_BODIES = [
    b"[]",
    b'{"sessions": 5}',
    b'{"sessions": "s-1"}',
    b'{"sessions": {"s-1": {}}}',
    b'{"sessions": [1, 2]}',
    b'{"sessions": ["s-1"]}',
    b'{"sessions": [{"updated_at": "not a time"}]}',
    b'{"sessions": [], "total_count": "many"}',
    b'{"sessions": [], "response_count": -0.5}',
    nested(100_000),
]


@pytest.mark.parametrize(
    ("route", "body"),
    [("get_session", body) for body in WRONG_SESSION_BODIES]
    + [("list_sessions", body) for body in WRONG_LIST_BODIES],
    ids=lambda value: value if isinstance(value, str) else repr(value[:24]),
)
async def test_a_2xx_of_the_wrong_shape_is_a_validation_error(
    local_zep: LocalZep, client: AsyncZep, route: str, body: bytes
) -> None:
    """Malformed JSON, JSON of the wrong shape or a bad timestamp: one attempt, a typed error."""
    local_zep.fail(route, 200, body=body, content_type="application/json", times=3)
    call = (
        client.memory.get_session("s-1")
        if route == "get_session"
        else client.memory.list_sessions()
    )
    with pytest.raises(APIResponseValidationError) as info:
        await call
    assert info.value.status_code == 200
    assert len(info.value.body) <= 200
    assert len(str(info.value)) < 2000
    assert local_zep.count() == 1


async def test_a_20_mb_session_is_read_whole(local_zep: LocalZep, client: AsyncZep) -> None:
    """A valid 20 MB body (one huge metadata value) is a correct result, not an error."""
    big = "m" * 20_000_000
    local_zep.fail("get_session", 200, json={"session_id": "s-1", "metadata": {"big": big}})
    session = await client.memory.get_session("s-1")
    assert session.metadata == {"big": big}


async def test_a_20_mb_garbage_body_is_a_short_validation_error(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """20 MB of garbage is a validation error whose message and excerpt stay short."""
    local_zep.fail("get_session", 200, body=b"<" * 20_000_000, content_type="text/html")
    with pytest.raises(APIResponseValidationError) as info:
        await client.memory.get_session("s-1")
    assert len(info.value.body) <= 200
    assert len(str(info.value)) < 1000


@pytest.mark.parametrize("status", [200, 500, 502, 503])
async def test_an_html_page_is_typed_by_its_status(
    local_zep: LocalZep, client: AsyncZep, status: int
) -> None:
    """A proxy's HTML page: at 200 a validation error, at 5xx a status error with its title."""
    page = "<html><head><title>Gateway Trouble</title></head><body><h1>x</h1></body></html>"
    local_zep.fail("get_session", status, body=page, content_type="text/html", times=5)
    expected = APIResponseValidationError if status == 200 else InternalServerError
    with pytest.raises(expected) as info:
        await client.memory.get_session("s-1", request_options={"max_retries": 0})
    if isinstance(info.value, APIStatusError):
        assert info.value.message == "Gateway Trouble"


# -- framing, compression and garbage, from a raw server -------------------------------

RAW_OK = {
    "chunked-3-byte-pieces": chunked(SESSION, 3),
    "chunked-extensions-and-trailer": chunked(
        SESSION, 7, end=b"0;last=yes\r\nX-Trailer: 1\r\n\r\n"
    ),
    "gzip": reply(200, gzip.compress(SESSION), "Content-Encoding: gzip"),
    "deflate": reply(200, zlib.compress(SESSION), "Content-Encoding: deflate"),
    "gzip-chunked": chunked(gzip.compress(SESSION), 5, head="Content-Encoding: gzip\r\n"),
    "no-length-until-close": b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + SESSION,
    "http-1.0": b"HTTP/1.0 200 OK\r\n\r\n" + SESSION,
    "json-as-text-plain": reply(200, SESSION, "Content-Type: text/plain"),
    "json-with-a-charset": reply(200, SESSION, "Content-Type: application/json; charset=utf-8"),
    "201-created": reply(201, SESSION),
}

RAW_ERRORS: dict[str, tuple[bytes, type[ZepError]]] = {
    "closed-without-a-byte": (b"", APIConnectionError),
    "not-http": (b"HELLO THERE\r\n\r\n", APIConnectionError),
    "bad-status-code": (b"HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n", APIConnectionError),
    "header-line-over-8-kb": (reply(200, SESSION, "X-Big: " + "b" * 20_000), APIConnectionError),
    "content-length-too-large-then-close": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + SESSION,
        APIConnectionError,
    ),
    "two-content-lengths": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 9\r\n\r\n" + SESSION,
        APIConnectionError,
    ),
    "bad-chunk-size": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n",
        APIConnectionError,
    ),
    "chunked-cut-short": (chunked(SESSION, 4, end=b"")[:-6], APIConnectionError),
    "corrupt-gzip": (reply(200, b"not gzip at all", "Content-Encoding: gzip"), APIConnectionError),
    "empty-200": (reply(200), APIResponseValidationError),
    "204-no-content": (b"HTTP/1.1 204 No Content\r\n\r\n", APIResponseValidationError),
    "html-200": (
        reply(200, b"<html><title>hi</title></html>", "Content-Type: text/html"),
        APIResponseValidationError,
    ),
    "deeply-nested-200": (reply(200, nested(100_000)), APIResponseValidationError),
    "deeply-nested-500": (reply(500, nested(100_000)), InternalServerError),
    "status-599": (reply(599, b"odd"), InternalServerError),
    "status-499": (reply(499, b"{}"), APIStatusError),
}


@pytest.mark.parametrize("name", sorted(RAW_OK))
async def test_well_formed_framing_gives_the_session(serve: Serve, name: str) -> None:
    """Chunked, gzip, deflate, close-delimited and HTTP/1.0 answers all decode correctly."""
    server = await serve(canned(RAW_OK[name]))
    session = await get(server.base_url)
    assert session.session_id == "s-1"


@pytest.mark.parametrize("name", sorted(RAW_ERRORS))
async def test_broken_answers_are_typed_errors(serve: Serve, name: str) -> None:
    """Broken framing, garbage and odd statuses end in the SDK's own error, not in a timeout."""
    data, expected = RAW_ERRORS[name]
    server = await serve(canned(data))
    with pytest.raises(expected) as info:
        await get(server.base_url, seconds=30.0)
    assert not isinstance(info.value, APITimeoutError)  # it did not wait for the timeout
    assert type(info.value).__module__ == "zep_async.errors"
    assert len(server.heads) == 1


async def test_a_broken_body_is_retried_like_a_dropped_connection(serve: Serve) -> None:
    """A Content-Length the body never reaches is a connection error, retried up to max_retries."""
    server = await serve(canned(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{}"))
    with pytest.raises(APIConnectionError) as info:
        await get(server.base_url, max_retries=2)
    assert info.value.attempts == 3
    assert len(server.heads) == 3


async def _hold(server: RawServer, head: bytes, writer: asyncio.StreamWriter) -> None:
    await server.release.wait()


def _holding(data: bytes) -> Responder:
    async def respond(server: RawServer, head: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(data)
        await writer.drain()
        await server.release.wait()

    return respond


async def _drip(server: RawServer, head: bytes, writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n")
    while not server.release.is_set():
        writer.write(b"1\r\n \r\n")
        await writer.drain()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(0.05):
                await server.release.wait()


HANGING: dict[str, Responder] = {
    "no-answer": _hold,
    "headers-then-silence": _holding(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"),
    "content-length-too-large-held-open": _holding(
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + SESSION
    ),
    "chunked-never-terminated": _holding(chunked(SESSION, 4, end=b"")),
    "a-body-that-never-ends": _drip,
}


@pytest.mark.parametrize("name", sorted(HANGING))
async def test_a_hanging_answer_times_out(serve: Serve, name: str) -> None:
    """Silence, a short body held open or an endless trickle end in APITimeoutError."""
    server = await serve(HANGING[name])
    async with asyncio.timeout(30):  # a bound on the test, far above the client's timeout
        with pytest.raises(APITimeoutError):
            await get(server.base_url, seconds=0.3)


# -- bodies too large to hold --------------------------------------------------------


def _flood(total: int) -> Responder:
    """A 200 whose chunked body streams ``total`` bytes of JSON whitespace as fast as it can."""
    block = b" " * (1 << 20)

    async def respond(server: RawServer, head: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n")
        while server.sent < total:
            writer.write(b"%x\r\n%s\r\n" % (len(block), block))
            server.sent += len(block)
            await writer.drain()
        writer.write(b"1\r\n}\r\n0\r\n\r\n")

    return respond


async def test_an_endless_fast_body_stops_at_the_size_limit(serve: Serve) -> None:
    """A server streaming without end is cut off at MAX_BODY_BYTES, long before the timeout."""
    server = await serve(_flood(MAX_BODY_BYTES + (64 << 20)))
    with pytest.raises(APIResponseValidationError, match="larger than"):
        await get(server.base_url, seconds=30)
    # It stopped reading: what the server got out is the limit plus socket buffers.
    assert server.sent < MAX_BODY_BYTES + (32 << 20)


async def test_a_declared_oversized_body_is_refused_unread(serve: Serve) -> None:
    """A Content-Length above the limit is refused before the body is read."""
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {MAX_BODY_BYTES + 1}\r\n\r\n".encode()
    server = await serve(_holding(head + b"{"))
    with pytest.raises(APIResponseValidationError, match="larger than"):
        await get(server.base_url, seconds=10)


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """About 80 KB of gzip that inflates past the body limit."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b" " * (1 << 20)
    parts = [packer.compress(b"{")]
    parts += [packer.compress(block) for _ in range((MAX_BODY_BYTES >> 20) + 8)]
    return b"".join([*parts, packer.compress(b"}"), packer.flush()])


async def test_a_gzip_bomb_stops_at_the_size_limit(serve: Serve, gzip_bomb: bytes) -> None:
    """A small compressed body that inflates beyond the limit is cut off, not inflated whole."""
    server = await serve(canned(reply(200, gzip_bomb, "Content-Encoding: gzip")))
    with pytest.raises(APIResponseValidationError, match="larger than"):
        await get(server.base_url, seconds=10)


async def test_an_oversized_error_body_still_gives_the_status(serve: Serve) -> None:
    """A 503 with an endless body is still a 503, its body cut at the limit."""

    async def respond(server: RawServer, head: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 503 Busy\r\nTransfer-Encoding: chunked\r\n\r\n")
        while server.sent < MAX_BODY_BYTES + (64 << 20):
            writer.write(b"100000\r\n" + b"x" * (1 << 20) + b"\r\n")
            server.sent += 1 << 20
            await writer.drain()

    server = await serve(respond)
    with pytest.raises(InternalServerError) as info:
        await get(server.base_url, seconds=10)
    assert info.value.status_code == 503
    assert len(info.value.message) <= 200


# -- redirects -----------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("where", ["another-host", "same-host"])
async def test_a_redirect_is_not_followed(serve: Serve, status: int, where: str) -> None:
    """A 3xx is raised as APIStatusError naming the Location; nothing is sent there."""
    other = await serve(canned(reply(200, SESSION)))
    target = f"{other.base_url}/sessions/s-1"
    server = await serve(canned(b""))
    if where == "same-host":
        target = f"{server.base_url}/sessions/elsewhere"
    server.respond = canned(reply(status, b"", f"Location: {target}"))
    with pytest.raises(APIStatusError) as info:
        await get(server.base_url, max_retries=2)
    assert info.value.status_code == status
    assert target in str(info.value)
    assert info.value.attempts == 1
    assert len(server.heads) == 1
    assert other.heads == []
    assert header_of(server.heads[0], "Authorization") == f"Api-Key {KEY}"


async def test_a_redirect_without_location_is_a_status_error(serve: Serve) -> None:
    """A 302 with no Location at all is an APIStatusError too."""
    server = await serve(canned(reply(302, b"")))
    with pytest.raises(APIStatusError) as info:
        await get(server.base_url)
    assert info.value.status_code == 302
