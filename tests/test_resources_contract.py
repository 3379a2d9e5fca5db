"""What every call of the resources does, written once and driven by a table of the calls.

Each call goes through ``Resource._call``: hostile ids reach the server as one
percent-encoded segment, a 2xx body that does not decode names the request's URL
and id (and says whether a write was applied), and a cancelled call leaves
nothing in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any, NamedTuple
from urllib.parse import quote

import pytest

from tests.conftest import local_client
from zep_async import APIResponseValidationError, AsyncZep, ZepError
from zep_async.testing import LocalZep

MESSAGE = {"role_type": "user", "content": "hi"}
UUID = "3f1e0c2a-8a4b-4f3e-9d2c-1b2a3c4d5e6f"


class Call(NamedTuple):
    """One call of the table: its route, whether it may change data, and how to make it."""

    route: str
    write: bool
    make: Callable[[AsyncZep, str], Coroutine[Any, Any, object]]


#: Every call that sends one request, keyed by how users write it. ``make(zep, id)``
#: passes ``id`` wherever the call takes one.
CALLS: dict[str, Call] = {
    "memory.get_session": Call("get_session", False, lambda z, i: z.memory.get_session(i)),
    "memory.list_sessions": Call("list_sessions", False, lambda z, i: z.memory.list_sessions()),
    "memory.add_session": Call(
        "add_session", True, lambda z, i: z.memory.add_session(session_id=i)
    ),
    "memory.update_session": Call(
        "update_session", True, lambda z, i: z.memory.update_session(i, metadata={"a": 1})
    ),
    "memory.delete": Call("delete_session", True, lambda z, i: z.memory.delete(i)),
    "memory.end_session": Call("end_session", True, lambda z, i: z.memory.end_session(i)),
    "memory.end_sessions": Call(
        "end_sessions", True, lambda z, i: z.memory.end_sessions(session_ids=[i])
    ),
    "memory.add": Call("add_memory", True, lambda z, i: z.memory.add(i, messages=[MESSAGE])),
    "memory.get": Call("get_memory", False, lambda z, i: z.memory.get(i)),
    "memory.get_session_messages": Call(
        "get_session_messages", False, lambda z, i: z.memory.get_session_messages(i)
    ),
    "memory.get_session_message": Call(
        "get_session_message", False, lambda z, i: z.memory.get_session_message(i, i)
    ),
    "memory.update_message_metadata": Call(
        "update_message_metadata",
        True,
        lambda z, i: z.memory.update_message_metadata(i, i, metadata={"a": 1}),
    ),
    "memory.search": Call("search_memory", False, lambda z, i: z.memory.search(i, text="x")),
    "memory.search_sessions": Call(
        "search_sessions", False, lambda z, i: z.memory.search_sessions(text="x", user_id=i)
    ),
    "user.add": Call("add_user", True, lambda z, i: z.user.add(user_id=i)),
    "user.get": Call("get_user", False, lambda z, i: z.user.get(i)),
    "user.update": Call("update_user", True, lambda z, i: z.user.update(i, email="a@b.c")),
    "user.delete": Call("delete_user", True, lambda z, i: z.user.delete(i)),
    "user.list_ordered": Call("list_users", False, lambda z, i: z.user.list_ordered()),
    "user.get_sessions": Call("get_user_sessions", False, lambda z, i: z.user.get_sessions(i)),
    # Issue 26: facts, summaries, classify, extract, question, a user's facts and node.
    "memory.get_fact": Call("get_fact", False, lambda z, i: z.memory.get_fact(i)),
    "memory.delete_fact": Call("delete_fact", True, lambda z, i: z.memory.delete_fact(i)),
    "memory.get_session_facts": Call(
        "get_session_facts", False, lambda z, i: z.memory.get_session_facts(i, min_rating=0.5)
    ),
    "memory.add_session_facts": Call(
        "add_session_facts",
        True,
        lambda z, i: z.memory.add_session_facts(i, facts=[{"fact": "f"}]),
    ),
    "memory.classify_session": Call(
        "classify_session",
        True,
        lambda z, i: z.memory.classify_session(i, classes=["a"], name="n"),
    ),
    "memory.extract_data": Call(
        "extract_data", False, lambda z, i: z.memory.extract_data(i, last_n=1, model_schema="{}")
    ),
    "memory.get_summaries": Call("get_summaries", False, lambda z, i: z.memory.get_summaries(i)),
    "memory.synthesize_question": Call(
        "synthesize_question", False, lambda z, i: z.memory.synthesize_question(i)
    ),
    "user.get_facts": Call("get_user_facts", False, lambda z, i: z.user.get_facts(i)),
    "user.get_node": Call("get_user_node", False, lambda z, i: z.user.get_node(i)),
}

#: The calls whose id goes into the path (the others send it in the body, or take none).
PATH_CALLS = [
    name
    for name in CALLS
    if name
    not in {
        "memory.list_sessions",
        "memory.add_session",
        "memory.end_sessions",
        "memory.search_sessions",
        "user.add",
        "user.list_ordered",
    }
]

HOSTILE_IDS = ["..", ".", "a/b", "x?y=1#z", "%2F..%2F", "ü 名/?", "a;b=c", "@:+&$,!'()*"]


def test_the_table_holds_every_call() -> None:
    """Every public call of both resources that sends one request is in the table."""
    import inspect

    from zep_async import AsyncMemory, AsyncUsers

    expected = {
        f"{prefix}.{name}"
        for prefix, cls in (("memory", AsyncMemory), ("user", AsyncUsers))
        for name, value in inspect.getmembers(cls)
        if not name.startswith("_") and inspect.iscoroutinefunction(value)
    }
    assert set(CALLS) == expected


@pytest.mark.parametrize("name", PATH_CALLS)
@pytest.mark.parametrize("hostile", HOSTILE_IDS)
async def test_hostile_ids_travel_as_one_segment(
    local_zep: LocalZep, client: AsyncZep, name: str, hostile: str
) -> None:
    """Any id reaches the server percent-encoded as one path segment, and decodes back."""
    call = CALLS[name]
    with contextlib.suppress(ZepError):  # an unknown session or user: the request is the point
        await call.make(client, hostile)
    request = local_zep.requests[-1]
    encoded = quote(hostile, safe="")
    if encoded in (".", ".."):
        encoded = encoded.replace(".", "%2E")
    assert request.route == call.route
    assert f"/{encoded}" in request.raw_path
    assert f"/{hostile}" in request.path


@pytest.mark.parametrize("name", sorted(CALLS))
async def test_a_2xx_body_that_does_not_decode_names_the_request(
    local_zep: LocalZep, client: AsyncZep, name: str
) -> None:
    """A 2xx with a body that is not the model's: its URL, request id, and whether applied."""
    call = CALLS[name]
    local_zep.fail(call.route, 200, body="<html>oops</html>", times=3)
    with pytest.raises(APIResponseValidationError) as info:
        await call.make(client, "s-1")
    error = info.value
    assert error.url is not None
    assert "/api/v2/" in error.url
    assert error.request_id == local_zep.requests[-1].request_id
    assert error.may_have_been_applied is call.write
    assert local_zep.count(call.route) == 1  # decoding failures are never retried


