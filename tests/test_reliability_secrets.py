"""The API key never shows: not in logs at DEBUG, reprs, messages, or chained causes.

Every error path runs with the ``zep_async`` and ``aiohttp`` loggers at DEBUG:
status errors, retries, connection errors, timeouts, broken framing, redirects,
oversized bodies, validation errors and bad arguments, through both clients.
Each error, and every exception chained to it, is checked in ``str``, ``repr``,
its attributes, its pickle and its formatted traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pathlib
import pickle
import traceback
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest
import pytest_asyncio

from zep_async import AsyncZep, RetryPolicy, Zep, ZepError
from zep_async._transport import MAX_BODY_BYTES
from zep_async.testing import LocalZep

from .reliability_support import RawServer, Responder, canned, reply

SECRET = "sk-never-shown-5f2c9e0b7d"
NO_WAIT = RetryPolicy(initial_delay=0, max_delay=0)


def texts_of(error: BaseException) -> Iterator[str]:
    """Every rendering of ``error`` and of each exception chained to it."""
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        exc = pending.pop()
        if id(exc) in seen:
            continue
        seen.add(id(exc))
        yield str(exc)
        yield repr(exc)
        yield repr(exc.args)
        yield repr(getattr(exc, "__dict__", {}))
        pending += [chained for chained in (exc.__cause__, exc.__context__) if chained]
    yield "".join(traceback.format_exception(error))


def assert_hidden(error: BaseException, caplog: pytest.LogCaptureFixture) -> None:
    """The key is in none of the error's renderings, its pickle, or the captured log."""
    for text in texts_of(error):
        assert SECRET not in text, text
    if isinstance(error, ZepError):
        assert SECRET.encode() not in pickle.dumps(error)
    assert SECRET not in caplog.text


@pytest.fixture(autouse=True)
def debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    """Everything the SDK and aiohttp log, from DEBUG up."""
    caplog.set_level(logging.DEBUG, logger="zep_async")
    caplog.set_level(logging.DEBUG, logger="aiohttp")


@pytest_asyncio.fixture
async def server() -> AsyncIterator[LocalZep]:
    """LocalZep expecting SECRET, with one session."""
    async with LocalZep(api_key=SECRET) as local:
        local.add_session("s")
        yield local


