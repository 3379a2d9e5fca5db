"""Attacks on recovered writes: racing writers, failing read-backs, cancels, 429s, bad uuids.

Each test scripts one situation on LocalZep and pins what the caller gets and what
the server holds afterwards.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from zep_async import (
    AlreadyExistsError,
    AsyncZep,
    Hooks,
    InternalServerError,
    RecoveryEvent,
    RetryEvent,
    RetryPolicy,
)
from zep_async.models import Message
from zep_async.testing import LocalZep

from .conftest import local_client
from .recovery_support import BYE, HI


@pytest_asyncio.fixture
async def zep(local_zep: LocalZep) -> AsyncIterator[AsyncZep]:
    """A client that recovers (the default), retrying without waits; user u-1 and session s-1."""
    local_zep.add_user("u-1")
    local_zep.add_session("s-1", user_id="u-1")
    async with local_client(local_zep) as client:
        yield client


def _client_with(server: LocalZep, policy: RetryPolicy) -> AsyncZep:
    """A client of ``server`` waiting between attempts by ``policy``."""
    return AsyncZep(api_key=server.api_key, base_url=server.base_url, retry_policy=policy)


def _between_attempts(action: Any) -> Hooks:
    """Hooks that run ``action()`` once, after the first failed attempt, before the resend."""
    done: list[bool] = []

    def on_retry(event: RetryEvent) -> None:
        if not done:
            done.append(True)
            action()

    return Hooks(on_retry=on_retry)


async def test_a_create_meeting_an_existing_key_first_raises(
    local_zep: LocalZep, zep: AsyncZep
) -> None:
    """'Already exists' on the first attempt is someone else's object: raised, nothing read."""
    with pytest.raises(AlreadyExistsError) as info:
        await zep.memory.add_session(session_id="s-1", user_id="u-1")
    assert info.value.may_have_been_applied is False
    assert local_zep.count() == 1


async def test_a_racing_writer_with_other_fields_is_not_taken_for_ours(
    local_zep: LocalZep,
) -> None:
    """Another writer creates the key, for another user, between our attempts: raised, named."""
    local_zep.add_user("u-1")
    local_zep.add_user("u-2")
    local_zep.fail("add_session", 503)
    hooks = _between_attempts(lambda: local_zep.add_session("s-new", user_id="u-2"))
    async with local_client(local_zep, hooks=hooks) as zep:
        with pytest.raises(AlreadyExistsError) as info:
            await zep.memory.add_session(session_id="s-new", user_id="u-1")
    assert info.value.may_have_been_applied is True
    assert "another writer created it" in str(info.value)
    assert "'u-2'" in str(info.value)


async def test_a_racing_writer_with_the_same_fields_is_returned(local_zep: LocalZep) -> None:
    """Another writer creates the same key with the same fields: its object is returned."""
    local_zep.add_user("u-1")
    local_zep.fail("add_session", 503)
    theirs: list[dict[str, Any]] = []
    hooks = _between_attempts(lambda: theirs.append(local_zep.add_session("s-new", user_id="u-1")))
    async with local_client(local_zep, hooks=hooks) as zep:
        session = await zep.memory.add_session(session_id="s-new", user_id="u-1")
    assert session.uuid == theirs[0]["uuid"]


async def test_a_failing_read_back_says_the_create_may_have_been_applied(
    local_zep: LocalZep, zep: AsyncZep
) -> None:
    """The resend meets our session, and reading it back fails too: 'may have been applied'."""
    local_zep.fail_after_applying("add_session", 503)
    local_zep.fail("get_session", 503, times=3)
    with pytest.raises(AlreadyExistsError) as info:
        await zep.memory.add_session(session_id="s-new", user_id="u-1")
    assert info.value.may_have_been_applied is True
    assert "reading it back to confirm it failed too" in str(info.value)
    assert isinstance(info.value.__cause__, InternalServerError)
    assert [s["session_id"] for s in local_zep.sessions].count("s-new") == 1


async def test_a_failing_message_read_back_says_the_add_may_have_been_applied(
    local_zep: LocalZep, zep: AsyncZep
) -> None:
    """The resend is refused for our uuids, and reading them back fails: 'may have been applied'."""
    local_zep.fail_after_applying("add_memory", 500)
    local_zep.fail("get_session_message", 500, times=3)
    with pytest.raises(AlreadyExistsError) as info:
        await zep.memory.add("s-1", messages=[HI])
    assert info.value.may_have_been_applied is True
    assert "reading the messages back to confirm them failed too" in str(info.value)
    assert len(local_zep.messages("s-1")) == 1


