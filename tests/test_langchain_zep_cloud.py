"""langchain-community 0.4.2's Zep Cloud history, memory and retriever run on zep_async.

tests/langchain_zep_cloud_support.py reproduces what they call and read; here they run
against a LocalZep with our sync ``Zep`` and ``AsyncZep``, configured as langchain
configures zep-cloud: ``api_key=`` and ``ZEP_API_URL`` from the environment.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any

import pytest
import pytest_asyncio

from tests.langchain_zep_cloud_support import (
    ZepCloudChatMessageHistory,
    ZepCloudMemory,
    ZepCloudRetriever,
    ai,
    human,
)
from zep_async import Memory
from zep_async.testing import LocalZep

SESSION = "lc-session"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalZep]:
    """A LocalZep with one session, served in a thread; ZEP_API_URL points at it."""
    local = LocalZep()
    local.add_session(SESSION)
    with local.run_in_thread():
        monkeypatch.setenv("ZEP_API_URL", local.root_url)
        yield local


@pytest.fixture
def history(server: LocalZep) -> Iterator[ZepCloudChatMessageHistory]:
    """langchain's chat history of SESSION."""
    made = ZepCloudChatMessageHistory(SESSION, api_key=server.api_key, lastn=10)
    yield made
    asyncio.run(made.aclose())


@pytest_asyncio.fixture
async def async_history(server: LocalZep) -> AsyncIterator[ZepCloudChatMessageHistory]:
    """langchain's chat history of SESSION, for its async calls."""
    made = ZepCloudChatMessageHistory(SESSION, api_key=server.api_key)
    yield made
    await made.aclose()


class _HistoryWithoutMemoryType(ZepCloudChatMessageHistory):
    """The history, its one refused call made without ``memory_type``: to test its reads."""

    def _get_memory(self) -> Memory | None:
        return self.zep_client.memory.get(self.session_id, lastn=self.lastn)


def _stored(server: LocalZep) -> list[tuple[Any, ...]]:
    return [
        (m["content"], m["role"], m["role_type"], m.get("metadata"))
        for m in server.messages(SESSION)
    ]


def test_history_add_message_calls_store_role_role_type_and_metadata(
    history: ZepCloudChatMessageHistory, server: LocalZep
) -> None:
    """add_user_message, add_ai_message and add_messages store what langchain sends."""
    history.add_user_message("hello", metadata={"turn": 1})
    history.add_ai_message("hi there")
    history.add_messages([human("a", metadata={"k": "v"}), ai("b")])
    assert _stored(server) == [
        ("hello", "human", "user", {"turn": 1}),
        ("hi there", "ai", "assistant", None),
        ("a", "human", "user", {"k": "v"}),
        ("b", "ai", "assistant", None),
    ]


async def test_history_aadd_messages_uses_async_zep(
    async_history: ZepCloudChatMessageHistory, server: LocalZep
) -> None:
    """aadd_messages stores the messages through AsyncZep."""
    await async_history.aadd_messages([human("ping"), ai("pong", metadata={"m": 2})])
    assert _stored(server) == [
        ("ping", "human", "user", None),
        ("pong", "ai", "assistant", {"m": 2}),
    ]


def test_history_reading_memory_is_refused_as_zep_cloud_2_22_1_refuses_it(
    history: ZepCloudChatMessageHistory, server: LocalZep
) -> None:
    """memory.get(memory_type=...) is a TypeError naming the argument, before any request.

    zep-cloud 2.22.1's memory.get takes no memory_type either (langchain-community 0.4.2
    was written for an older zep-cloud), so ``messages``, ``zep_messages``,
    ``zep_summary`` and ``zep_facts`` fail the same way on both SDKs.
    """
    before = server.count()
    with pytest.raises(TypeError, match="memory_type"):
        history.messages  # noqa: B018
    assert server.count() == before


def test_what_the_history_reads_from_a_memory(server: LocalZep) -> None:
    """Facts, summary content and every message's role and content read as langchain does."""
    server.add_messages(
        SESSION,
        [
            {"content": "hi", "role": "Jane", "role_type": "user"},
            {"content": "yo", "role_type": "assistant"},
        ],
    )
    canned = {
        "messages": server.messages(SESSION),
        "facts": ["Jane likes tea"],
        "summary": {"uuid": "s-1", "content": "They greeted."},
    }
    server.fail("get_memory", 200, json=canned, times=4)
    made = _HistoryWithoutMemoryType(SESSION, api_key=server.api_key, lastn=10)
    try:
        (condensed,) = made.messages
        assert condensed.type == "human"
        assert condensed.content == "Jane likes tea\nThey greeted.\nJane: hi\nassistant: yo"
        assert [m.uuid_ for m in made.zep_messages] == [m["uuid"] for m in canned["messages"]]
        assert made.zep_summary == "They greeted."
        assert made.zep_facts == ["Jane likes tea"]
    finally:
        asyncio.run(made.aclose())


