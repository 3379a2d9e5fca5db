"""The write rule for memory.add and update_message_metadata; searches retried as reads.

These tests pin the plain write rule, so their clients turn recovery off
(``recover_writes=False``); tests/test_recovery*.py cover the default.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from zep_async import (
    APIConnectionError,
    APITimeoutError,
    AsyncZep,
    BadRequestError,
    InternalServerError,
    Message,
    NotFoundError,
    RateLimitError,
    ZepError,
)
from zep_async.testing import LocalZep

from .conftest import NO_WAIT, local_client
from .write_support import AMBIGUOUS, closed_port, options_for

JANE = Message(role_type="user", role="Jane", content="My card was charged twice.")

#: Failures after which the write was stored, although the client saw none of the answer.
APPLIED = {
    "500-after-applying": lambda server, route: server.fail_after_applying(route, status=500),
    "dropped-after-applying": lambda server, route: server.drop_connection(
        route, after_applying=True
    ),
}


@pytest_asyncio.fixture
async def zep(local_zep: LocalZep) -> AsyncIterator[AsyncZep]:
    async with local_client(local_zep, max_retries=3, recover_writes=False) as client:
        yield client


def _expected(fault: str) -> type[ZepError]:
    if fault.startswith("5"):
        return InternalServerError
    return APITimeoutError if fault == "timeout" else APIConnectionError


@pytest.mark.parametrize("fault", sorted(AMBIGUOUS) + sorted(APPLIED))
async def test_add_is_sent_once_after_an_ambiguous_failure(
    local_zep: LocalZep, zep: AsyncZep, fault: str
) -> None:
    """A 5xx, a timeout, a drop, a cut body, applied-then-failed: one request, 'may have'."""
    local_zep.add_session("s")
    {**AMBIGUOUS, **APPLIED}[fault](local_zep, "add_memory")
    with pytest.raises(_expected(fault)) as info:
        await zep.memory.add("s", messages=[JANE], request_options=options_for(fault))
    assert local_zep.count("add_memory") == 1
    assert info.value.may_have_been_applied is True
    assert "this POST may have been applied" in str(info.value)
    stored = len(local_zep.messages("s"))
    assert stored == (1 if fault in APPLIED or fault == "cut-body" else 0)


async def test_add_after_a_refused_connection_is_retried() -> None:
    """Nothing listening: the server cannot have stored anything, so add is retried."""
    async with AsyncZep(
        api_key="k", base_url=f"http://127.0.0.1:{closed_port()}/api/v2", retry_policy=NO_WAIT
    ) as zep:
        with pytest.raises(APIConnectionError) as info:
            await zep.memory.add("s", messages=[JANE])
    assert info.value.attempts == 3
    assert info.value.may_have_been_applied is False


async def test_add_after_a_429_is_retried_and_stored_once(
    local_zep: LocalZep, zep: AsyncZep
) -> None:
    """A 429 refused the request: add is sent again and the messages are stored once."""
    local_zep.add_session("s")
    local_zep.fail("add_memory", 429, headers={"Retry-After": "0"}, times=2)
    await zep.memory.add("s", messages=[JANE])
    assert local_zep.count("add_memory") == 3
    assert len(local_zep.messages("s")) == 1


async def test_add_with_only_429s_is_not_applied(local_zep: LocalZep, zep: AsyncZep) -> None:
    """Every attempt refused: RateLimitError, may_have_been_applied False."""
    local_zep.add_session("s")
    local_zep.fail("add_memory", 429, headers={"Retry-After": "0"}, times=10)
    with pytest.raises(RateLimitError) as info:
        await zep.memory.add("s", messages=[JANE])
    assert info.value.may_have_been_applied is False
    assert local_zep.messages("s") == []


async def test_add_with_retry_writes_resends_and_duplicates(
    local_zep: LocalZep, zep: AsyncZep
) -> None:
    """The opt-in resends after a failure that had applied it: the message is stored twice."""
    local_zep.add_session("s")
    local_zep.fail_after_applying("add_memory", status=500)
    await zep.memory.add("s", messages=[JANE], request_options={"retry_writes": True})
    assert local_zep.count("add_memory") == 2
    assert len(local_zep.messages("s")) == 2


async def test_add_with_a_chosen_uuid_resent_gets_already_exists(
    local_zep: LocalZep, zep: AsyncZep
) -> None:
    """With a caller-chosen uuid, a resend is refused (400) rather than duplicated."""
    local_zep.add_session("s")
    local_zep.fail_after_applying("add_memory", status=500)
    message = {"uuid": "7c1b2a3d-0000-4000-8000-000000000001", **_wire(JANE)}
    with pytest.raises(BadRequestError) as info:
        await zep.memory.add("s", messages=[message], request_options={"retry_writes": True})
    assert "already exists" in info.value.message
    assert len(local_zep.messages("s")) == 1


@pytest.mark.parametrize("fault", sorted(AMBIGUOUS) + sorted(APPLIED))
async def test_update_message_metadata_is_a_patch_sent_once(
    local_zep: LocalZep, zep: AsyncZep, fault: str
) -> None:
    """update_message_metadata follows the write rule like every PATCH."""
    local_zep.add_session("s")
    (stored,) = local_zep.add_messages("s", [_wire(JANE)])
    {**AMBIGUOUS, **APPLIED}[fault](local_zep, "update_message_metadata")
    with pytest.raises(_expected(fault)) as info:
        await zep.memory.update_message_metadata(
            "s", stored["uuid"], metadata={"a": 1}, request_options=options_for(fault)
        )
    assert local_zep.count("update_message_metadata") == 1
    assert info.value.may_have_been_applied is True
    assert "this PATCH may have been applied" in str(info.value)


@pytest.mark.parametrize("fault", ["500", "503", "dropped"])
async def test_searches_are_retried_like_reads(
    local_zep: LocalZep, zep: AsyncZep, fault: str
) -> None:
    """A search changes nothing: retried after an ambiguous failure, never 'applied'."""
    local_zep.add_session("s")
    local_zep.add_messages("s", [_wire(JANE)])
    AMBIGUOUS[fault](local_zep, "search_memory")
    AMBIGUOUS[fault](local_zep, "search_sessions")
    hits = await zep.memory.search("s", text="charged")
    found = await zep.memory.search_sessions(text="charged")
    assert [h.message.content for h in hits if h.message] == [JANE.content]
    assert [r.session_id for r in found.results] == ["s"]
    assert local_zep.count("search_memory") == 2
    assert local_zep.count("search_sessions") == 2


async def test_a_search_that_fails_for_good_says_nothing_was_applied(
    local_zep: LocalZep, zep: AsyncZep
) -> None:
    """After the retries a search error is a plain read error."""
    local_zep.fail("search_sessions", 500, times=10)
    with pytest.raises(InternalServerError) as info:
        await zep.memory.search_sessions(text="x")
    assert info.value.attempts == 4
    assert info.value.may_have_been_applied is False
    assert "may have been applied" not in str(info.value)


async def test_search_wire_format(local_zep: LocalZep, zep: AsyncZep) -> None:
    """limit in the query string, every other argument in the body under its own name."""
    local_zep.add_session("s")
    await zep.memory.search(
        "s",
        text="refund",
        limit=3,
        metadata={"where": {"k": "v"}},
        min_fact_rating=0.25,
        min_score=0,
        mmr_lambda=1,
        search_scope="messages",
        search_type="mmr",
    )
    await zep.memory.search_sessions(
        text="refund",
        limit=5,
        user_id="jane",
        session_ids=("s",),
        record_filter={"a": 1},
        search_scope="facts",
        search_type="similarity",
        min_fact_rating=0.5,
        min_score=0.1,
        mmr_lambda=0.5,
    )
    first, second = local_zep.requests
    assert (first.method, first.path, first.query) == (
        "POST",
        "/api/v2/sessions/s/search",
        {"limit": "3"},
    )
    assert first.json == {
        "text": "refund",
        "metadata": {"where": {"k": "v"}},
        "min_fact_rating": 0.25,
        "min_score": 0.0,
        "mmr_lambda": 1.0,
        "search_scope": "messages",
        "search_type": "mmr",
    }
    assert (second.method, second.path, second.query) == (
        "POST",
        "/api/v2/sessions/search",
        {"limit": "5"},
    )
    assert second.json == {
        "text": "refund",
        "user_id": "jane",
        "session_ids": ["s"],
        "record_filter": {"a": 1},
        "min_fact_rating": 0.5,
        "min_score": 0.1,
        "mmr_lambda": 0.5,
        "search_scope": "facts",
        "search_type": "similarity",
    }


async def test_search_of_an_unknown_session_and_on_the_community_edition(
    local_zep: LocalZep, zep: AsyncZep
) -> None:
    """Cloud: 404 for an unknown session; CE: no such route (404); CE search_sessions: []."""
    with pytest.raises(NotFoundError):
        await zep.memory.search("nobody", text="x")
    async with (
        LocalZep(flavor="ce") as server,
        local_client(server) as ce,
    ):
        server.add_session("s")
        with pytest.raises(NotFoundError):
            await ce.memory.search("s", text="x")
        assert (await ce.memory.search_sessions(text="x", user_id="u")).results == []


async def test_the_community_editions_facts_decode_in_session_search(
    local_zep: LocalZep, zep: AsyncZep
) -> None:
    """CE's {"fact": {uuid, created_at, fact}} results, without content, decode."""
    fact = {"uuid": "f-1", "created_at": "2026-03-01T10:00:00Z", "fact": "Jane likes tea."}
    local_zep.fail("search_sessions", 200, json={"results": [{"fact": fact}]})
    (result,) = (await zep.memory.search_sessions(text="tea", user_id="jane")).results
    assert result.fact is not None
    assert (result.fact.fact, result.fact.content, result.message) == (
        "Jane likes tea.",
        None,
        None,
    )


