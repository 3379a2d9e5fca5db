"""``AsyncZep(http_session=...)``: the application's aiohttp pool, never closed by the SDK."""

from __future__ import annotations

import asyncio
import threading
import warnings
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from tests.conftest import NO_WAIT
from zep_async import AsyncZep, ClientClosedError, NotFoundError, RetryPolicy, Zep
from zep_async.testing import LocalZep


@pytest_asyncio.fixture
async def app_session() -> AsyncIterator[aiohttp.ClientSession]:
    """A session the 'application' owns and closes itself."""
    async with aiohttp.ClientSession() as session:
        yield session


def _zep(server: LocalZep, session: aiohttp.ClientSession, **kwargs: object) -> AsyncZep:
    return AsyncZep(
        api_key=server.api_key,
        base_url=server.base_url,
        retry_policy=NO_WAIT,
        http_session=session,
        **kwargs,  # type: ignore[arg-type]
    )


async def test_calls_go_through_the_given_session(local_zep: LocalZep) -> None:
    """Every request of the client is sent by the application's session."""
    sent: list[str] = []

    async def on_start(_s: object, _c: object, params: aiohttp.TraceRequestStartParams) -> None:
        sent.append(str(params.url))

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    local_zep.add_session("s-1")
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        zep = _zep(local_zep, session)
        await zep.memory.get_session("s-1")
        assert sent == [local_zep.base_url + "/sessions/s-1"]


async def test_aclose_leaves_the_session_open(
    local_zep: LocalZep, app_session: aiohttp.ClientSession
) -> None:
    """Closing the client does not close what it did not create; the session still works."""
    local_zep.add_session("s-1")
    async with _zep(local_zep, app_session) as zep:
        await zep.memory.get_session("s-1")
    assert zep.closed
    assert not app_session.closed
    with pytest.raises(ClientClosedError):
        await zep.memory.get_session("s-1")
    async with app_session.get(local_zep.base_url + "/sessions/s-1") as response:
        assert response.status == 401  # the session itself carries no key


async def test_our_headers_win_and_other_session_headers_are_sent(local_zep: LocalZep) -> None:
    """The SDK's headers replace the session's of the same name; its other defaults go too."""
    local_zep.add_session("s-1")
    defaults = {"Authorization": "Bearer other-service", "User-Agent": "app/1", "X-App": "a"}
    async with aiohttp.ClientSession(headers=defaults) as session:
        zep = _zep(local_zep, session, headers={"X-Team": "t"})
        await zep.memory.get_session("s-1")
        await zep.memory.get_session("s-1", request_options={"additional_headers": {"X-App": "b"}})
    first, second = local_zep.requests
    assert first.headers["Authorization"] == f"Api-Key {local_zep.api_key}"
    assert first.headers["User-Agent"].startswith("zep-async/")
    assert first.headers["X-Team"] == "t"
    assert first.headers["X-App"] == "a"
    assert second.headers["X-App"] == "b"


async def test_a_session_base_url_is_ignored(local_zep: LocalZep) -> None:
    """The key goes to our base_url, never to the session's own base_url."""
    local_zep.add_session("s-1")
    async with aiohttp.ClientSession(base_url="http://127.0.0.1:9") as session:
        zep = _zep(local_zep, session)
        session_found = await zep.memory.get_session("s-1")
    assert session_found.session_id == "s-1"
    assert len(local_zep.requests) == 1


async def test_session_defaults_do_not_override_our_rules(local_zep: LocalZep) -> None:
    """raise_for_status and a tiny default timeout of the session do not apply to our calls."""
    local_zep.add_session("s-1")
    local_zep.delay("get_session", 0.05, times=1)
    local_zep.fail("get_session", 503, times=1)
    tiny = aiohttp.ClientTimeout(total=0.001)
    async with aiohttp.ClientSession(raise_for_status=True, timeout=tiny) as session:
        zep = _zep(local_zep, session)
        raw = await zep.memory.with_raw_response.get_session("s-1")
        assert raw.attempts == 2  # our retry rule, on our typed 503
        with pytest.raises(NotFoundError):
            await zep.memory.get_session("missing")


