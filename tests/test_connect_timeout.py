"""The connect timeout: a connection that cannot be had fails fast, and nothing was sent."""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

import aiohttp
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from tests.conftest import NO_WAIT
from tests.write_support import send
from zep_async import APITimeoutError, AsyncZep, Hooks, RetryEvent, Zep
from zep_async.testing import LocalZep

CONNECT = 0.1


def _zep(server: LocalZep, **kwargs: Any) -> AsyncZep:
    kwargs.setdefault("retry_policy", NO_WAIT)
    return AsyncZep(api_key=server.api_key, base_url=server.base_url, **kwargs)


def _sent_signal() -> tuple[aiohttp.TraceConfig, asyncio.Event]:
    """A trace config that sets the event once a request's headers went out."""
    sent = asyncio.Event()

    async def on_sent(_s: object, _c: object, _p: object) -> None:
        sent.set()

    trace = aiohttp.TraceConfig()
    trace.on_request_headers_sent.append(on_sent)
    return trace, sent


def _busy_zep(server: LocalZep, **kwargs: Any) -> tuple[AsyncZep, asyncio.Event]:
    """A client with a one-connection pool that signals when a request was sent."""
    trace, sent = _sent_signal()
    return _zep(server, max_connections=1, trace_configs=[trace], **kwargs), sent


async def _occupy_the_pool(
    zep: AsyncZep, server: LocalZep, sent: asyncio.Event
) -> asyncio.Task[Any]:
    """Hold the client's only connection with a request the server never answers."""
    server.add_session("busy")
    server.stall("get_session")
    holder = asyncio.create_task(zep.memory.get_session("busy"))
    await asyncio.wait_for(sent.wait(), 10)
    return holder


async def _cancel(task: asyncio.Task[Any]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_client_connect_timeout_fails_fast_and_says_which_limit(local_zep: LocalZep) -> None:
    """With no connection to be had, the call ends after connect_timeout, naming it."""
    zep, sent = _busy_zep(local_zep, connect_timeout=CONNECT, timeout=30)
    async with zep:
        holder = await _occupy_the_pool(zep, local_zep, sent)
        try:
            with pytest.raises(APITimeoutError) as caught:
                await zep.memory.get_session("s-1", request_options={"max_retries": 0})
        finally:
            await _cancel(holder)
    message = str(caught.value)
    assert f"connect_timeout={CONNECT:g} s" in message
    assert "was not sent" in message
    assert "per-attempt" not in message
    assert [r.route for r in local_zep.requests] == ["get_session"]  # only the holder


async def test_per_call_connect_timeout(local_zep: LocalZep) -> None:
    """request_options['connect_timeout_in_seconds'] sets it for one call."""
    zep, sent = _busy_zep(local_zep, timeout=30)
    async with zep:
        holder = await _occupy_the_pool(zep, local_zep, sent)
        try:
            options = {"connect_timeout_in_seconds": CONNECT, "max_retries": 1}
            with pytest.raises(APITimeoutError, match=r"connect_timeout=0\.1 s") as caught:
                await zep.memory.get_session("s-1", request_options=options)  # type: ignore[arg-type]
        finally:
            await _cancel(holder)
    assert caught.value.attempts == 2  # a read is retried after it, like any timeout


async def test_a_slow_answer_is_not_cut_by_the_connect_timeout(local_zep: LocalZep) -> None:
    """Once connected, the answer may take longer than connect_timeout."""
    local_zep.add_session("s-1")
    local_zep.delay("get_session", 3 * CONNECT, times=1)
    async with _zep(local_zep, connect_timeout=CONNECT) as zep:
        session = await zep.memory.get_session("s-1")
    assert session.session_id == "s-1"


async def test_a_write_is_retried_after_a_connect_timeout(local_zep: LocalZep) -> None:
    """A POST whose connection could not be had is resent: the server sees it once."""
    retries: list[RetryEvent] = []
    holder: asyncio.Task[Any] | None = None

    def free_the_pool(event: RetryEvent) -> None:
        retries.append(event)
        assert holder is not None
        holder.cancel()

    hooks = Hooks(on_retry=free_the_pool)
    zep, sent = _busy_zep(local_zep, connect_timeout=CONNECT, hooks=hooks)
    async with zep:
        holder = await _occupy_the_pool(zep, local_zep, sent)
        body = json.dumps({"session_id": "new", "user_id": None}).encode()
        try:
            status, _ = await send(zep, "POST", "/sessions", body=body)
        finally:
            await _cancel(holder)
    assert status in (200, 201)
    assert [r.reason for r in retries] == ["ConnectionTimeoutError"]
    assert [r.method for r in local_zep.requests].count("POST") == 1


async def test_a_write_that_never_connected_was_not_applied(local_zep: LocalZep) -> None:
    """The final error of a write that never connected says it was not applied."""
    zep, sent = _busy_zep(local_zep, connect_timeout=CONNECT)
    async with zep:
        holder = await _occupy_the_pool(zep, local_zep, sent)
        try:
            with pytest.raises(APITimeoutError) as caught:
                await send(zep, "POST", "/sessions", request_options={"max_retries": 1})
        finally:
            await _cancel(holder)
    assert caught.value.attempts == 2
    assert caught.value.may_have_been_applied is False
    assert "POST" not in [r.method for r in local_zep.requests]


class _HangingResolver(AbstractResolver):
    """A DNS server that never answers."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def close(self) -> None:
        return None


async def test_dns_that_never_answers_is_a_connect_timeout(local_zep: LocalZep) -> None:
    """Name resolution counts toward connect_timeout (here through an application session)."""
    connector = aiohttp.TCPConnector(resolver=_HangingResolver())
    async with aiohttp.ClientSession(connector=connector) as session:
        base = local_zep.base_url.replace("127.0.0.1", "zep.invalid")
        zep = AsyncZep(
            api_key="k", base_url=base, http_session=session, connect_timeout=CONNECT, max_retries=0
        )
        with pytest.raises(APITimeoutError, match="could not connect"):
            await zep.memory.get_session("s-1")


@pytest.mark.parametrize(("value", "error"), [(0, ValueError), (-1, ValueError), ("1", TypeError)])
async def test_connect_timeouts_are_checked(
    local_zep: LocalZep, value: object, error: type[Exception]
) -> None:
    """Bad values name the setting and are refused before anything is sent."""
    with pytest.raises(error, match="connect_timeout"):
        _zep(local_zep, connect_timeout=value)
    async with _zep(local_zep) as zep:
        with pytest.raises(error, match=r"request_options\['connect_timeout_in_seconds'\]"):
            await zep.memory.get_session(
                "s-1",
                request_options={"connect_timeout_in_seconds": value},  # type: ignore[arg-type]
            )
    assert local_zep.requests == []


def test_sync_client_takes_connect_timeout(local_zep_thread: LocalZep) -> None:
    """Zep passes connect_timeout through and its calls work with it."""
    local_zep_thread.add_session("s-1")
    with Zep(
        api_key=local_zep_thread.api_key, base_url=local_zep_thread.base_url, connect_timeout=5
    ) as zep:
        assert zep.memory.get_session("s-1").session_id == "s-1"
        assert zep._async._transport._defaults.connect_timeout == 5