async def test_a_resend_cancelled_in_its_wait_leaves_the_first_write_only(
    local_zep: LocalZep,
) -> None:
    """Cancelled while waiting to resend: CancelledError, the messages stored once."""
    local_zep.add_session("s-1")
    waiting, never = asyncio.Event(), asyncio.Event()

    async def sleep(_: float) -> None:
        waiting.set()
        await never.wait()

    policy = RetryPolicy(initial_delay=1, max_delay=1, sleep=sleep)
    local_zep.fail_after_applying("add_memory", 503)
    async with _client_with(local_zep, policy) as zep:
        task = asyncio.create_task(zep.memory.add("s-1", messages=[HI]))
        async with asyncio.timeout(5):
            await waiting.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert [m["content"] for m in local_zep.messages("s-1")] == ["Hi"]
    assert local_zep.count("add_memory") == 1


async def test_a_read_back_cancelled_raises_cancelled_and_holds_the_create_once(
    local_zep: LocalZep,
) -> None:
    """Cancelled during the read-back GET: CancelledError, the session created once."""
    local_zep.add_user("u-1")
    local_zep.fail_after_applying("add_session", 503)
    local_zep.delay("get_session", 30)
    reading = asyncio.Event()

    def on_attempt(event: Any) -> None:
        if event.method == "GET":
            reading.set()

    async with local_client(local_zep, hooks=Hooks(on_attempt=on_attempt)) as zep:
        task = asyncio.create_task(zep.memory.add_session(session_id="s-new", user_id="u-1"))
        async with asyncio.timeout(5):
            await reading.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert [s["session_id"] for s in local_zep.sessions].count("s-new") == 1


async def test_a_429_first_then_already_exists_is_someone_elses(
    local_zep: LocalZep, zep: AsyncZep
) -> None:
    """A 429 applied nothing: 'already exists' on the resend is not ours, raised unread."""
    local_zep.fail("add_session", 429)
    with pytest.raises(AlreadyExistsError) as info:
        await zep.memory.add_session(session_id="s-1", user_id="u-1")
    assert info.value.may_have_been_applied is False
    assert local_zep.count("get_session") == 0


async def test_a_429_between_an_applied_attempt_and_the_resend_still_recovers(
    local_zep: LocalZep, zep: AsyncZep
) -> None:
    """503 after applying, then 429, then 'already exists': read back, success, 3 attempts."""
    local_zep.fail_after_applying("add_session", 503)
    local_zep.fail("add_session", 429)
    raw = await zep.memory.with_raw_response.add_session(session_id="s-new", user_id="u-1")
    assert (raw.parsed.session_id, raw.attempts, raw.read_back) == ("s-new", 3, True)


async def test_an_add_resent_after_a_429_only_is_not_called_recovered(
    local_zep: LocalZep, zep: AsyncZep
) -> None:
    """A 429 applied nothing: the resend's success is plain, with no uuid check."""
    local_zep.fail("add_memory", 429)
    raw = await zep.memory.with_raw_response.add("s-1", messages=[HI])
    assert (raw.attempts, raw.recovered) == (2, False)
    assert local_zep.count("get_session_message") == 0


@pytest.mark.parametrize("recover", [True, False])
async def test_a_callers_duplicate_uuid_is_refused_before_sending(
    local_zep: LocalZep, zep: AsyncZep, recover: bool
) -> None:
    """Two messages of one call with one uuid: ValueError naming messages[1].uuid, nothing sent."""
    twice = [Message(role_type="user", content=c, uuid="same") for c in ("a", "b")]
    with pytest.raises(ValueError, match=r"messages\[1\]\.uuid repeats messages\[0\]\.uuid"):
        await zep.memory.add("s-1", messages=twice, request_options={"recover_writes": recover})
    assert local_zep.count() == 0


async def test_a_callers_own_uuid_is_kept_and_recovered(local_zep: LocalZep, zep: AsyncZep) -> None:
    """A uuid the caller chose is sent as is, on every attempt, and stored once."""
    local_zep.fail_after_applying("add_memory", 503)
    mine = Message(role_type="user", content="Hi", uuid="0b6f5c1e-0000-4000-8000-000000000001")
    await zep.memory.add("s-1", messages=[mine, BYE])
    sent = [r.json["messages"][0]["uuid"] for r in local_zep.requests if r.route == "add_memory"]
    assert sent == [mine.uuid, mine.uuid]
    stored = [m["uuid"] for m in local_zep.messages("s-1")]
    assert stored[0] == mine.uuid
    assert len(stored) == 2