async def test_session_closed_by_its_owner_is_refused_at_the_call(local_zep: LocalZep) -> None:
    """A session closed after the client was made gives a clear ClientClosedError."""
    session = aiohttp.ClientSession()
    zep = _zep(local_zep, session)
    await session.close()
    with pytest.raises(ClientClosedError, match="http_session was closed by its owner"):
        await zep.memory.get_session("s-1")
    assert local_zep.requests == []


async def test_closed_session_is_refused_at_construction(local_zep: LocalZep) -> None:
    """A session that is already closed is refused before any call."""
    session = aiohttp.ClientSession()
    await session.close()
    with pytest.raises(ValueError, match="http_session is closed"):
        _zep(local_zep, session)


@pytest.mark.parametrize(
    ("setting", "message"), [("auth", "auth"), ("decompress", "auto_decompress")]
)
async def test_unusable_sessions_are_refused(
    local_zep: LocalZep, setting: str, message: str
) -> None:
    """A session whose defaults would break every call is refused, naming the setting."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # aiohttp deprecates auth=
        if setting == "auth":
            session = aiohttp.ClientSession(auth=aiohttp.BasicAuth("u", "p"))
        else:
            session = aiohttp.ClientSession(auto_decompress=False)
    async with session:
        with pytest.raises(ValueError, match=message):
            _zep(local_zep, session)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"ssl": False}, "ssl"),
        ({"max_connections": 5}, "max_connections"),
        ({"trust_env": True}, "trust_env"),
        ({"trace_configs": [aiohttp.TraceConfig()]}, "trace_configs"),
    ],
)
async def test_pool_settings_cannot_be_combined(
    local_zep: LocalZep, app_session: aiohttp.ClientSession, kwargs: dict[str, object], name: str
) -> None:
    """Settings of a pool the SDK does not make are refused beside http_session."""
    with pytest.raises(ValueError, match=name):
        _zep(local_zep, app_session, **kwargs)


def test_not_a_session_is_a_type_error() -> None:
    """Anything but an aiohttp.ClientSession is a TypeError naming http_session."""
    with pytest.raises(TypeError, match=r"http_session must be an aiohttp\.ClientSession"):
        AsyncZep(api_key="k", http_session=object())  # type: ignore[arg-type]


def _session_on_another_loop() -> tuple[
    aiohttp.ClientSession, asyncio.AbstractEventLoop, threading.Thread
]:
    """A session made on a loop running in another thread (the caller closes both)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def make() -> aiohttp.ClientSession:
        return aiohttp.ClientSession()

    session = asyncio.run_coroutine_threadsafe(make(), loop).result(timeout=10)
    return session, loop, thread


async def test_session_of_another_loop_is_refused(local_zep: LocalZep) -> None:
    """Made in another loop: refused at construction inside a loop, and at the call."""
    session, loop, thread = _session_on_another_loop()
    try:
        with pytest.raises(ValueError, match="another event loop"):
            _zep(local_zep, session)
        zep = await asyncio.to_thread(_zep, local_zep, session)  # no running loop there
        with pytest.raises(RuntimeError, match="another event loop"):
            await zep.memory.get_session("s-1")
        assert local_zep.requests == []
    finally:
        asyncio.run_coroutine_threadsafe(session.close(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


async def test_sync_client_refuses_http_session(app_session: aiohttp.ClientSession) -> None:
    """Zep runs on a loop of its own, so it cannot use a session made on the caller's."""
    with pytest.raises(TypeError, match="share your session with AsyncZep"):
        Zep(api_key="k", http_session=app_session)


async def test_session_closed_by_its_owner_between_attempts(local_zep: LocalZep) -> None:
    """Closed while the call waits to retry: the next attempt raises ClientClosedError."""
    local_zep.add_session("s-1")
    local_zep.fail("get_session", 503)
    session = aiohttp.ClientSession()

    async def owner_closes_it(_delay: float) -> None:
        await session.close()

    policy = RetryPolicy(initial_delay=0, max_delay=0, sleep=owner_closes_it)
    zep = AsyncZep(
        api_key=local_zep.api_key,
        base_url=local_zep.base_url,
        retry_policy=policy,
        http_session=session,
    )
    with pytest.raises(ClientClosedError, match="closed by its owner") as caught:
        await zep.memory.get_session("s-1")
    assert caught.value.attempts == 2
    assert len(local_zep.requests) == 1
