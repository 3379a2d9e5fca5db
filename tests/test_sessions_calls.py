"""The session writes against LocalZep over loopback: wire format, answers and every error."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio

from zep_async import (
    AlreadyExistsError,
    APIStatusError,
    AsyncZep,
    AuthenticationError,
    BadRequestError,
    ClassifySessionRequest,
    ConflictError,
    EndSessionResponse,
    EndSessionsResponse,
    FactRatingExamples,
    FactRatingInstruction,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    Session,
    SessionEndedError,
    SuccessResponse,
    UnprocessableEntityError,
    UserNotFoundError,
)
from zep_async.testing import LocalZep

from .conftest import local_client

Call = Callable[[AsyncZep], Awaitable[object]]

#: One call of each write, on the session "s-1" of user "u-1" (see ``zep``).
CALLS: dict[str, tuple[str, Call]] = {
    "add_session": (
        "add_session",
        lambda zep: zep.memory.add_session(session_id="new", user_id="u-1"),
    ),
    "update_session": (
        "update_session",
        lambda zep: zep.memory.update_session("s-1", metadata={"k": 1}),
    ),
    "delete": ("delete_session", lambda zep: zep.memory.delete("s-1")),
    "end_session": ("end_session", lambda zep: zep.memory.end_session("s-1")),
    "end_sessions": ("end_sessions", lambda zep: zep.memory.end_sessions(session_ids=["s-1"])),
}


@pytest_asyncio.fixture
async def zep(local_zep: LocalZep) -> AsyncIterator[AsyncZep]:
    """A client without retries, and user u-1 with session s-1 on the server."""
    local_zep.add_user("u-1")
    local_zep.add_session("s-1", user_id="u-1", metadata={"a": 1, "b": 2})
    async with local_client(local_zep, max_retries=0) as client:
        yield client


def _stored(server: LocalZep, session_id: str) -> dict[str, Any] | None:
    return next((s for s in server.sessions if s["session_id"] == session_id), None)


# -- add_session -------------------------------------------------------------------------


async def test_add_session_sends_every_given_key(local_zep: LocalZep, zep: AsyncZep) -> None:
    """POST /sessions with exactly the given keys, models and mappings alike; 201 and a Session."""
    instruction = FactRatingInstruction(
        instruction="rate", examples=FactRatingExamples(high="h", low="l")
    )
    session = await zep.memory.add_session(
        session_id="chat-42",
        user_id="u-1",
        metadata={"channel": "web", "nested": [1, {"x": None}]},
        fact_rating_instruction=instruction,
    )
    (request,) = local_zep.requests
    assert (request.method, request.raw_path) == ("POST", "/api/v2/sessions")
    assert request.headers["Content-Type"] == "application/json"
    assert request.json == {
        "session_id": "chat-42",
        "user_id": "u-1",
        "metadata": {"channel": "web", "nested": [1, {"x": None}]},
        "fact_rating_instruction": {"instruction": "rate", "examples": {"high": "h", "low": "l"}},
    }
    assert isinstance(session, Session)
    assert (session.session_id, session.user_id) == ("chat-42", "u-1")
    assert session.metadata == {"channel": "web", "nested": [1, {"x": None}]}
    assert session.created_at is not None
    assert session.created_at.tzinfo is not None
    assert _stored(local_zep, "chat-42") is not None


async def test_add_session_leaves_out_what_is_not_given(local_zep: LocalZep, zep: AsyncZep) -> None:
    """Only session_id goes out when nothing else is given; a mapping goes out as the model."""
    await zep.memory.add_session(session_id="bare")
    await zep.memory.add_session(
        session_id="mapped", fact_rating_instruction={"examples": {"medium": "m"}}
    )
    bare, mapped = local_zep.requests
    assert bare.json == {"session_id": "bare"}
    assert mapped.json == {
        "session_id": "mapped",
        "fact_rating_instruction": {"examples": {"medium": "m"}},
    }


@pytest.mark.parametrize("flavor", ["cloud", "ce"])
async def test_a_duplicate_add_session_is_already_exists(flavor: str) -> None:
    """Both flavors answer 400 'already exists': AlreadyExistsError, still a BadRequestError."""
    async with (
        LocalZep(flavor=flavor) as server,  # type: ignore[arg-type]
        local_client(server) as zep,
    ):
        await zep.memory.add_session(session_id="twice")
        with pytest.raises(AlreadyExistsError) as info:
            await zep.memory.add_session(session_id="twice")
        assert isinstance(info.value, BadRequestError)
        assert info.value.status_code == 400
        assert info.value.may_have_been_applied is False
        assert server.count("add_session") == 2


@pytest.mark.parametrize("flavor", ["cloud", "ce"])
async def test_an_unknown_user_is_user_not_found(flavor: str) -> None:
    """A user_id that names no user: UserNotFoundError (a NotFoundError), nothing stored."""
    async with (
        LocalZep(flavor=flavor) as server,  # type: ignore[arg-type]
        local_client(server) as zep,
    ):
        with pytest.raises(UserNotFoundError) as info:
            await zep.memory.add_session(session_id="orphan", user_id="nobody")
        assert isinstance(info.value, NotFoundError)
        assert server.sessions == []


# -- update_session ----------------------------------------------------------------------


async def test_update_session_merges_metadata(local_zep: LocalZep, zep: AsyncZep) -> None:
    """PATCH /sessions/{id} with the metadata; the server merges it into what was there."""
    session = await zep.memory.update_session(
        "s-1", metadata={"b": 3, "c": 4}, fact_rating_instruction={"instruction": "x"}
    )
    (request,) = local_zep.requests
    assert (request.method, request.raw_path) == ("PATCH", "/api/v2/sessions/s-1")
    assert request.json == {
        "metadata": {"b": 3, "c": 4},
        "fact_rating_instruction": {"instruction": "x"},
    }
    assert session.metadata == {"a": 1, "b": 3, "c": 4}


async def test_update_session_sends_an_awkward_id_as_one_segment(
    local_zep: LocalZep, zep: AsyncZep
) -> None:
    """An id with a slash, a space, a question mark and a dot-segment stays one segment."""
    for session_id in ("team/a b?c=1#x", ".."):
        local_zep.add_session(session_id)
        session = await zep.memory.update_session(session_id, metadata={})
        assert session.session_id == session_id
    first, second = local_zep.requests
    assert first.raw_path == "/api/v2/sessions/team%2Fa%20b%3Fc%3D1%23x"
    assert first.session_id == "team/a b?c=1#x"
    assert second.raw_path == "/api/v2/sessions/%2E%2E"


async def test_update_of_an_unknown_session_is_not_found(zep: AsyncZep) -> None:
    """404 for a session that does not exist."""
    with pytest.raises(NotFoundError) as info:
        await zep.memory.update_session("missing", metadata={"k": 1})
    assert info.value.may_have_been_applied is False


async def test_update_after_end_is_session_ended(local_zep: LocalZep, zep: AsyncZep) -> None:
    """An ended session refuses changes: SessionEndedError (a 409 ConflictError)."""
    await zep.memory.end_session("s-1")
    with pytest.raises(SessionEndedError) as info:
        await zep.memory.update_session("s-1", metadata={"k": 1})
    assert isinstance(info.value, ConflictError)
    assert info.value.status_code == 409
    assert _stored(local_zep, "s-1")["metadata"] == {"a": 1, "b": 2}  # type: ignore[index]


# -- delete --------------------------------------------------------------------------------


async def test_delete_removes_the_session_and_its_messages(
    local_zep: LocalZep, zep: AsyncZep
) -> None:
    """DELETE /sessions/{id}/memory: SuccessResponse; then the session is gone, id reusable."""
    local_zep.add_messages("s-1", [{"role_type": "user", "content": "hi"}])
    answer = await zep.memory.delete("s-1")
    assert answer == SuccessResponse(message="OK")
    request = local_zep.requests[-1]
    assert (request.method, request.raw_path) == ("DELETE", "/api/v2/sessions/s-1/memory")
    assert request.body == b""
    assert _stored(local_zep, "s-1") is None
    with pytest.raises(NotFoundError):
        await zep.memory.get_session("s-1")
    await zep.memory.add_session(session_id="s-1")
    assert local_zep.messages("s-1") == []


async def test_delete_of_an_unknown_session_is_not_found(zep: AsyncZep) -> None:
    """A first-attempt 404 is a plain NotFoundError: nothing was deleted."""
    with pytest.raises(NotFoundError) as info:
        await zep.memory.delete("missing")
    assert info.value.may_have_been_applied is False


# -- end_session and end_sessions -------------------------------------------------------


async def test_end_session_sends_an_empty_object_and_ends_it(
    local_zep: LocalZep, zep: AsyncZep
) -> None:
    """POST /sessions/{id}/end with {}; the answer holds the ended session, no classification."""
    answer = await zep.memory.end_session("s-1")
    (request,) = local_zep.requests
    assert (request.method, request.raw_path, request.body) == (
        "POST",
        "/api/v2/sessions/s-1/end",
        b"{}",
    )
    assert isinstance(answer, EndSessionResponse)
    assert answer.classification is None
    assert answer.session is not None
    assert answer.session.ended_at is not None


@pytest.mark.parametrize(
    "classify",
    [
        ClassifySessionRequest(classes=["billing", "other"], name="topic", last_n=2),
        {"classes": ["billing", "other"], "name": "topic", "last_n": 2},
    ],
    ids=["model", "mapping"],
)
async def test_end_session_classifies(local_zep: LocalZep, zep: AsyncZep, classify: object) -> None:
    """classify (model or mapping) and instruction go out under their keys; the class comes back."""
    local_zep.add_messages("s-1", [{"role_type": "user", "content": "a billing question"}])
    answer = await zep.memory.end_session("s-1", classify=classify, instruction="be brief")  # type: ignore[arg-type]
    assert local_zep.requests[-1].json == {
        "classify": {"classes": ["billing", "other"], "name": "topic", "last_n": 2},
        "instruction": "be brief",
    }
    assert answer.classification is not None
    assert (answer.classification.class_, answer.classification.label) == ("billing", "topic")


async def test_end_sessions_ends_each(local_zep: LocalZep, zep: AsyncZep) -> None:
    """POST /sessions/end with session_ids (and instruction); every listed session ends."""
    local_zep.add_session("s-2")
    answer = await zep.memory.end_sessions(session_ids=("s-1", "s-2"), instruction="go")  # type: ignore[arg-type]
    (request,) = local_zep.requests
    assert (request.method, request.raw_path) == ("POST", "/api/v2/sessions/end")
    assert request.json == {"session_ids": ["s-1", "s-2"], "instruction": "go"}
    assert isinstance(answer, EndSessionsResponse)
    assert [s.session_id for s in answer.sessions] == ["s-1", "s-2"]
    assert all(s.ended_at is not None for s in answer.sessions)


async def test_end_sessions_with_an_unknown_id_ends_none(
    local_zep: LocalZep, zep: AsyncZep
) -> None:
    """One unknown id: the API's JSON 404, and no session ended."""
    with pytest.raises(NotFoundError) as info:
        await zep.memory.end_sessions(session_ids=["s-1", "missing"])
    assert "Community Edition" not in str(info.value)
    assert _stored(local_zep, "s-1")["ended_at"] is None  # type: ignore[index]