async def test_a_uuid_stored_by_an_earlier_call_is_not_taken_for_ours(
    local_zep: LocalZep, zep: AsyncZep
) -> None:
    """A refused resend whose other messages are missing: raised, naming how many."""
    (old,) = local_zep.add_messages("s-1", [{"content": "old", "role_type": "user"}])
    local_zep.fail("add_memory", 503)  # the first attempt stored nothing
    reused = Message(role_type="user", content="old", uuid=old["uuid"])
    with pytest.raises(AlreadyExistsError) as info:
        await zep.memory.add("s-1", messages=[reused, HI])
    assert "1 of the call's 2 messages are not in the session" in str(info.value)
    assert info.value.may_have_been_applied is True
    assert [m["content"] for m in local_zep.messages("s-1")] == ["old"]


async def test_a_uuid_stored_before_the_call_raises_at_once(
    local_zep: LocalZep, zep: AsyncZep
) -> None:
    """The first attempt refused for a caller's uuid: AlreadyExistsError, nothing read back."""
    (old,) = local_zep.add_messages("s-1", [{"content": "old", "role_type": "user"}])
    with pytest.raises(AlreadyExistsError) as info:
        await zep.memory.add(
            "s-1", messages=[Message(role_type="user", content="x", uuid=old["uuid"])]
        )
    assert info.value.may_have_been_applied is False
    assert local_zep.count() == 1


def _drop_client_uuids(server: LocalZep) -> None:
    """Make ``server`` ignore the uuids clients send, as a server without that feature would."""
    store = server._store.messages
    add = store.add

    def add_without_uuids(session_id: str, messages: Any) -> Any:
        return add(session_id, [{k: v for k, v in m.items() if k != "uuid"} for m in messages])

    store.add = add_without_uuids  # type: ignore[method-assign]


async def test_a_server_dropping_uuids_is_detected_and_said(
    local_zep: LocalZep, caplog: pytest.LogCaptureFixture
) -> None:
    """The resend's uuids were not kept: a WARNING, and the event says it is unconfirmed."""
    caplog.set_level(logging.WARNING, logger="zep_async")
    local_zep.add_session("s-1")
    _drop_client_uuids(local_zep)
    events: list[RecoveryEvent] = []
    local_zep.fail_after_applying("add_memory", 503)
    async with local_client(local_zep, hooks=Hooks(on_recovery=events.append)) as zep:
        await zep.memory.add("s-1", messages=[HI])
    assert [e.confirmed for e in events] == [False]
    assert any("did not keep the message uuids" in r.getMessage() for r in caplog.records)
    assert len(local_zep.messages("s-1")) == 2  # the duplicate the warning speaks of


async def test_a_client_that_saw_uuids_dropped_no_longer_resends_add(
    local_zep: LocalZep,
) -> None:
    """After one such resend, the next ambiguous add is not resent: one duplicate at most."""
    local_zep.add_session("s-1")
    _drop_client_uuids(local_zep)
    local_zep.fail_after_applying("add_memory", 503)
    async with local_client(local_zep) as zep:
        await zep.memory.add("s-1", messages=[HI])
        local_zep.fail_after_applying("add_memory", 503)
        with pytest.raises(InternalServerError) as info:
            await zep.memory.add("s-1", messages=[BYE])
    assert info.value.may_have_been_applied is True
    assert [m["content"] for m in local_zep.messages("s-1")] == ["Hi", "Hi", "Bye"]


async def test_a_concurrent_update_of_the_same_key_is_overwritten_by_the_resend(
    local_zep: LocalZep,
) -> None:
    """Documented: a key another writer set between our attempts gets our value back."""
    local_zep.add_session("s-1", metadata={})
    local_zep.fail_after_applying("update_session", 503)
    async with local_client(local_zep) as other:

        async def sleep(_: float) -> None:  # the wait before our resend: the other writes
            await other.memory.update_session("s-1", metadata={"k": "theirs", "only": "theirs"})

        policy = RetryPolicy(initial_delay=0, max_delay=0, sleep=sleep)
        async with _client_with(local_zep, policy) as zep:
            session = await zep.memory.update_session("s-1", metadata={"k": "ours"})
    assert session.metadata == {"k": "ours", "only": "theirs"}


@pytest.mark.parametrize("client_on", [True, False])
async def test_the_per_call_switch_wins_over_the_clients(
    local_zep: LocalZep, client_on: bool
) -> None:
    """request_options['recover_writes'] overrides the client's recover_writes."""
    local_zep.add_user("u-1")
    local_zep.fail_after_applying("add_session", 503)
    async with local_client(local_zep, recover_writes=client_on) as zep:
        call = zep.memory.add_session(
            session_id="s-new", user_id="u-1", request_options={"recover_writes": not client_on}
        )
        if client_on:
            with pytest.raises(InternalServerError):
                await call
        else:
            assert (await call).session_id == "s-new"