def test_history_search_finds_messages_by_word(
    history: ZepCloudChatMessageHistory, server: LocalZep
) -> None:
    """search() passes langchain's arguments and returns the hits as MemorySearchResult."""
    history.add_messages([human("my order is late"), ai("sorry about the order")])
    hits = history.search("order", limit=5)
    assert [hit.message.content for hit in hits if hit.message] == [
        "my order is late",
        "sorry about the order",
    ]
    assert all(hit.score == 1.0 for hit in hits)


def test_history_clear_deletes_and_tolerates_a_missing_session(
    history: ZepCloudChatMessageHistory, server: LocalZep, caplog: pytest.LogCaptureFixture
) -> None:
    """clear() deletes the session; a second clear() is a NotFoundError langchain logs."""
    history.clear()
    assert not any(s["session_id"] == SESSION for s in server.sessions)
    with caplog.at_level(logging.WARNING):
        history.clear()
    assert "not found in Zep. Skipping delete." in caplog.text


async def test_history_aclear_deletes_through_async_zep(
    async_history: ZepCloudChatMessageHistory, server: LocalZep
) -> None:
    """aclear() deletes the session through AsyncZep."""
    await async_history.aclear()
    assert not any(s["session_id"] == SESSION for s in server.sessions)


def test_memory_save_context_stores_the_turn_with_its_metadata(server: LocalZep) -> None:
    """ZepCloudMemory.save_context stores the input as user and the output as assistant."""
    memory = ZepCloudMemory(SESSION, api_key=server.api_key)
    try:
        memory.save_context({"input": "what is 2+2"}, {"output": "4"}, metadata={"chain": "calc"})
        assert _stored(server) == [
            ("what is 2+2", "human", "user", {"chain": "calc"}),
            ("4", "ai", "assistant", {"chain": "calc"}),
        ]
        with pytest.raises(TypeError, match="memory_type"):  # as on zep-cloud 2.22.1
            memory.load_memory_variables()
    finally:
        asyncio.run(memory.chat_memory.aclose())


def _expected_docs(server: LocalZep, contents: list[str]) -> list[tuple[Any, ...]]:
    by_content = {m["content"]: m for m in server.messages(SESSION)}
    return [
        (
            text,
            by_content[text]["uuid"],
            datetime.fromisoformat(by_content[text]["created_at"]),
            by_content[text]["role"],
        )
        for text in contents
    ]


def _seen(docs: list[Any]) -> list[tuple[Any, ...]]:
    return [
        (d.page_content, d.metadata["uuid"], d.metadata["created_at"], d.metadata["role"])
        for d in docs
    ]


def test_retriever_turns_message_hits_into_documents(server: LocalZep) -> None:
    """The sync retriever reads content, uuid_, created_at, token_count and role of each hit."""
    server.add_messages(
        SESSION,
        [
            {"content": "refund please", "role": "Jane", "role_type": "user"},
            {"content": "unrelated", "role_type": "assistant"},
            {"content": "refund sent", "role_type": "assistant"},
        ],
    )
    retriever = ZepCloudRetriever(api_key=server.api_key, session_id=SESSION, top_k=3)
    try:
        docs = retriever._get_relevant_documents("refund")
    finally:
        asyncio.run(retriever.aclose())
    expected = _expected_docs(server, ["refund please", "refund sent"])
    expected[1] = (*expected[1][:3], "assistant")  # no role: langchain falls back to role_type
    assert _seen(docs) == expected
    assert [d.metadata["score"] for d in docs] == [1.0, 1.0]
    assert "token_count" in docs[0].metadata


async def test_async_retriever_turns_message_hits_into_documents(server: LocalZep) -> None:
    """The async retriever does the same through AsyncZep."""
    server.add_messages(
        SESSION, [{"content": "refund please", "role": "Jane", "role_type": "user"}]
    )
    retriever = ZepCloudRetriever(api_key=server.api_key, session_id=SESSION)
    try:
        docs = await retriever._aget_relevant_documents("refund")
    finally:
        await retriever.aclose()
    assert _seen(docs) == _expected_docs(server, ["refund please"])


async def test_retriever_reads_summary_hits(server: LocalZep) -> None:
    """With search_scope="summary" the retriever reads each summary's content and uuid_."""
    hit = {
        "score": 0.75,
        "summary": {
            "uuid": "sum-1",
            "content": "A refund was asked for.",
            "created_at": "2026-12-01T10:00:00Z",
            "token_count": 6,
        },
    }
    server.fail("search_memory", 200, json=[hit, {"score": 0.1}])
    retriever = ZepCloudRetriever(
        api_key=server.api_key, session_id=SESSION, search_scope="summary"
    )
    try:
        (doc,) = await retriever._aget_relevant_documents("refund")
    finally:
        await retriever.aclose()
    assert doc.page_content == "A refund was asked for."
    assert doc.metadata == {
        "score": 0.75,
        "uuid": "sum-1",
        "created_at": datetime.fromisoformat("2026-12-01T10:00:00+00:00"),
        "token_count": 6,
    }
