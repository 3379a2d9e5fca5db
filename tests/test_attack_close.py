"""Attacks on close at the seam with the write-retry rule: what the error says was applied.

A write refused with 429 provably did nothing on the server; closing the client
while its retry waits must not turn that into "may have been applied" (a user
would then look before resending something that never happened), and must not
resend it.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from zep_async import AsyncZep, ClientClosedError, RateLimitError, RetryPolicy
from zep_async.testing import LocalZep

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
