"""The sync twins of the memory and message calls: same calls, same rules, no await."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import pytest

from zep_async import AsyncZep, InternalServerError, Message, Zep
from zep_async.testing import LocalZep

from .conftest import local_sync_client

JANE = Message(role_type="user", role="Jane", content="My card was charged twice.")
CALLS = (
    "add",
    "get",
    "get_session_messages",
    "get_session_message",
    "update_message_metadata",
    "search",
    "search_sessions",
    "iter_session_messages",
)


@pytest.fixture
def server(local_zep_thread: LocalZep) -> LocalZep:
    local_zep_thread.add_session("chat-42")
    return local_zep_thread


@pytest.fixture
def zep(server: LocalZep) -> Iterator[Zep]:
    with local_sync_client(server) as client:
        yield client


@pytest.mark.parametrize("name", CALLS)
def test_each_twin_has_the_async_signature_and_docstring(name: str) -> None:
    """Same parameters and docstring as the AsyncZep method."""
    sync, coroutine = getattr(Zep("k").memory, name), getattr(AsyncZep("k").memory, name)
    assert list(inspect.signature(sync).parameters) == list(inspect.signature(coroutine).parameters)
    assert sync.__doc__ == coroutine.__doc__


def test_the_add_get_loop_without_await(server: LocalZep, zep: Zep) -> None:
    """add, get, a page, one message, its metadata and both searches, as plain calls."""
    answer = zep.memory.add("chat-42", messages=[JANE], return_context=True)
    assert answer.context == "Jane: My card was charged twice."
    memory = zep.memory.get("chat-42", lastn=1)
    assert [m.content for m in memory.messages] == [JANE.content]
    page = zep.memory.get_session_messages("chat-42", limit=1, cursor=1)
    (message,) = page.messages
    assert message.uuid is not None
    assert zep.memory.get_session_message("chat-42", message.uuid) == message
    updated = zep.memory.update_message_metadata("chat-42", message.uuid, metadata={"a": 1})
    assert updated.metadata == {"a": 1}
    assert [h.score for h in zep.memory.search("chat-42", text="card")] == [1.0]
    assert [r.session_id for r in zep.memory.search_sessions(text="card").results] == ["chat-42"]


def test_iter_session_messages_is_a_plain_iterator(server: LocalZep, zep: Zep) -> None:
    """Every message once, oldest first, from a plain for loop; break stops fetching."""
    stored = server.add_messages(
        "chat-42", [{"role_type": "user", "content": f"m{n}"} for n in range(25)]
    )
    walk = zep.memory.iter_session_messages("chat-42", page_size=10, prefetch=2)
    assert not inspect.isasyncgen(walk)
    assert [m.uuid for m in walk] == [m["uuid"] for m in stored]
    before = server.count("get_session_messages")
    for _ in zep.memory.iter_session_messages("chat-42", page_size=10, prefetch=1):
        break
    assert server.count("get_session_messages") == before + 1


def test_add_is_not_resent_after_a_500_with_recovery_off(server: LocalZep, zep: Zep) -> None:
    """The plain write rule holds through the sync door: one request, may_have_been_applied."""
    server.fail_after_applying("add_memory", status=500)
    with pytest.raises(InternalServerError) as info:
        zep.memory.add("chat-42", messages=[JANE], request_options={"recover_writes": False})
    assert info.value.may_have_been_applied is True
    assert server.count("add_memory") == 1
    assert len(server.messages("chat-42")) == 1


def test_bad_arguments_raise_in_the_callers_thread(server: LocalZep, zep: Zep) -> None:
    """Checks run before anything is sent, also for the sync iterator."""
    with pytest.raises(ValueError, match="messages is empty"):
        zep.memory.add("chat-42", messages=[])
    with pytest.raises(ValueError, match="lastn"):
        zep.memory.get("chat-42", lastn=0)
    with pytest.raises(ValueError, match="page_size"):
        zep.memory.iter_session_messages("chat-42", page_size=0)
    assert server.count() == 0
