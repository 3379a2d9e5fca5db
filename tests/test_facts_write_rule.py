"""Faults on the ten calls of issue 26: the write rule, retries, bad bodies, cancellation, CE.

``add_session_facts`` appends and ``classify_session`` may store its answer, so
both are sent once after a failure that may have been applied; ``extract_data``
changes nothing and is resent like a read; ``delete_fact`` is a DELETE: retried,
and a 404 after an ambiguous attempt says it may have deleted the fact.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio

from zep_async import (
    APIResponseValidationError,
    AsyncZep,
    InternalServerError,
    NotFoundError,
    RequestOptions,
    SuccessResponse,
)
from zep_async.testing import LocalZep

from .conftest import local_client, no_client_tasks_left
from .test_sessions_write_rule import AMBIGUOUS
from .write_support import options_for

Call = Callable[[AsyncZep, RequestOptions | None], Awaitable[Any]]

#: The two POSTs under the write rule, by route.
WRITES: dict[str, Call] = {
    "add_session_facts": lambda zep, options: zep.memory.add_session_facts(
        "s-1", facts=[{"fact": "f"}], request_options=options
    ),
    "classify_session": lambda zep, options: zep.memory.classify_session(
        "s-1", classes=["a"], name="n", request_options=options
    ),
}
#: The GETs, and extract_data (a POST that reads), by route: each is resent after a 503.
READS: dict[str, Call] = {
    "get_session_facts": lambda zep, o: zep.memory.get_session_facts("s-1", request_options=o),
    "get_summaries": lambda zep, o: zep.memory.get_summaries("s-1", request_options=o),
    "synthesize_question": lambda zep, o: zep.memory.synthesize_question("s-1", request_options=o),
    "get_user_facts": lambda zep, o: zep.user.get_facts("u-1", request_options=o),
    "get_user_node": lambda zep, o: zep.user.get_node("u-1", request_options=o),
    "get_fact": lambda zep, o: zep.memory.get_fact(FACT_UUID, request_options=o),
    "extract_data": lambda zep, o: zep.memory.extract_data(
        "s-1", last_n=1, model_schema="{}", request_options=o
    ),
}
FACT_UUID = "5b9e3c1d-2f4a-4b6c-8d7e-9f0a1b2c3d4e"


@pytest_asyncio.fixture
async def zep(local_zep: LocalZep) -> AsyncIterator[AsyncZep]:
    """A client with 3 retries that never waits; user u-1, its session s-1, one fact."""
    local_zep.add_user("u-1")
    local_zep.add_session("s-1", user_id="u-1")
    local_zep.add_fact("s-1", "known", uuid=FACT_UUID)
    async with local_client(local_zep, max_retries=3) as client:
        yield client


@pytest.mark.parametrize("fault", sorted(AMBIGUOUS))
@pytest.mark.parametrize("route", sorted(WRITES))
async def test_an_ambiguous_failure_is_sent_once(
    local_zep: LocalZep, zep: AsyncZep, route: str, fault: str
) -> None:
    """The write reaches the server once and its error says it may have been applied."""
    script, error = AMBIGUOUS[fault]
    script(local_zep, route)
    with pytest.raises(error) as info:
        await WRITES[route](zep, options_for(fault))
    assert local_zep.count(route) == 1
    assert info.value.may_have_been_applied is True


async def test_facts_applied_then_failed_are_stored(local_zep: LocalZep, zep: AsyncZep) -> None:
    """After 'applied, then 500' the fact is stored: why a resend would store it twice."""
    local_zep.fail_after_applying("add_session_facts")
    with pytest.raises(InternalServerError):
        await WRITES["add_session_facts"](zep, None)
    assert [f["fact"] for f in local_zep.facts("s-1")] == ["known", "f"]


@pytest.mark.parametrize("route", sorted(WRITES))
async def test_a_429_is_retried(local_zep: LocalZep, zep: AsyncZep, route: str) -> None:
    """A 429 refused the request, so the write is sent again and goes through."""
    local_zep.fail(route, 429, headers={"Retry-After": "0"})
    await WRITES[route](zep, None)
    assert local_zep.count(route) == 2


async def test_retry_writes_opts_in_to_a_resend(local_zep: LocalZep, zep: AsyncZep) -> None:
    """With retry_writes the caller accepts a resend: the facts are then stored twice."""
    local_zep.fail_after_applying("add_session_facts")
    await WRITES["add_session_facts"](zep, {"retry_writes": True})
    assert [f["fact"] for f in local_zep.facts("s-1")] == ["known", "f", "f"]


@pytest.mark.parametrize("route", sorted(READS))
async def test_a_read_is_resent_after_a_503(local_zep: LocalZep, zep: AsyncZep, route: str) -> None:
    """Reads, and extract_data, are retried after a 503 and succeed."""
    local_zep.fail(route, 503)
    await READS[route](zep, None)
    assert local_zep.count(route) == 2


async def test_extract_errors_never_say_applied(local_zep: LocalZep, zep: AsyncZep) -> None:
    """An extraction that fails for good changes nothing: may_have_been_applied is False."""
    local_zep.fail("extract_data", 500, times=4)
    with pytest.raises(InternalServerError) as info:
        await READS["extract_data"](zep, None)
    assert local_zep.count("extract_data") == 4
    assert info.value.may_have_been_applied is False


async def test_delete_fact_is_retried_after_a_failure(local_zep: LocalZep, zep: AsyncZep) -> None:
    """A 503 deleted nothing: the DELETE is sent again and deletes the fact."""
    local_zep.fail("delete_fact", 503)
    assert (await zep.memory.delete_fact(FACT_UUID)).message == "OK"
    assert local_zep.count("delete_fact") == 2
    assert local_zep.facts("s-1") == []


@pytest.mark.parametrize("fault", ["dropped after applying", "500 after applying"])
async def test_delete_fact_retried_into_a_404_may_have_deleted(
    local_zep: LocalZep, zep: AsyncZep, fault: str
) -> None:
    """The first attempt deleted it and the retry got 404: NotFoundError, may_have_been_applied."""
    AMBIGUOUS[fault][0](local_zep, "delete_fact")
    with pytest.raises(NotFoundError) as info:
        await zep.memory.delete_fact(FACT_UUID)
    assert local_zep.count("delete_fact") == 2
    assert info.value.may_have_been_applied is True


@pytest.mark.parametrize(
    ("route", "applied"),
    [("get_fact", False), ("add_session_facts", True), ("extract_data", False)],
)
async def test_a_bad_2xx_body_names_the_request(
    local_zep: LocalZep, zep: AsyncZep, route: str, applied: bool
) -> None:
    """A 200 whose body is not the promised JSON raises with its request id and URL."""
    local_zep.fail(route, 200, body=b"{not json", content_type="application/json")
    call = WRITES.get(route) or READS[route]
    with pytest.raises(APIResponseValidationError) as info:
        await call(zep, None)
    assert info.value.request_id is not None
    assert info.value.url is not None
    assert info.value.may_have_been_applied is applied


async def test_a_wrong_shape_is_refused(local_zep: LocalZep, zep: AsyncZep) -> None:
    """extract_data promises text values: a number in the answer is a validation error."""
    local_zep.fail("extract_data", 200, json={"age": 42})
    with pytest.raises(APIResponseValidationError, match="age"):
        await READS["extract_data"](zep, None)


async def test_not_found_carries_status_message_and_request_id(zep: AsyncZep) -> None:
    """The server's 404 is NotFoundError with its message and the request id."""
    with pytest.raises(NotFoundError) as info:
        await zep.memory.get_session_facts("nope")
    assert (info.value.status_code, info.value.message) == (404, "not found")
    assert info.value.request_id is not None


