"""The ten calls of issue 26 against LocalZep (Cloud): facts, summaries, classify, extract, node."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings

from zep_async import (
    AsyncZep,
    BadRequestError,
    EntityNode,
    FactsResponse,
    NewFact,
    NotFoundError,
    SessionClassification,
)
from zep_async.testing import LocalZep

from .conftest import local_client, local_sync_client
from .test_memory import session_ids


@pytest_asyncio.fixture
async def zep(local_zep: LocalZep) -> AsyncIterator[AsyncZep]:
    """A client on a server with user ``u-1``, its session ``s-1`` and two messages."""
    local_zep.add_user("u-1", first_name="Jane", last_name="Doe")
    local_zep.add_session("s-1", user_id="u-1")
    local_zep.add_messages(
        "s-1",
        [
            {"role_type": "user", "content": "My name is Jane. Order id: A-42; zip is 94107"},
            {"role_type": "assistant", "content": "How can I help with the refund."},
        ],
    )
    async with local_client(local_zep) as client:
        yield client


async def test_added_facts_are_listed_in_order(zep: AsyncZep) -> None:
    """add_session_facts appends; get_session_facts lists them oldest first, content as fact."""
    answer = await zep.memory.add_session_facts("s-1", facts=[NewFact(fact="a"), {"fact": "b"}])
    facts = (await zep.memory.get_session_facts("s-1")).facts
    assert answer.message == "OK"
    assert [(f.fact, f.content) for f in facts] == [("a", "a"), ("b", "b")]
    assert all(f.uuid and f.created_at is not None for f in facts)


async def test_min_rating_keeps_facts_rated_at_least_it(local_zep: LocalZep, zep: AsyncZep) -> None:
    """minRating filters on the rating; an unrated fact counts as 0."""
    local_zep.add_fact("s-1", "low", rating=0.2)
    local_zep.add_fact("s-1", "high", rating=0.9)
    local_zep.add_fact("s-1", "unrated")
    facts = (await zep.memory.get_session_facts("s-1", min_rating=0.5)).facts
    assert [f.fact for f in facts] == ["high"]
    assert local_zep.requests[-1].query == {"minRating": "0.5"}


async def test_get_fact_then_delete_fact(local_zep: LocalZep, zep: AsyncZep) -> None:
    """get_fact returns the fact by uuid; delete_fact removes it, and it is then 404."""
    stored = local_zep.add_fact("s-1", "Jane prefers e-mail", rating=0.5, name="PREFERS")
    found = (await zep.memory.get_fact(stored["uuid"])).fact
    assert found is not None
    assert (found.uuid, found.fact, found.rating, found.name) == (
        stored["uuid"],
        "Jane prefers e-mail",
        0.5,
        "PREFERS",
    )
    assert (await zep.memory.delete_fact(stored["uuid"])).message == "OK"
    assert local_zep.facts("s-1") == []
    with pytest.raises(NotFoundError):
        await zep.memory.get_fact(stored["uuid"])


@pytest.mark.parametrize("fact_uuid", ["6f1c0c0e-8a1e-4f7e-9c55-1f0d2a3b4c5d", "not-a-uuid"])
async def test_unknown_fact_is_not_found(zep: AsyncZep, fact_uuid: str) -> None:
    """A uuid no fact has, or no uuid at all, is NotFoundError for get and delete."""
    with pytest.raises(NotFoundError):
        await zep.memory.get_fact(fact_uuid)
    with pytest.raises(NotFoundError):
        await zep.memory.delete_fact(fact_uuid)


async def test_deleting_the_session_deletes_its_facts(local_zep: LocalZep, zep: AsyncZep) -> None:
    """A session's facts go with it."""
    stored = local_zep.add_fact("s-1", "x")
    await zep.memory.delete("s-1")
    with pytest.raises(NotFoundError):
        await zep.memory.get_fact(stored["uuid"])


async def test_user_facts_are_those_of_the_users_sessions(
    local_zep: LocalZep, zep: AsyncZep
) -> None:
    """user.get_facts gathers the facts of every session of the user, and no other."""
    local_zep.add_session("s-2", user_id="u-1")
    local_zep.add_session("other")
    local_zep.add_fact("s-1", "one")
    local_zep.add_fact("s-2", "two")
    local_zep.add_fact("other", "not hers")
    answer = await zep.user.get_facts("u-1")
    assert isinstance(answer, FactsResponse)
    assert [f.fact for f in answer.facts] == ["one", "two"]