@pytest.mark.parametrize("name", sorted(CALLS))
async def test_cancelling_a_call_leaves_nothing_in_flight(local_zep: LocalZep, name: str) -> None:
    """Cancelled while its request is in flight, a call raises CancelledError and hangs up."""
    call = CALLS[name]
    local_zep.stall(call.route)
    async with local_client(local_zep) as zep:
        task = asyncio.ensure_future(call.make(zep, "s-1"))
        async with asyncio.timeout(5):
            await local_zep.wait_for_requests_async(1, route=call.route)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        async with asyncio.timeout(5):
            await local_zep.wait_for_disconnects_async(1)
    assert local_zep.count(call.route) == 1


async def test_a_body_that_fails_decoding_after_a_retry_counts_both_attempts(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """A 503, then a 2xx that does not decode: the error says two attempts, nothing applied."""
    local_zep.fail("get_session", 503)
    local_zep.fail("get_session", 200, body="<html>oops</html>")
    with pytest.raises(APIResponseValidationError) as info:
        await client.memory.get_session("s-1")
    assert info.value.attempts == 2
    assert info.value.may_have_been_applied is False
    assert info.value.request_id == local_zep.requests[-1].request_id


@pytest.mark.parametrize("hostile", HOSTILE_IDS)
async def test_walks_send_hostile_ids_as_one_segment(
    local_zep: LocalZep, client: AsyncZep, hostile: str
) -> None:
    """The message walk and its raw form send any session id as one encoded segment."""
    local_zep.add_session(hostile)
    walks = [
        client.memory.iter_session_messages(hostile),
        client.memory.with_raw_response.iter_session_messages(hostile),
    ]
    for walk in walks:
        assert [m async for m in walk] == []
    encoded = quote(hostile, safe="")
    if encoded in (".", ".."):
        encoded = encoded.replace(".", "%2E")
    assert [r.raw_path.split("/")[4] for r in local_zep.requests] == [encoded, encoded]
