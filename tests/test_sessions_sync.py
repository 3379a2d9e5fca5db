"""The session writes through the sync ``Zep``: same names, arguments, answers and errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from zep_async import (
    AlreadyExistsError,
    EndSessionResponse,
    EndSessionsResponse,
    InternalServerError,
    NotFoundError,
    Session,
    SessionEndedError,
    SuccessResponse,
    UserNotFoundError,
    Zep,
)
from zep_async.testing import LocalZep

from .conftest import local_sync_client


@pytest.fixture
def zep(local_zep_thread: LocalZep) -> Iterator[Zep]:
    """A sync client on the threaded server, with user u-1 stored."""
    local_zep_thread.add_user("u-1")
    with local_sync_client(local_zep_thread) as client:
        yield client


def test_the_lifecycle_runs_through_the_sync_client(local_zep_thread: LocalZep, zep: Zep) -> None:
    """Create, merge, end, end many, delete: the async calls' answers, in the caller's thread."""
    session = zep.memory.add_session(session_id="chat-42", user_id="u-1", metadata={"a": 1})
    assert isinstance(session, Session)
    assert session.user_id == "u-1"
    session = zep.memory.update_session("chat-42", metadata={"b": 2})
    assert session.metadata == {"a": 1, "b": 2}
    ended = zep.memory.end_session("chat-42", classify={"classes": ["x"], "name": "n"})
    assert isinstance(ended, EndSessionResponse)
    assert ended.classification is not None
    assert ended.classification.class_ == "x"
    many = zep.memory.end_sessions(session_ids=["chat-42"])
    assert isinstance(many, EndSessionsResponse)
    assert [s.session_id for s in many.sessions] == ["chat-42"]
    assert zep.memory.delete("chat-42") == SuccessResponse(message="OK")
    assert local_zep_thread.sessions == []
    assert [r.route for r in local_zep_thread.requests] == [
        "add_session",
        "update_session",
        "end_session",
        "end_sessions",
        "delete_session",
    ]


def test_the_errors_are_the_async_ones(zep: Zep) -> None:
    """Duplicate, unknown user, ended, missing: the same classes as AsyncZep raises."""
    zep.memory.add_session(session_id="s")
    with pytest.raises(AlreadyExistsError):
        zep.memory.add_session(session_id="s")
    with pytest.raises(UserNotFoundError):
        zep.memory.add_session(session_id="t", user_id="nobody")
    zep.memory.end_session("s")
    with pytest.raises(SessionEndedError):
        zep.memory.update_session("s", metadata={"k": 1})
    with pytest.raises(NotFoundError):
        zep.memory.delete("missing")


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda zep: zep.memory.add_session(session_id=""), ValueError, "session_id"),
        (lambda zep: zep.memory.update_session("s", metadata=[1]), TypeError, "metadata"),
        (lambda zep: zep.memory.end_session("s", classify={"name": "n"}), TypeError, "classify"),
        (lambda zep: zep.memory.end_sessions(session_ids=[]), ValueError, "session_ids"),
        (lambda zep: zep.memory.delete(None), TypeError, "session_id"),
    ],
    ids=["add", "update", "end", "end many", "delete"],
)
def test_bad_arguments_raise_before_sending(
    local_zep_thread: LocalZep, zep: Zep, call: object, error: type[Exception], message: str
) -> None:
    """The sync twins check arguments as the async calls do, and send nothing."""
    with pytest.raises(error, match=message):
        call(zep)  # type: ignore[operator]
    assert local_zep_thread.count() == 0


def test_the_write_rule_holds_through_the_sync_client(local_zep_thread: LocalZep) -> None:
    """Recovery off, applied then 500: sent once, 'may have been applied'; retry_writes resends."""
    local_zep_thread.fail_after_applying("add_session")
    with local_sync_client(local_zep_thread, recover_writes=False) as zep:
        with pytest.raises(InternalServerError) as info:
            zep.memory.add_session(session_id="once")
        assert info.value.may_have_been_applied is True
        assert local_zep_thread.count("add_session") == 1
        local_zep_thread.fail_after_applying("update_session")
        zep.memory.update_session("once", metadata={"k": 1}, request_options={"retry_writes": True})
    assert local_zep_thread.count("update_session") == 2