async def test_user_node_stands_for_the_user(zep: AsyncZep) -> None:
    """user.get_node returns an EntityNode named after the user, the same one each time."""
    first = (await zep.user.get_node("u-1")).node
    second = (await zep.user.get_node("u-1")).node
    assert isinstance(first, EntityNode)
    assert first == second
    assert (first.name, first.labels) == ("Jane Doe", ["Entity", "User"])
    assert first.created_at is not None


async def test_classify_picks_a_named_class_and_stores_it(
    local_zep: LocalZep, zep: AsyncZep
) -> None:
    """classify_session answers class_ and label, and keeps it in the session's classifications."""
    answer = await zep.memory.classify_session(
        "s-1", classes=["sales", "refund"], name="intent", last_n=2
    )
    assert answer == SessionClassification(class_="refund", label="intent")
    assert (await zep.memory.get_session("s-1")).classifications == {"intent": "refund"}
    assert json.loads(local_zep.requests[-2].body) == {
        "classes": ["sales", "refund"],
        "last_n": 2,
        "name": "intent",
    }


async def test_classify_with_persist_false_stores_nothing(zep: AsyncZep) -> None:
    """persist=False is sent, and the stand-in then leaves the session alone."""
    await zep.memory.classify_session("s-1", classes=["x"], name="n", persist=False)
    assert (await zep.memory.get_session("s-1")).classifications is None


async def test_extract_fills_the_fields_it_finds(zep: AsyncZep) -> None:
    """extract_data returns each schema field found in the messages, as text; others left out."""
    schema = {"type": "object", "properties": {"name": {}, "order_id": {}, "zip": {}, "age": {}}}
    data = await zep.memory.extract_data("s-1", last_n=4, model_schema=json.dumps(schema))
    assert data == {"name": "Jane", "order_id": "A-42", "zip": "94107"}


async def test_extract_with_a_schema_that_is_not_json_is_refused(zep: AsyncZep) -> None:
    """The server's 400 for a schema it cannot read is BadRequestError."""
    with pytest.raises(BadRequestError, match="model_schema"):
        await zep.memory.extract_data("s-1", last_n=1, model_schema="{not json")


async def test_summaries_summarise_the_latest_messages(zep: AsyncZep) -> None:
    """get_summaries: one summary naming the latest messages, with the counts."""
    answer = await zep.memory.get_summaries("s-1")
    (summary,) = answer.summaries
    assert (answer.row_count, answer.total_count) == (1, 1)
    assert summary.content is not None
    assert summary.content.startswith("user: My name is Jane")
    assert summary.related_message_uuids is not None
    assert len(summary.related_message_uuids) == 2


async def test_session_without_messages_has_no_summary(local_zep: LocalZep, zep: AsyncZep) -> None:
    """No messages, no summaries: an empty list and zero counts."""
    local_zep.add_session("empty")
    answer = await zep.memory.get_summaries("empty")
    assert (answer.summaries, answer.row_count, answer.total_count) == ([], 0, 0)


async def test_question_comes_from_the_last_message(local_zep: LocalZep, zep: AsyncZep) -> None:
    """synthesize_question sends lastNMessages and asks about the last message."""
    question = await zep.memory.synthesize_question("s-1", last_n_messages=3)
    assert question.question == "What about How can I help with the refund?"
    assert local_zep.requests[-1].query == {"lastNMessages": "3"}


SESSION_CALLS: dict[str, Callable[[AsyncZep, str], Awaitable[Any]]] = {
    "get_session_facts": lambda zep, sid: zep.memory.get_session_facts(sid),
    "add_session_facts": lambda zep, sid: zep.memory.add_session_facts(sid, facts=[{"fact": "f"}]),
    "classify_session": lambda zep, sid: zep.memory.classify_session(sid, classes=["a"], name="n"),
    "extract_data": lambda zep, sid: zep.memory.extract_data(sid, last_n=1, model_schema="{}"),
    "get_summaries": lambda zep, sid: zep.memory.get_summaries(sid),
    "synthesize_question": lambda zep, sid: zep.memory.synthesize_question(sid),
}