async def test_the_community_edition_has_no_end_routes() -> None:
    """CE answers a text 404 and an empty 405: the errors say the server lacks the route."""
    async with (
        LocalZep(flavor="ce") as server,
        local_client(server) as zep,
    ):
        server.add_session("s-1")
        with pytest.raises(NotFoundError) as one:
            await zep.memory.end_session("s-1")
        with pytest.raises(APIStatusError) as many:
            await zep.memory.end_sessions(session_ids=["s-1"])
    assert "no POST /sessions/{id}/end route" in str(one.value)
    assert "Community Edition lacks end_session" in str(one.value)
    assert many.value.status_code == 405
    assert str(many.value).startswith(
        "405 Method Not Allowed: this server has no POST /sessions/end route (the Zep "
        "Community Edition lacks end_sessions"
    )
    assert one.value.may_have_been_applied is many.value.may_have_been_applied is False


# -- every error status ------------------------------------------------------------------


STATUSES = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    500: InternalServerError,
    503: InternalServerError,
}


@pytest.mark.parametrize("status", sorted(STATUSES))
@pytest.mark.parametrize("name", sorted(CALLS))
async def test_each_error_status_raises_its_class(
    local_zep: LocalZep, zep: AsyncZep, name: str, status: int
) -> None:
    """Each status arrives as its class, with the server's message and request id."""
    route, call = CALLS[name]
    local_zep.fail(route, status, json={"message": f"scripted {status}"})
    with pytest.raises(STATUSES[status]) as info:
        await call(zep)
    assert info.value.status_code == status
    assert info.value.message == f"scripted {status}"
    assert info.value.request_id == "req-1"
    assert local_zep.count(route) == 1
