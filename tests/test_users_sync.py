"""zep.user of the sync client: the same calls as AsyncZep.user, over one background loop."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from zep_async import AlreadyExistsError, InternalServerError, NotFoundError, User, Zep
from zep_async.testing import LocalZep

from .conftest import local_sync_client


@pytest.fixture
def server(local_zep_thread: LocalZep) -> LocalZep:
    """The plugin's threaded LocalZep, under this file's name."""
    return local_zep_thread


@pytest.fixture
def zep(server: LocalZep) -> Iterator[Zep]:
    with local_sync_client(server) as client:
        yield client


def test_the_lifecycle_without_await(server: LocalZep, zep: Zep) -> None:
    """add, get, update, get_sessions, list_ordered and delete return the async client's models."""
    user = zep.user.add(user_id="jane", first_name="Jane", metadata={"a": 1})
    assert isinstance(user, User)
    server.add_session("chat", user_id="jane")
    assert zep.user.get("jane").session_count == 1
    assert zep.user.update("jane", metadata={"b": 2}).metadata == {"a": 1, "b": 2}
    assert [s.session_id for s in zep.user.get_sessions("jane")] == ["chat"]
    page = zep.user.list_ordered(page_number=1, page_size=1)
    assert ([u.user_id for u in page.users], page.total_count) == (["jane"], 1)
    assert zep.user.delete("jane").message == "OK"
    assert server.users == []
    assert server.sessions == []


def test_errors_cross_back_unchanged(server: LocalZep, zep: Zep) -> None:
    """A duplicate is AlreadyExistsError; an unknown user NotFoundError."""
    server.add_user("jane")
    with pytest.raises(AlreadyExistsError):
        zep.user.add(user_id="jane")
    with pytest.raises(NotFoundError):
        zep.user.get("nobody")


def test_a_write_is_sent_once_from_the_sync_client(server: LocalZep, zep: Zep) -> None:
    """The plain write rule (recovery off) holds through the sync door: one request after a 500."""
    server.fail_after_applying("add_user", 500)
    with pytest.raises(InternalServerError) as info:
        zep.user.add(user_id="jane", request_options={"recover_writes": False})
    assert info.value.may_have_been_applied is True
    assert server.count("add_user") == 1


def test_bad_arguments_are_refused_before_sending(server: LocalZep, zep: Zep) -> None:
    """Checks run on the sync side too, and nothing reaches the server."""
    with pytest.raises(TypeError, match="user_id"):
        zep.user.get(7)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="page_size"):
        zep.user.iter_users(page_size=0)
    assert server.count() == 0


def test_iter_users_is_a_plain_iterator_over_every_user(server: LocalZep, zep: Zep) -> None:
    """iter_users walks every user once, newest first, with camelCase paging."""
    for n in range(25):
        server.add_user(f"user-{n:02d}")
    walked = [user.user_id for user in zep.user.iter_users(page_size=10)]
    assert walked == [f"user-{n:02d}" for n in reversed(range(25))]
    assert {r.query["pageSize"] for r in server.requests} == {"10"}


def test_leaving_iter_users_early_keeps_the_client_usable(server: LocalZep, zep: Zep) -> None:
    """Breaking out of the walk closes it; the next call works."""
    for n in range(30):
        server.add_user(f"user-{n:02d}")
    walk = zep.user.iter_users(page_size=10, prefetch=1)
    assert next(iter(walk)).user_id == "user-29"
    walk.close()
    assert zep.user.get("user-00").user_id == "user-00"
