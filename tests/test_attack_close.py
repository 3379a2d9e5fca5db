"""Attacks on close at the seam with the write-retry rule: what the error says was applied.

A write refused with 429 provably did nothing on the server; closing the client
while its retry waits must not turn that into "may have been applied" (a user
would then look before resending something that never happened), and must not
resend it.
"""

from __future__ import annotations

import asyncio
import json
import textwrap

import pytest

from zep_async import AsyncZep, ClientClosedError, RateLimitError, RetryPolicy
from zep_async.testing import LocalZep

from .sync_support import run_dev
from .write_support import send

BODY = json.dumps({"session_id": "s-closed", "user_id": "u1"}).encode()


def _waiting_policy() -> tuple[RetryPolicy, asyncio.Event]:
    """A policy whose waits last until the call ends, and an event set when one begins."""
    waiting = asyncio.Event()

    async def sleep(_: float) -> None:
        waiting.set()
        await asyncio.Event().wait()

    return RetryPolicy(sleep=sleep), waiting


async def test_close_in_the_wait_after_a_429_says_the_write_was_not_applied(
    local_zep: LocalZep,
) -> None:
    local_zep.add_user("u1")
    local_zep.fail("add_session", 429)
    policy, waiting = _waiting_policy()
    client = AsyncZep(api_key=local_zep.api_key, base_url=local_zep.base_url, retry_policy=policy)
    call = asyncio.ensure_future(send(client, "POST", "/sessions", body=BODY))
    await waiting.wait()
    await client.aclose()
    with pytest.raises(ClientClosedError) as caught:
        await call
    error = caught.value
    assert error.may_have_been_applied is False
    assert "may have been applied" not in str(error)
    assert error.attempts == 1
    # The answer that made it wait is kept, as the cause.
    assert isinstance(error.__cause__, RateLimitError)
    assert local_zep.count("add_session") == 1  # nothing resent
    assert local_zep.sessions == []


async def test_close_in_the_wait_after_an_ambiguous_attempt_keeps_it_applied(
    local_zep: LocalZep,
) -> None:
    local_zep.add_user("u1")
    local_zep.fail_after_applying("add_session", 503)
    policy, waiting = _waiting_policy()
    client = AsyncZep(
        api_key=local_zep.api_key,
        base_url=local_zep.base_url,
        retry_policy=policy,
        retry_writes=True,
    )
    call = asyncio.ensure_future(send(client, "POST", "/sessions", body=BODY))
    await waiting.wait()
    await client.aclose()
    with pytest.raises(ClientClosedError) as caught:
        await call
    assert caught.value.may_have_been_applied is True
    assert "may have been applied" in str(caught.value)
    assert local_zep.count("add_session") == 1
    assert [s["session_id"] for s in local_zep.sessions] == ["s-closed"]