async def test_retry_writes_without_recovery_resends_but_reads_nothing_back(
    local_zep: LocalZep,
) -> None:
    """retry_writes=True, recover_writes=False: 'resend anything', the 'already exists' raised."""
    local_zep.add_user("u-1")
    local_zep.fail_after_applying("add_session", 503)
    async with local_client(local_zep, retry_writes=True, recover_writes=False) as zep:
        with pytest.raises(AlreadyExistsError) as info:
            await zep.memory.add_session(session_id="s-new", user_id="u-1")
    assert info.value.may_have_been_applied is True
    assert local_zep.count("get_session") == 0


async def test_recovery_off_sends_messages_without_uuids(
    local_zep: LocalZep, zep: AsyncZep
) -> None:
    """recover_writes=False sends the messages exactly as given: no uuid added."""
    await zep.memory.add("s-1", messages=[HI], request_options={"recover_writes": False})
    assert "uuid" not in local_zep.requests[0].json["messages"][0]


@pytest.mark.parametrize(("applied", "read_back"), [(True, True), (False, False)])
async def test_the_hook_and_raw_response_show_a_recovery(
    local_zep: LocalZep, applied: bool, read_back: bool
) -> None:
    """on_recovery gets one event; the raw response says recovered, and whether read back."""
    local_zep.add_user("u-1")
    if applied:
        local_zep.fail_after_applying("add_session", 503)
    else:
        local_zep.fail("add_session", 503)
    events: list[RecoveryEvent] = []
    async with local_client(local_zep, hooks=Hooks(on_recovery=events.append)) as zep:
        raw = await zep.memory.with_raw_response.add_session(session_id="s-new", user_id="u-1")
    assert (raw.recovered, raw.read_back, raw.attempts) == (True, read_back, 2)
    assert raw.method == ("GET" if read_back else "POST")
    assert [(e.method, e.attempts, e.read_back, e.confirmed) for e in events] == [
        ("POST", 2, read_back, True)
    ]
    assert events[0].url.endswith("/sessions")


def test_the_sync_raw_response_shows_a_read_back(local_zep_thread: LocalZep) -> None:
    """Zep's with_raw_response carries recovered and read_back too."""
    from .conftest import local_sync_client

    local_zep_thread.add_session("s-1")
    local_zep_thread.fail_after_applying("add_memory", 500)
    with local_sync_client(local_zep_thread) as zep:
        raw = zep.memory.with_raw_response.add("s-1", messages=[HI])
    assert (raw.recovered, raw.read_back, raw.attempts) == (True, True, 2)
    assert len(local_zep_thread.messages("s-1")) == 1


async def test_a_read_back_with_a_body_not_the_apis_says_may_have_been_applied(
    local_zep: LocalZep, zep: AsyncZep
) -> None:
    """The read-back answers 200 with garbage: AlreadyExistsError, the decode error as cause."""
    from zep_async import APIResponseValidationError

    local_zep.fail_after_applying("add_user", 503)
    local_zep.fail("get_user", 200, body="<html>not json</html>")
    with pytest.raises(AlreadyExistsError) as info:
        await zep.user.add(user_id="u-new")
    assert info.value.may_have_been_applied is True
    assert isinstance(info.value.__cause__, APIResponseValidationError)
    assert [u["user_id"] for u in local_zep.users].count("u-new") == 1


async def test_closing_the_client_under_a_read_back_ends_the_call_with_our_error(
    local_zep: LocalZep,
) -> None:
    """aclose during the read-back: a ZepError saying 'may have been applied', nothing hangs."""
    from zep_async import ZepError

    local_zep.add_user("u-1")
    local_zep.fail_after_applying("add_session", 503)
    local_zep.delay("get_session", 30)
    reading = asyncio.Event()

    def on_attempt(event: Any) -> None:
        if event.method == "GET":
            reading.set()

    zep = local_client(local_zep, hooks=Hooks(on_attempt=on_attempt))
    task = asyncio.create_task(zep.memory.add_session(session_id="s-new", user_id="u-1"))
    async with asyncio.timeout(5):
        await reading.wait()
        await zep.aclose()
        with pytest.raises(ZepError) as info:
            await task
    assert info.value.may_have_been_applied is True


def test_the_sdks_message_uuids_are_random_version_4_and_distinct() -> None:
    """The uuids given to messages parse as RFC 4122 version 4, none repeated."""
    import uuid

    from zep_async._uuids import with_unique_uuids

    given = with_unique_uuids([Message(role_type="user", content="x")] * 300, assign=True)
    parsed = [uuid.UUID(m.uuid or "") for m in given]
    assert {(u.version, u.variant) for u in parsed} == {(4, uuid.RFC_4122)}
    assert len({str(u) for u in parsed}) == 300
    assert [str(u) for u in parsed] == [m.uuid for m in given]
