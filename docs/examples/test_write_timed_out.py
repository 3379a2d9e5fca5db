"""A write that timed out after the server applied it: look before resending.

The SDK recovers its own creates by itself (the first test); code that handles a
timed-out write itself, here with recovery turned off, must look before resending.
"""

from zep_async import APITimeoutError, AsyncZep, NotFoundError
from zep_async.testing import LocalZep

pytest_plugins = ["zep_async.testing.pytest_plugin"]


async def create_once(zep: AsyncZep, session_id: str) -> str:
    """The code under test: create a session; after a timeout, look before resending."""
    try:
        await zep.memory.add_session(session_id=session_id)
        return "created"
    except APITimeoutError:
        try:
            await zep.memory.get_session(session_id)
            return "found after a timeout"
        except NotFoundError:
            await zep.memory.add_session(session_id=session_id)
            return "resent"


async def test_the_sdk_recovers_a_create_answered_late(local_zep: LocalZep) -> None:
    """By default the SDK resends, meets its own session and returns it: stored once."""
    local_zep.answer_late("add_session", 30)
    async with AsyncZep(api_key=local_zep.api_key, base_url=local_zep.base_url, timeout=0.5) as zep:
        session = await zep.memory.add_session(session_id="chat-1")
    assert session.session_id == "chat-1"
    assert [session["session_id"] for session in local_zep.sessions] == ["chat-1"]


async def test_a_timed_out_write_is_not_sent_twice(local_zep: LocalZep) -> None:
    """The server stores the session at once but answers after the client's timeout."""
    local_zep.answer_late("add_session", 30)
    async with AsyncZep(
        api_key=local_zep.api_key,
        base_url=local_zep.base_url,
        timeout=0.5,
        recover_writes=False,
    ) as zep:
        assert await create_once(zep, "chat-1") == "found after a timeout"
    assert local_zep.count("add_session") == 1
    assert [session["session_id"] for session in local_zep.sessions] == ["chat-1"]


async def test_a_write_that_never_arrived_is_resent(local_zep: LocalZep) -> None:
    """stall(): the server never applies it, so looking finds nothing and resending is right."""
    local_zep.stall("add_session")
    async with AsyncZep(
        api_key=local_zep.api_key,
        base_url=local_zep.base_url,
        timeout=0.2,
        recover_writes=False,
    ) as zep:
        assert await create_once(zep, "chat-1") == "resent"
    assert local_zep.count("add_session") == 2
    assert len(local_zep.sessions) == 1