@pytest_asyncio.fixture
async def serve() -> AsyncIterator[Callable[[Responder], Awaitable[RawServer]]]:
    """Start RawServers on demand; every one is closed after the test."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(respond: Responder) -> RawServer:
            return await stack.enter_async_context(RawServer(respond))

        yield start


def client(base_url: str, **settings: object) -> AsyncZep:
    """An AsyncZep with SECRET, two instant retries and a short timeout."""
    return AsyncZep(
        api_key=SECRET, base_url=base_url, timeout=0.2, retry_policy=NO_WAIT, **settings
    )  # type: ignore[arg-type]


async def failure(base_url: str) -> BaseException:
    """The error get_session("s") raises against ``base_url``."""
    async with client(base_url) as zep:
        try:
            await zep.memory.get_session("s")
        except ZepError as error:
            return error
    raise AssertionError("the call did not fail")


LOCAL_FAULTS: dict[str, Callable[[LocalZep], None]] = {
    "401-wrong-key": lambda s: setattr(s, "api_key", "another-key"),
    "404": lambda s: s.remove_session("s"),
    "500-retried-to-exhaustion": lambda s: s.fail("get_session", 500, times=5),
    "429-retry-after": lambda s: s.fail("get_session", 429, headers={"Retry-After": "0"}, times=5),
    "503-html": lambda s: s.fail(
        "get_session", 503, body="<title>down</title>", content_type="text/html", times=5
    ),
    "dropped-connection": lambda s: s.drop_connection("get_session", times=5),
    "cut-body": lambda s: s.cut_body("get_session", times=5),
    "timeout": lambda s: s.stall("get_session", times=5),
    "malformed-200": lambda s: s.fail("get_session", 200, body="{oops"),
    "wrong-shape-200": lambda s: s.fail("get_session", 200, json={"created_at": 5}),
}


@pytest.mark.parametrize("fault", sorted(LOCAL_FAULTS))
async def test_local_server_faults_never_show_the_key(
    server: LocalZep, caplog: pytest.LogCaptureFixture, fault: str
) -> None:
    """Status errors, retries, dropped and cut connections, timeouts and bad 2xx bodies."""
    LOCAL_FAULTS[fault](server)
    assert_hidden(await failure(server.base_url), caplog)


RAW_FAULTS: dict[str, bytes] = {
    "not-http": b"HELLO\r\n\r\n",
    "bad-chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    "header-line-too-long": reply(200, b"{}", "X-Big: " + "b" * 20_000),
    "corrupt-gzip": reply(200, b"nope", "Content-Encoding: gzip"),
    "redirect": reply(302, b"", "Location: http://127.0.0.1:9/elsewhere"),
    "declared-too-large": b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (MAX_BODY_BYTES + 1),
    "nested-too-deep": reply(500, b"[" * 100_000 + b"]" * 100_000),
}


@pytest.mark.parametrize("fault", sorted(RAW_FAULTS))
async def test_broken_answers_never_show_the_key(
    serve: Callable[[Responder], Awaitable[RawServer]],
    caplog: pytest.LogCaptureFixture,
    fault: str,
) -> None:
    """Parser errors (whose aiohttp cause carries the request), redirects and huge bodies."""
    raw = await serve(canned(RAW_FAULTS[fault]))
    assert_hidden(await failure(raw.base_url), caplog)


async def test_refused_connection_never_shows_the_key(caplog: pytest.LogCaptureFixture) -> None:
    """Nothing listening: the connection error and its cause hold no key."""
    assert_hidden(await failure("http://127.0.0.1:9/api/v2"), caplog)


async def test_a_cancelled_call_logs_no_key(
    server: LocalZep, caplog: pytest.LogCaptureFixture
) -> None:
    """Cancelling a call mid-request leaves nothing with the key in the log."""
    server.stall("get_session")
    async with client(server.base_url) as zep:
        task = asyncio.create_task(zep.memory.get_session("s"))
        async with asyncio.timeout(5):
            await server.wait_for_requests_async(1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError) as info:
            await task
    assert_hidden(info.value, caplog)


def test_sync_errors_never_show_the_key(caplog: pytest.LogCaptureFixture) -> None:
    """The sync facade's errors, crossing threads, hold no key either."""
    local = LocalZep(api_key=SECRET)
    with local.run_in_thread():
        local.fail("get_session", 503, times=5)
        with Zep(api_key=SECRET, base_url=local.base_url, retry_policy=NO_WAIT) as zep:
            with pytest.raises(ZepError) as info:
                zep.memory.get_session("s")
            assert SECRET not in repr(zep)
    assert_hidden(info.value, caplog)


@pytest.mark.parametrize(
    "settings",
    [
        {"api_key": SECRET + "\n"},
        {"api_key": SECRET + "\ud800"},
        {"api_key": SECRET * 1000},
        {"headers": {"X-Token": SECRET + "\r\n"}},
        {"headers": {"X-Token": SECRET * 1000}},
        {"base_url": f"ftp://user:{SECRET}@zep.example/api/v2"},
        {"timeout": -1},
    ],
    ids=[
        "key-newline",
        "key-surrogate",
        "key-huge",
        "header-crlf",
        "header-huge",
        "url-password",
        "timeout",
    ],
)
def test_bad_arguments_never_show_the_key(
    caplog: pytest.LogCaptureFixture, settings: dict[str, object]
) -> None:
    """A refused constructor argument shows neither the key nor a header value."""
    arguments: dict[str, object] = {"api_key": SECRET, "base_url": "http://127.0.0.1:9/api/v2"}
    with pytest.raises((TypeError, ValueError)) as info:
        AsyncZep(**{**arguments, **settings})  # type: ignore[arg-type]
    assert_hidden(info.value, caplog)