@pytest.mark.parametrize(
    ("call", "error", "said"),
    [
        (lambda z: z.memory.search("s", limit=0), ValueError, "limit must be >= 1"),
        (lambda z: z.memory.search("s", text=5), TypeError, "text must be a str"),
        (lambda z: z.memory.search("s", min_score=-0.1), ValueError, "min_score"),
        (lambda z: z.memory.search("s", mmr_lambda=math.inf), ValueError, "mmr_lambda"),
        (lambda z: z.memory.search("s", min_fact_rating=2), ValueError, "min_fact_rating"),
        (lambda z: z.memory.search("s", search_scope="all"), ValueError, "search_scope"),
        (lambda z: z.memory.search("s", search_type="fuzzy"), ValueError, "search_type"),
        (lambda z: z.memory.search("s", metadata={1: 2}), TypeError, "metadata"),
        (lambda z: z.memory.search("", text="x"), ValueError, "session_id"),
        (lambda z: z.memory.search_sessions(text=""), ValueError, "text must not be empty"),
        (lambda z: z.memory.search_sessions(text=None), TypeError, "text must be a str"),
        (lambda z: z.memory.search_sessions(text="x", user_id=""), ValueError, "user_id"),
        (
            lambda z: z.memory.search_sessions(text="x", session_ids="s1"),
            TypeError,
            "session_ids must be a list",
        ),
        (
            lambda z: z.memory.search_sessions(text="x", session_ids=["ok", ""]),
            ValueError,
            "session_ids[1]",
        ),
        (
            lambda z: z.memory.search_sessions(text="x", record_filter={"a": {1, 2}}),
            TypeError,
            "record_filter['a']",
        ),
        (lambda z: z.memory.search_sessions(text="x", limit=-1), ValueError, "limit"),
    ],
)
async def test_bad_search_arguments_are_refused_before_sending(
    local_zep: LocalZep, zep: AsyncZep, call: Any, error: type[Exception], said: str
) -> None:
    """A TypeError or ValueError naming the parameter, and no request at all."""
    with pytest.raises(error) as info:
        await call(zep)
    assert said in str(info.value)
    assert local_zep.requests == []


def _wire(message: Message) -> dict[str, Any]:
    return {"role_type": message.role_type, "role": message.role, "content": message.content}


async def test_cancelling_an_add_in_flight_leaves_the_client_usable(
    local_zep: LocalZep, zep: AsyncZep
) -> None:
    """A cancelled add raises CancelledError, is not resent, and the client works on."""
    local_zep.add_session("s")
    local_zep.stall("add_memory")
    task = asyncio.create_task(zep.memory.add("s", messages=[JANE]))
    await local_zep.wait_for_requests_async(1, route="add_memory")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await zep.memory.add("s", messages=[JANE])
    assert local_zep.count("add_memory") == 2
    assert len(local_zep.messages("s")) == 1  # the stalled one was never applied
