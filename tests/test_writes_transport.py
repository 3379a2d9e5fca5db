"""The write path's transport: request bodies and the write-retry rule, over loopback.

A POST or PATCH that may have reached the server is sent once; it is resent only
when the server provably did not act (refused connection, 429) or the caller opted
in. LocalZep applies its faults before routing, so a POST to a GET route reaches
the scripted fault; when resent it gets the route's 405, which proves the resend.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from zep_async import (
    AlreadyExistsError,
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AsyncZep,
    BadRequestError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    Session,
    SessionEndedError,
    UserNotFoundError,
    ZepError,
)
from zep_async.testing import LocalZep

from .conftest import NO_WAIT, local_client
from .write_support import (
    AMBIGUOUS,
    WRITE_METHODS,
    CaptureServer,
    closed_port,
    options_for,
    send,
)

#: Each write method on a real LocalZep route, with a path whose normal answer is a 4xx
#: (an empty create, an unknown session), so a resend never changes the store.
WRITES = {"POST": ("add_session", "/sessions"), "PATCH": ("update_session", "/sessions/s")}
#: The 4xx each of those routes answers normally, telling that a resend reached it.
NORMAL = {"POST": 400, "PATCH": 404}
ROUTE, PATH = WRITES["POST"]
READ_ROUTE = "list_sessions"
DELETE_ROUTE, DELETE_PATH = "delete_session", "/sessions/s/memory"


#: What each route accepts (a 2xx), for the cut-body case: a cut body leaves the write
#: ambiguous only under a 2xx; a 4xx whose body was cut is still that 4xx (the status line
#: is the server's answer; tests/test_attack_decode.py), so it must not hit a 4xx here.
ACCEPTED: dict[str, bytes | None] = {
    "POST": b'{"session_id": "s-cut"}',
    "PATCH": b"{}",  # on the session "s", made first
    "DELETE": None,  # the memory of the session "s"
}


def _aimed(local_zep: LocalZep, method: str, fault: str) -> bytes | None:
    """The body to send ``method`` with under ``fault``: one its route answers 2xx if cut."""
    if fault != "cut-body":
        return None if method == "DELETE" else b"{}"
    local_zep.add_session("s")
    return ACCEPTED[method]


@pytest_asyncio.fixture
async def zep(local_zep: LocalZep) -> AsyncIterator[AsyncZep]:
    async with local_client(local_zep, max_retries=3) as client:
        yield client


def _expected_class(fault: str) -> type[ZepError]:
    if fault in ("500", "503"):
        return InternalServerError
    return APITimeoutError if fault == "timeout" else APIConnectionError


@pytest.mark.parametrize("fault", sorted(AMBIGUOUS))
@pytest.mark.parametrize("method", WRITE_METHODS)
async def test_an_ambiguous_failure_of_a_write_is_not_resent(
    local_zep: LocalZep, zep: AsyncZep, method: str, fault: str
) -> None:
    """A 5xx, a timeout, a drop after sending or a cut body: one request, 'may have applied'."""
    route, path = WRITES[method]
    body = _aimed(local_zep, method, fault)
    AMBIGUOUS[fault](local_zep, route)
    with pytest.raises(_expected_class(fault)) as info:
        await send(zep, method, path, body=body, request_options=options_for(fault))
    assert local_zep.count(route) == 1
    assert info.value.attempts == 1
    assert info.value.may_have_been_applied is True
    assert f"this {method} may have been applied" in str(info.value)


@pytest.mark.parametrize("method", WRITE_METHODS)
async def test_a_refused_connection_is_retried_for_a_write(method: str) -> None:
    """Nothing listening: the server never saw the write, so it is retried, not 'applied'."""
    async with AsyncZep(
        api_key="k", base_url=f"http://127.0.0.1:{closed_port()}/api/v2", retry_policy=NO_WAIT
    ) as zep:
        with pytest.raises(APIConnectionError) as info:
            await send(zep, method, WRITES[method][1])
    assert info.value.attempts == 3  # the default max_retries=2
    assert info.value.may_have_been_applied is False
    assert "may have been applied" not in str(info.value)


@pytest.mark.parametrize("method", WRITE_METHODS)
async def test_a_429_is_retried_for_a_write(
    local_zep: LocalZep, zep: AsyncZep, method: str
) -> None:
    """A 429 refuses the request, so the write is sent again (here to the route's own 4xx)."""
    route, path = WRITES[method]
    local_zep.fail(route, 429, headers={"Retry-After": "0"}, times=2)
    with pytest.raises(APIStatusError) as info:
        await send(zep, method, path)
    assert local_zep.count(route) == 3
    assert info.value.status_code == NORMAL[method]
    assert info.value.may_have_been_applied is False


async def test_429s_until_retries_run_out_are_not_applied(
    local_zep: LocalZep, zep: AsyncZep
) -> None:
    """Every attempt refused: RateLimitError after max_retries, nothing applied."""
    local_zep.fail(ROUTE, 429, headers={"Retry-After": "0"}, times=10)
    with pytest.raises(RateLimitError) as info:
        await send(zep, "POST", PATH)
    assert info.value.attempts == 4
    assert info.value.may_have_been_applied is False


@pytest.mark.parametrize("fault", sorted(AMBIGUOUS))
async def test_retry_writes_on_the_client_resends(local_zep: LocalZep, fault: str) -> None:
    """AsyncZep(retry_writes=True) accepts duplicates: the write is resent after any failure."""
    async with local_client(local_zep, retry_writes=True) as zep:
        body = _aimed(local_zep, "POST", fault)
        AMBIGUOUS[fault](local_zep, ROUTE)
        with pytest.raises(APIStatusError) as info:
            await send(zep, "POST", PATH, body=body, request_options=options_for(fault))
    assert local_zep.count(ROUTE) == 2
    # The resend reached the route (after a cut body: "already exists", as it was applied).
    assert info.value.status_code == NORMAL["POST"]
    # The first attempt may have applied it, whatever the second one got.
    assert info.value.may_have_been_applied is True


@pytest.mark.parametrize("method", WRITE_METHODS)
async def test_retry_writes_per_call_resends_and_can_forbid(
    local_zep: LocalZep, method: str
) -> None:
    """request_options['retry_writes'] wins over the client, both ways."""
    route, path = WRITES[method]
    async with local_client(local_zep) as zep:
        local_zep.fail(route, 500)
        with pytest.raises(APIStatusError) as info:
            await send(zep, method, path, request_options={"retry_writes": True})
        assert local_zep.count(route) == 2
        assert info.value.status_code == NORMAL[method]
    local_zep.clear()
    async with local_client(local_zep, retry_writes=True) as zep:
        local_zep.fail(route, 500)
        with pytest.raises(InternalServerError):
            await send(zep, method, path, request_options={"retry_writes": False})
        assert local_zep.count(route) == 1


async def test_a_write_refused_by_a_4xx_is_not_applied(local_zep: LocalZep, zep: AsyncZep) -> None:
    """The server answered 400: it did not act, so may_have_been_applied stays False."""
    local_zep.fail(ROUTE, 400, json={"message": "bad request: sessionID cannot be empty"})
    with pytest.raises(APIStatusError) as info:
        await send(zep, "POST", PATH)
    assert info.value.may_have_been_applied is False
    assert (
        str(info.value)
        == "400 Bad Request: bad request: sessionID cannot be empty (request id req-1)"
    )


async def test_a_2xx_write_with_a_bad_body_was_applied(local_zep: LocalZep, zep: AsyncZep) -> None:
    """A 2xx means the write happened: a body that cannot be decoded says so."""
    local_zep.fail(ROUTE, 201, body=b"not json", content_type="application/json")
    with pytest.raises(APIResponseValidationError) as info:
        await zep.memory._call("POST", PATH, Session, body=b"{}")
    assert info.value.may_have_been_applied is True
    assert local_zep.count(ROUTE) == 1


@pytest.mark.parametrize("fault", sorted(AMBIGUOUS))
async def test_a_delete_retried_into_a_404_says_it_may_have_deleted(
    local_zep: LocalZep, zep: AsyncZep, fault: str
) -> None:
    """DELETE is retried; a 404 after an ambiguous attempt is NotFoundError 'may have deleted'."""
    body = _aimed(local_zep, "DELETE", fault)
    AMBIGUOUS[fault](local_zep, DELETE_ROUTE)
    with pytest.raises(NotFoundError) as info:
        await send(zep, "DELETE", DELETE_PATH, body=body, request_options=options_for(fault))
    assert local_zep.count(DELETE_ROUTE) == 2
    assert info.value.may_have_been_applied is True
    assert "may already have deleted it" in str(info.value)
    assert info.value.message == "not found"  # the server's text is kept apart


async def test_a_first_delete_404_means_it_never_existed(
    local_zep: LocalZep, zep: AsyncZep
) -> None:
    """A 404 on the only attempt is a plain NotFoundError."""
    with pytest.raises(NotFoundError) as info:
        await send(zep, "DELETE", DELETE_PATH, body=None)
    assert info.value.may_have_been_applied is False
    assert str(info.value) == "404 Not Found: not found (request id req-1)"


@pytest.mark.parametrize("fault", sorted(AMBIGUOUS))
async def test_get_keeps_retrying_and_never_claims_anything_applied(
    local_zep: LocalZep, zep: AsyncZep, fault: str
) -> None:
    """GET is retried after every retryable failure, as before; a read applies nothing."""
    AMBIGUOUS[fault](local_zep, READ_ROUTE)
    page = await zep.memory.list_sessions(request_options=options_for(fault))
    assert page.sessions == []
    assert local_zep.count(READ_ROUTE) == 2
    for _ in range(4):
        AMBIGUOUS[fault](local_zep, READ_ROUTE)
    with pytest.raises(_expected_class(fault)) as info:
        await zep.memory.list_sessions(request_options=options_for(fault, max_retries=1))
    assert info.value.attempts == 2
    assert info.value.may_have_been_applied is False


async def test_the_body_goes_out_as_json_and_the_answer_is_decoded() -> None:
    """A call sends the encoded bytes with one Content-Type and decodes the 2xx body."""
    async with (
        CaptureServer(b'{"session_id": "chat-42"}', status=201) as server,
        AsyncZep(api_key="k-1", base_url=server.base_url) as zep,
    ):
        body = '{"session_id":"chat-42","metadata":{"é":1}}'.encode()
        session = await zep.memory._call("POST", "/sessions", Session, body=body)
        await zep.memory._call("GET", "/sessions/chat-42", Session)
    assert session.session_id == "chat-42"
    post, get = server.requests
    assert (post.method, post.path, post.body) == ("POST", "/api/v2/sessions", body)
    assert post.headers.getall("Content-Type") == ["application/json"]
    assert post.headers.getall("Authorization") == ["Api-Key k-1"]
    assert "Content-Type" not in get.headers
    assert get.body == b""


@pytest.mark.parametrize("where", ["client", "call"])
async def test_a_content_type_of_the_callers_wins(where: str) -> None:
    """The body's Content-Type is a default: a header given by the caller replaces it."""
    mine = {"content-type": "application/json; charset=utf-8"}
    async with (
        CaptureServer() as server,
        AsyncZep(
            api_key="k", base_url=server.base_url, headers=mine if where == "client" else None
        ) as zep,
    ):
        options = {"additional_headers": mine} if where == "call" else None
        await send(zep, "POST", "/sessions", request_options=options)  # type: ignore[arg-type]
    assert server.requests[0].headers.getall("Content-Type") == [mine["content-type"]]


@pytest.mark.parametrize(
    ("status", "message", "outcome"),
    [
        (400, "bad request: session already exists with session_id: s", AlreadyExistsError),
        (409, "session already exists", AlreadyExistsError),
        (400, "user not found", UserNotFoundError),
        (409, "session ended: session has ended", SessionEndedError),
    ],
)
async def test_outcomes_arrive_as_their_classes(
    local_zep: LocalZep, zep: AsyncZep, status: int, message: str, outcome: type[ZepError]
) -> None:
    """Over the wire, the outcome class is chosen when the error is built; status kept."""
    local_zep.fail(ROUTE, status, json={"message": message})
    with pytest.raises(outcome) as info:
        await send(zep, "POST", PATH)
    assert isinstance(info.value, APIStatusError)
    assert info.value.status_code == status
    assert isinstance(info.value, BadRequestError) == (status == 400)
    assert info.value.message == message
    assert local_zep.count(ROUTE) == 1


def test_the_sync_client_takes_retry_writes(local_zep: LocalZep) -> None:
    """Zep(retry_writes=...) reaches the transport it drives, checked like AsyncZep's."""
    from zep_async import Zep

    with Zep(api_key="k", base_url=local_zep.base_url, retry_writes=True) as zep:
        assert zep._async._transport._config.retry_writes is True
    with pytest.raises(TypeError, match="retry_writes"):
        Zep(api_key="k", base_url=local_zep.base_url, retry_writes="yes")  # type: ignore[arg-type]