def test_aclose_after_the_loop_that_used_the_client_ended_closes_or_says_so() -> None:
    """``asyncio.run(use(zep)); asyncio.run(zep.aclose())``: a common script shape.

    The second ``aclose`` used to find the pool's loop closed and return silently,
    leaving the pool and its keep-alive socket to the garbage collector (three
    ResourceWarnings). The loop's ending now closes the pool on that loop
    (``shutdown_asyncgens``), so the late ``aclose`` is a no-op and later calls
    say the client is closed.
    """
    code = textwrap.dedent(
        """
        import asyncio, gc
        from zep_async import AsyncZep, ClientClosedError
        from zep_async.testing import LocalZep

        async def use(client):
            await client.memory.list_sessions(page_size=1)

        with LocalZep().run_in_thread() as server:
            client = AsyncZep(api_key=server.api_key, base_url=server.base_url)
            asyncio.run(use(client))
            assert client.closed
            asyncio.run(client.aclose())
            asyncio.run(client.aclose())  # closing twice is fine
            try:
                asyncio.run(use(client))
            except ClientClosedError as error:
                assert "event loop it was used on ended" in str(error), error
            else:
                raise AssertionError("a call after the loop ended was sent")
            assert server.count("list_sessions") == 1
            del client
            gc.collect()
        print("ok")
        """
    )
    result = run_dev(code, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok\n"
    assert result.stderr == "", result.stderr


def test_the_end_of_a_loop_closes_the_pool_whatever_ends_it() -> None:
    """A plain loop ended with shutdown_asyncgens, a client dropped unclosed on a running
    loop, a call in flight when the loop shuts down, aclose racing that shutdown, and an
    application's own http_session (never closed by the SDK): no warning, nothing open."""
    code = textwrap.dedent(
        """
        import asyncio, gc
        import aiohttp
        from zep_async import AsyncZep, ClientClosedError
        from zep_async.testing import LocalZep

        async def use(client):
            await client.memory.list_sessions(page_size=1)

        with LocalZep().run_in_thread() as server:
            args = dict(api_key=server.api_key, base_url=server.base_url)

            # A plain loop, shut down by hand.
            client = AsyncZep(**args)
            loop = asyncio.new_event_loop()
            loop.run_until_complete(use(client))
            pool = client._transport._session
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            assert client.closed and pool.closed
            asyncio.run(client.aclose())

            # Dropped without aclose while its loop runs: closed on that loop.
            async def drop():
                client = AsyncZep(**args)
                await use(client)
                pool = client._transport._session
                del client
                gc.collect()
                for _ in range(20):
                    if pool.closed:
                        return
                    await asyncio.sleep(0)
                raise AssertionError("the dropped client's pool is still open")
            asyncio.run(drop())

            # A call in flight when the loop's async generators are shut down.
            server.stall("get_session")
            async def in_flight():
                client = AsyncZep(**args)
                await use(client)
                call = asyncio.ensure_future(client.memory.get_session("s"))
                while server.count("get_session") == 0:
                    await asyncio.sleep(0.01)
                await asyncio.get_running_loop().shutdown_asyncgens()
                try:
                    await call
                except ClientClosedError as error:
                    assert "closed while this call ran" in str(error), error
                else:
                    raise AssertionError("the call outlived its pool")
            asyncio.run(in_flight())

            # aclose racing the loop's shutdown of its async generators: one close, no error.
            async def racing():
                client = AsyncZep(**args)
                await use(client)
                loop = asyncio.get_running_loop()
                await asyncio.gather(client.aclose(), loop.shutdown_asyncgens(), client.aclose())
                assert client.closed
            asyncio.run(racing())

            # The application's session is its own: the loop's end leaves it alone.
            async def owned():
                session = aiohttp.ClientSession()
                client = AsyncZep(http_session=session, **args)
                await use(client)
                assert client._transport._guard is None
                await asyncio.get_running_loop().shutdown_asyncgens()
                assert not session.closed and not client.closed
                await use(client)
                await client.aclose()
                assert not session.closed
                await session.close()
            asyncio.run(owned())
            gc.collect()
        print("ok")
        """
    )
    result = run_dev(code, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok\n"
    assert result.stderr == "", result.stderr


def test_aclose_after_a_bare_loop_close_says_it_could_not_close() -> None:
    """``loop.close()`` without ``shutdown_asyncgens()``: the pool cannot be closed any
    more, and ``aclose`` says so once (RuntimeError), then is a no-op; no call starts."""
    code = textwrap.dedent(
        """
        import asyncio, warnings
        from zep_async import AsyncZep
        from zep_async.testing import LocalZep

        warnings.simplefilter("ignore", ResourceWarning)  # aiohttp's, at exit: expected
        with LocalZep().run_in_thread() as server:
            client = AsyncZep(api_key=server.api_key, base_url=server.base_url)
            loop = asyncio.new_event_loop()
            loop.run_until_complete(client.memory.list_sessions(page_size=1))
            loop.close()
            assert not client.closed
            try:
                asyncio.run(client.aclose())
            except RuntimeError as error:
                print(error)
            assert client.closed
            asyncio.run(client.aclose())
        print("ok")
        """
    )
    result = run_dev(code, timeout=60)
    assert result.returncode == 0, result.stderr
    first, ok = result.stdout.splitlines()
    assert "closed without loop.shutdown_asyncgens()" in first
    assert ok == "ok"


def test_the_shared_loops_end_closes_every_pool_left_on_it() -> None:
    """The shared loop thread shuts its async generators down as it ends: a pool whose
    runner stopped without aclose is closed then (with the last client), silently, and
    its client then says it is closed (changed: the loop is no longer one per client)."""
    code = textwrap.dedent(
        """
        from zep_async import ClientClosedError, Zep
        from zep_async.testing import LocalZep

        server = LocalZep()
        with server.run_in_thread():
            zep = Zep(api_key=server.api_key, base_url=server.base_url)
            last = Zep(api_key=server.api_key, base_url=server.base_url)
            zep.memory.list_sessions(page_size=1)
            last.memory.list_sessions(page_size=1)
            pool = zep._async._transport._session
            zep._core.runner.stop()  # no final aclose: only the loop's own end is left
            assert not pool.closed  # the loop still serves the other client
            last.close()  # the last lease: the loop ends
            assert pool.closed
            assert zep._async.closed
            zep.close()  # still fine afterwards
            try:
                zep.memory.list_sessions(page_size=1)
            except ClientClosedError:
                print("ok")
        """
    )
    result = run_dev(code, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
    assert result.stderr == ""