def test_reprs_never_show_the_key() -> None:
    """The clients, their configuration and their retry policy print without the key."""
    zep = AsyncZep(api_key=SECRET, base_url="http://127.0.0.1:9/api/v2")
    sync = Zep(api_key=SECRET, base_url="http://127.0.0.1:9/api/v2")
    try:
        for thing in (zep, zep.memory, zep._transport._config, sync, sync.memory):
            assert SECRET not in repr(thing)
            assert SECRET not in str(thing)
    finally:
        sync.close()


@pytest.mark.parametrize("how", ["AsyncZep", "Zep", "ZEP_API_URL"])
def test_plain_http_to_a_remote_host_warns_once(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """http:// to a non-loopback host logs one warning, however many clients, without the key."""
    host = f"plain-{uuid.uuid4().hex[:12]}.example"
    for _ in range(3):
        if how == "ZEP_API_URL":
            monkeypatch.setenv("ZEP_API_URL", f"http://{host}")
            AsyncZep(api_key=SECRET)
        elif how == "Zep":
            Zep(api_key=SECRET, base_url=f"http://{host}/api/v2").close()
        else:
            AsyncZep(api_key=SECRET, base_url=f"http://{host}/api/v2")
    warnings = [
        r for r in caplog.records if r.levelno == logging.WARNING and host in r.getMessage()
    ]
    assert len(warnings) == 1
    assert "unencrypted" in warnings[0].getMessage()
    assert SECRET not in caplog.text


@pytest.mark.parametrize(
    "base_url",
    [
        "https://zep-tls.example/api/v2",
        "http://127.0.0.1:8000/api/v2",
        "http://127.8.9.10/api/v2",
        "http://localhost:8000/api/v2",
        "http://[::1]:8000/api/v2",
    ],
)
def test_no_warning_for_https_or_loopback(caplog: pytest.LogCaptureFixture, base_url: str) -> None:
    """https:// anywhere and http:// to a loopback address are quiet."""
    AsyncZep(api_key=SECRET, base_url=base_url)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.fixture
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """An environment without proxy variables, for tests that set their own."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


async def test_a_netrc_default_entry_does_not_break_trust_env(
    server: LocalZep, no_proxy_env: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    """With trust_env=True a matching .netrc entry neither replaces the key nor fails the call."""
    netrc = tmp_path / "netrc"
    netrc.write_text("default login someone password netrc-password\n", encoding="ascii")
    netrc.chmod(0o600)
    no_proxy_env.setenv("NETRC", str(netrc))
    async with client(server.base_url, trust_env=True) as zep:
        assert (await zep.memory.get_session("s")).session_id == "s"
    assert server.requests[-1].headers["Authorization"] == f"Api-Key {SECRET}"


async def test_trust_env_routes_through_the_environments_proxy(
    serve: Callable[[Responder], Awaitable[RawServer]],
    no_proxy_env: pytest.MonkeyPatch,
) -> None:
    """trust_env=True sends the request to HTTP_PROXY (absolute URL); without it, directly."""
    proxy = await serve(canned(reply(200, b'{"session_id": "via-proxy"}')))
    origin = await serve(canned(reply(200, b'{"session_id": "direct"}')))
    no_proxy_env.setenv("HTTP_PROXY", proxy.root_url)
    async with client(origin.base_url, trust_env=True) as zep:
        assert (await zep.memory.get_session("s")).session_id == "via-proxy"
    async with client(origin.base_url) as zep:
        assert (await zep.memory.get_session("s")).session_id == "direct"
    assert proxy.heads[0].startswith(f"GET {origin.base_url}/sessions/s ".encode())
    assert len(origin.heads) == 1