@pytest.mark.parametrize("call", sorted(SESSION_CALLS))
async def test_unknown_session_is_not_found(zep: AsyncZep, call: str) -> None:
    """Each session call on a session that does not exist raises NotFoundError."""
    with pytest.raises(NotFoundError):
        await SESSION_CALLS[call](zep, "no-such-session")


@pytest.mark.parametrize("call", ["get_facts", "get_node"])
async def test_unknown_user_is_not_found(zep: AsyncZep, call: str) -> None:
    """user.get_facts and user.get_node of a user that does not exist raise NotFoundError."""
    with pytest.raises(NotFoundError):
        await getattr(zep.user, call)("no-such-user")


HOSTILE_IDS = ["a/b", "..", ".", "50%", "ü ñ?x=1#f", "%2F", "a;b=c", "😀" * 10]


@pytest.mark.parametrize("hostile", HOSTILE_IDS)
@pytest.mark.parametrize("call", sorted(SESSION_CALLS))
async def test_hostile_session_id_reaches_its_own_session(
    local_zep: LocalZep, zep: AsyncZep, call: str, hostile: str
) -> None:
    """Any session id arrives whole, as one path segment, at the session it names."""
    local_zep.add_session(hostile)
    await SESSION_CALLS[call](zep, hostile)
    assert local_zep.requests[-1].session_id == hostile
    assert local_zep.requests[-1].route == call


@pytest.mark.parametrize("hostile", HOSTILE_IDS)
async def test_hostile_user_id_reaches_its_own_user(
    local_zep: LocalZep, zep: AsyncZep, hostile: str
) -> None:
    """A user id with path characters gets its own node and facts, as one segment."""
    local_zep.add_user(hostile)
    assert (await zep.user.get_facts(hostile)).facts == []
    node = (await zep.user.get_node(hostile)).node
    assert node is not None
    assert node.attributes == {"user_id": hostile}


@pytest.mark.parametrize("hostile", ["a/b", "..", "50%", "?x", " x "])
async def test_hostile_fact_uuid_is_one_segment(
    local_zep: LocalZep, zep: AsyncZep, hostile: str
) -> None:
    """A fact uuid that is not a uuid reaches /facts/{uuid} as one segment, and is 404."""
    with pytest.raises(NotFoundError):
        await zep.memory.get_fact(hostile)
    assert local_zep.requests[-1].route == "get_fact"


def test_sync_twins_make_the_same_calls(local_zep_thread: LocalZep) -> None:
    """Zep's one-line twins run each call and return the same models."""
    local_zep_thread.add_user("u")
    local_zep_thread.add_session("s", user_id="u")
    with local_sync_client(local_zep_thread) as zep:
        zep.memory.add_session_facts("s", facts=[NewFact(fact="f")])
        (fact,) = zep.memory.get_session_facts("s").facts
        assert zep.memory.get_fact(fact.uuid or "").fact == fact
        assert zep.user.get_facts("u").facts == [fact]
        assert zep.memory.delete_fact(fact.uuid or "").message == "OK"
        assert zep.memory.classify_session("s", classes=["c"], name="n").class_ == "c"
        assert zep.memory.extract_data("s", last_n=1, model_schema="{}") == {}
        assert zep.memory.get_summaries("s").summaries == []
        assert zep.memory.synthesize_question("s").question == ""
        assert zep.user.get_node("u").node is not None


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(session_id=session_ids, user_id=session_ids)
async def test_any_id_reaches_its_record_unchanged(
    local_zep: LocalZep, zep: AsyncZep, session_id: str, user_id: str
) -> None:
    """Whatever the ids, a session's facts and a user's facts reach exactly that record."""
    local_zep.clear()
    local_zep.add_user(user_id)
    local_zep.add_session(session_id, user_id=user_id)
    await zep.memory.add_session_facts(session_id, facts=[{"fact": "f"}])
    assert local_zep.requests[-1].session_id == session_id
    assert [f.fact for f in (await zep.user.get_facts(user_id)).facts] == ["f"]
    assert local_zep.requests[-1].user_id == user_id
