"""Round-2 attacks on recovered writes: the read-back of a recovery within the call's budget.

``total_timeout`` bounds "the whole call, retries and waits included"; the read-back
that confirms a recovered write is part of the call. Each test runs the retry policy
on a fake clock that a hook moves on, so no test waits for real time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from zep_async import (
    AlreadyExistsError,
    AsyncZep,
    AttemptEvent,
    CallEndEvent,
    ClientClosedError,
    Hooks,
    RetryPolicy,
)
from zep_async.models import Message
from zep_async.testing import LocalZep

from .conftest import local_client

OWN = "5c1e4f3a-0b7d-4a8e-9f21-3d6c2b1a0e47"  # a uuid the caller chose


def _client(server: LocalZep, on_end: Callable[[CallEndEvent], None], now: list[float]) -> AsyncZep:
    """A client on the fake clock ``now``, with ``total_timeout=30`` and ``on_end`` as its hook."""
    policy = RetryPolicy(initial_delay=0, max_delay=0, clock=lambda: now[0])
    return AsyncZep(
        api_key=server.api_key,
        base_url=server.base_url,
        retry_policy=policy,
        timeout=10,
        total_timeout=30,
        hooks=Hooks(on_call_end=on_end),
    )


async def test_a_create_whose_budget_ran_out_is_not_read_back(local_zep: LocalZep) -> None:
    """A recovered create whose write spent total_timeout raises without a read-back."""
    local_zep.add_user("u-1")
    local_zep.fail_after_applying("add_session", 503)
    now = [1000.0]

    def on_end(event: CallEndEvent) -> None:
        if event.method == "POST":
            now[0] += 100  # the write's attempts took the whole budget

    async with _client(local_zep, on_end, now) as zep:
        with pytest.raises(AlreadyExistsError, match="total_timeout=30 s") as caught:
            await zep.memory.add_session(session_id="s-new", user_id="u-1")
    assert caught.value.may_have_been_applied
    assert local_zep.count("get_session") == 0


async def test_a_create_with_budget_left_is_read_back(local_zep: LocalZep) -> None:
    """A recovered create with time left of total_timeout reads back and returns its object."""
    local_zep.add_user("u-1")
    local_zep.fail_after_applying("add_session", 503)
    now = [1000.0]

    async with _client(local_zep, lambda _: None, now) as zep:
        session = await zep.memory.add_session(session_id="s-new", user_id="u-1")
    assert session.session_id == "s-new"
    assert local_zep.count("get_session") == 1


async def test_a_message_read_back_stops_when_the_budget_runs_out(local_zep: LocalZep) -> None:
    """Confirming a recovered memory.add reads no more messages once total_timeout is spent."""
    local_zep.add_session("s-1")
    local_zep.fail_after_applying("add_memory", 503)
    now = [1000.0]

    def on_end(event: CallEndEvent) -> None:
        if event.method == "GET":
            now[0] += 20  # each read-back takes 20 of the call's 30 s: two of them spend it

    messages = [Message(role_type="user", content=f"m{n}") for n in range(3)]
    async with _client(local_zep, on_end, now) as zep:
        with pytest.raises(AlreadyExistsError, match="total_timeout") as caught:
            await zep.memory.add("s-1", messages=messages)
    assert caught.value.may_have_been_applied
    assert local_zep.count("get_session_message") == 2
    assert [m["content"] for m in local_zep.messages("s-1")] == ["m0", "m1", "m2"]


async def test_a_message_read_back_with_budget_left_confirms_every_message(
    local_zep: LocalZep,
) -> None:
    """A recovered memory.add with time left reads every message back and succeeds."""
    local_zep.add_session("s-1")
    local_zep.fail_after_applying("add_memory", 503)
    now = [1000.0]

    messages = [Message(role_type="user", content=f"m{n}") for n in range(3)]
    async with _client(local_zep, lambda _: None, now) as zep:
        await zep.memory.add("s-1", messages=messages)
    assert local_zep.count("get_session_message") == 3


async def test_a_reused_uuid_with_other_content_is_not_taken_for_ours(
    local_zep: LocalZep,
) -> None:
    """A refused resend whose one uuid holds another message (an earlier call's): raised."""
    local_zep.add_session("s-1")
    (old,) = local_zep.add_messages("s-1", [{"content": "old", "role_type": "user"}])
    local_zep.fail("add_memory", 503)  # the first attempt stored nothing
    reused = Message(role_type="user", content="new", uuid=old["uuid"])
    async with _client(local_zep, lambda _: None, [0.0]) as zep:
        with pytest.raises(AlreadyExistsError, match="not this call's") as caught:
            await zep.memory.add("s-1", messages=[reused])
    assert caught.value.may_have_been_applied is True
    assert [m["content"] for m in local_zep.messages("s-1")] == ["old"]


async def test_a_recovered_add_with_the_same_content_is_confirmed(local_zep: LocalZep) -> None:
    """A caller's own uuids, stored by the first attempt with the same content: success."""
    local_zep.add_session("s-1")
    local_zep.fail_after_applying("add_memory", 503)
    mine = [
        Message(role_type="user", role="Jane", content="a", uuid=OWN, metadata={"k": 1}),
        Message(role_type="assistant", content="b"),
    ]
    async with _client(local_zep, lambda _: None, [0.0]) as zep:
        await zep.memory.add("s-1", messages=mine)
    assert [m["content"] for m in local_zep.messages("s-1")] == ["a", "b"]


async def test_closing_under_a_create_read_back_raises_client_closed(local_zep: LocalZep) -> None:
    """aclose during a recovered create's read-back: ClientClosedError, as aclose promises."""
    local_zep.add_user("u-1")
    local_zep.fail_after_applying("add_session", 503)
    local_zep.delay("get_session", 30)
    reading = asyncio.Event()

    def on_attempt(event: AttemptEvent) -> None:
        if event.method == "GET":
            reading.set()

    zep = local_client(local_zep, hooks=Hooks(on_attempt=on_attempt))
    task = asyncio.create_task(zep.memory.add_session(session_id="s-new", user_id="u-1"))
    async with asyncio.timeout(5):
        await reading.wait()
        await zep.aclose()
        with pytest.raises(ClientClosedError) as caught:
            await task
    assert caught.value.may_have_been_applied is True


async def test_closing_under_a_message_read_back_raises_client_closed(
    local_zep: LocalZep,
) -> None:
    """aclose while a recovered memory.add reads its messages back: ClientClosedError."""
    local_zep.add_session("s-1")
    local_zep.fail_after_applying("add_memory", 503)
    local_zep.delay("get_session_message", 30)
    reading = asyncio.Event()

    def on_attempt(event: AttemptEvent) -> None:
        if event.method == "GET":
            reading.set()

    zep = local_client(local_zep, hooks=Hooks(on_attempt=on_attempt))
    task = asyncio.create_task(
        zep.memory.add("s-1", messages=[Message(role_type="user", content="x")])
    )
    async with asyncio.timeout(5):
        await reading.wait()
        await zep.aclose()
        with pytest.raises(ClientClosedError) as caught:
            await task
    assert caught.value.may_have_been_applied is True
    assert [m["content"] for m in local_zep.messages("s-1")] == ["x"]