async def test_cancelled_write_leaves_nothing_behind(local_zep: LocalZep, zep: AsyncZep) -> None:
    """Cancelling add_session_facts while the server stalls ends the call and its tasks."""
    local_zep.stall("add_session_facts")
    task = asyncio.ensure_future(WRITES["add_session_facts"](zep, None))
    await local_zep.wait_for_requests_async(1, route="add_session_facts")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await no_client_tasks_left()


@pytest_asyncio.fixture
async def ce() -> AsyncIterator[tuple[LocalZep, AsyncZep]]:
    """A Community Edition LocalZep with session s-1 and one fact, and a client."""
    async with LocalZep(flavor="ce") as server:
        server.add_user("u-1")
        server.add_session("s-1", user_id="u-1")
        server.add_fact("s-1", "ce fact", uuid=FACT_UUID, rating=0.5)
        async with local_client(server) as client:
            yield server, client


async def test_ce_serves_a_fact_in_its_own_shape(ce: tuple[LocalZep, AsyncZep]) -> None:
    """CE's fact has uuid, created_at, fact and rating only: content is None."""
    _, zep = ce
    fact = (await zep.memory.get_fact(FACT_UUID)).fact
    assert fact is not None
    assert (fact.uuid, fact.fact, fact.rating, fact.content) == (FACT_UUID, "ce fact", 0.5, None)


async def test_ce_delete_fact_answers_an_empty_body(ce: tuple[LocalZep, AsyncZep]) -> None:
    """CE answers the DELETE with an empty 200: SuccessResponse(), not a decoding error."""
    server, zep = ce
    assert await zep.memory.delete_fact(FACT_UUID) == SuccessResponse()
    assert server.facts("s-1") == []


CLOUD_ONLY: dict[str, Call] = {
    **{route: WRITES[route] for route in WRITES},
    **{route: READS[route] for route in READS if route != "get_fact"},
}
_CALL_NAMES = {"get_user_facts": "user.get_facts", "get_user_node": "user.get_node"}


@pytest.mark.parametrize("route", sorted(CLOUD_ONLY))
async def test_ce_says_it_lacks_a_cloud_route(ce: tuple[LocalZep, AsyncZep], route: str) -> None:
    """On CE each Cloud-only call fails with a 404 or 405 whose message says CE lacks it."""
    _, zep = ce
    with pytest.raises(NotFoundError) as info:
        await CLOUD_ONLY[route](zep, None)
    assert f"Community Edition lacks {_CALL_NAMES.get(route, route)}" in str(info.value)
