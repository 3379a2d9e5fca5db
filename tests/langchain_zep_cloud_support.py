"""What langchain-community 0.4.2's Zep Cloud integrations do with a zep-cloud client.

A reproduction, not a dependency: the calls they make, with the same arguments, and the
attributes they read from the answers, taken from
``langchain_community/chat_message_histories/zep_cloud.py`` (``ZepCloudChatMessageHistory``),
``memory/zep_cloud_memory.py`` (``ZepCloudMemory``) and ``retrievers/zep_cloud.py``
(``ZepCloudRetriever``). Only the import line differs: ``zep_async`` where they import
``zep_cloud``. langchain_core's message and document classes are stood in for by the
small classes below (they hold what langchain reads, nothing more).

Two things are fixed here that are bugs of langchain-community itself, whichever SDK it
runs on: ``clear`` catches ``NotFoundError``, which the original imports only under
``TYPE_CHECKING`` (a missing session there gives ``NameError``); and ``ZepCloudMemory``
is written out, where the original is an empty placeholder class unless
``from zep_cloud import MemoryGetRequestMemoryType`` works (zep-cloud 2.22.1 has no
such name).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from zep_async import AsyncZep, Memory, MemorySearchResult, Message, NotFoundError, Zep

logger = logging.getLogger(__name__)


@dataclass
class LcMessage:
    """Stands in for langchain_core's BaseMessage: ``type``, ``content``, ``additional_kwargs``."""

    content: str
    type: str
    additional_kwargs: dict[str, Any] = field(default_factory=dict)


def human(content: str, **kwargs: Any) -> LcMessage:
    """langchain's HumanMessage."""
    return LcMessage(content, "human", kwargs)


def ai(content: str, **kwargs: Any) -> LcMessage:
    """langchain's AIMessage."""
    return LcMessage(content, "ai", kwargs)


@dataclass
class Document:
    """Stands in for langchain_core's Document."""

    page_content: str
    metadata: dict[str, Any]


def condense_zep_memory_into_human_message(zep_memory: Memory) -> LcMessage:
    """The history's ``messages``: facts, summary and messages in one human message."""
    prompt = ""
    if zep_memory.facts:
        prompt = "\n".join(zep_memory.facts)
    if zep_memory.summary and zep_memory.summary.content:
        prompt += "\n" + zep_memory.summary.content
    for msg in zep_memory.messages or []:
        prompt += f"\n{msg.role or msg.role_type}: {msg.content}"
    return human(prompt)


def get_zep_message_role_type(role: str) -> str:
    """langchain's message type to Zep's role type."""
    return {"human": "user", "ai": "assistant", "system": "system"}.get(
        role, role if role in ("function", "tool") else "system"
    )


class ZepCloudChatMessageHistory:
    """langchain's chat history on Zep: two clients, one per call style."""

    def __init__(
        self,
        session_id: str,
        api_key: str,
        *,
        memory_type: str | None = None,
        lastn: int | None = None,
    ) -> None:
        self.zep_client = Zep(api_key=api_key)
        self.zep_client_async = AsyncZep(api_key=api_key)
        self.session_id = session_id
        self.memory_type = memory_type or "perpetual"
        self.lastn = lastn

    @property
    def messages(self) -> list[LcMessage]:
        zep_memory = self._get_memory()
        if not zep_memory:
            return []
        return [condense_zep_memory_into_human_message(zep_memory)]

    @property
    def zep_messages(self) -> list[Message]:
        zep_memory = self._get_memory()
        if not zep_memory:
            return []
        return zep_memory.messages or []

    @property
    def zep_summary(self) -> str | None:
        zep_memory = self._get_memory()
        if not zep_memory or not zep_memory.summary:
            return None
        return zep_memory.summary.content

    @property
    def zep_facts(self) -> list[str] | None:
        if self.memory_type != "perpetual":
            return None
        zep_memory = self._get_memory()
        if not zep_memory or not zep_memory.facts:
            return None
        return zep_memory.facts

    def _get_memory(self) -> Memory | None:
        try:
            zep_memory: Memory = self.zep_client.memory.get(
                self.session_id,
                memory_type=self.memory_type,  # type: ignore[call-arg]
                lastn=self.lastn,
            )
        except NotFoundError:
            logger.warning(f"Session {self.session_id} not found in Zep. Returning None")
            return None
        return zep_memory

    def add_user_message(self, message: str, metadata: dict[str, Any] | None = None) -> None:
        self.add_message(human(message), metadata=metadata)

    def add_ai_message(self, message: str, metadata: dict[str, Any] | None = None) -> None:
        self.add_message(ai(message), metadata=metadata)

    def add_message(self, message: LcMessage, metadata: dict[str, Any] | None = None) -> None:
        self.zep_client.memory.add(
            self.session_id,
            messages=[
                Message(
                    content=str(message.content),
                    role=message.type,
                    role_type=get_zep_message_role_type(message.type),  # type: ignore[arg-type]
                    metadata=metadata,
                )
            ],
        )

    def _zep_messages(self, messages: Sequence[LcMessage]) -> list[Message]:
        return [
            Message(
                content=str(message.content),
                role=message.type,
                role_type=get_zep_message_role_type(message.type),  # type: ignore[arg-type]
                metadata=message.additional_kwargs.get("metadata", None),
            )
            for message in messages
        ]

    def add_messages(self, messages: Sequence[LcMessage]) -> None:
        self.zep_client.memory.add(self.session_id, messages=self._zep_messages(messages))

    async def aadd_messages(self, messages: Sequence[LcMessage]) -> None:
        await self.zep_client_async.memory.add(
            self.session_id, messages=self._zep_messages(messages)
        )

    def search(
        self,
        query: str,
        metadata: dict[str, Any] | None = None,
        search_scope: str = "messages",
        search_type: str = "similarity",
        mmr_lambda: float | None = None,
        limit: int | None = None,
    ) -> list[MemorySearchResult]:
        return self.zep_client.memory.search(
            self.session_id,
            text=query,
            metadata=metadata,
            search_scope=search_scope,  # type: ignore[arg-type]
            search_type=search_type,  # type: ignore[arg-type]
            mmr_lambda=mmr_lambda,
            limit=limit,
        )

    def clear(self) -> None:
        try:
            self.zep_client.memory.delete(self.session_id)
        except NotFoundError:
            logger.warning(f"Session {self.session_id} not found in Zep. Skipping delete.")

    async def aclear(self) -> None:
        try:
            await self.zep_client_async.memory.delete(self.session_id)
        except NotFoundError:
            logger.warning(f"Session {self.session_id} not found in Zep. Skipping delete.")

    async def aclose(self) -> None:
        """Not langchain's: close both clients at the end of a test."""
        self.zep_client.close()
        await self.zep_client_async.aclose()


class ZepCloudMemory:
    """langchain's ConversationBufferMemory on the history: what ``save_context`` sends."""

    def __init__(self, session_id: str, api_key: str, memory_type: str | None = None) -> None:
        self.chat_memory = ZepCloudChatMessageHistory(
            session_id=session_id, memory_type=memory_type, api_key=api_key
        )

    def save_context(
        self,
        inputs: dict[str, Any],
        outputs: dict[str, str],
        metadata: dict[str, Any] | None = None,
    ) -> None:
        # ConversationBufferMemory._get_input_output: the one input and the one output.
        (input_str,) = inputs.values()
        (output_str,) = outputs.values()
        self.chat_memory.add_user_message(input_str, metadata=metadata)
        self.chat_memory.add_ai_message(output_str, metadata=metadata)

    def load_memory_variables(self) -> dict[str, Any]:
        # BaseChatMemory with return_messages=True hands the history's messages on.
        return {"history": self.chat_memory.messages}


class ZepCloudRetriever:
    """langchain's retriever: a memory search turned into documents."""

    def __init__(
        self,
        api_key: str,
        session_id: str,
        top_k: int | None = None,
        search_scope: str = "messages",
        search_type: str = "similarity",
        mmr_lambda: float | None = None,
    ) -> None:
        self.zep_client = Zep(api_key=api_key)
        self.zep_client_async = AsyncZep(api_key=api_key)
        self.session_id = session_id
        self.top_k = top_k
        self.search_scope = search_scope
        self.search_type = search_type
        self.mmr_lambda = mmr_lambda

    def _messages_search_result_to_doc(self, results: list[MemorySearchResult]) -> list[Document]:
        return [
            Document(
                page_content=str(r.message.content),
                metadata={
                    "score": r.score,
                    "uuid": r.message.uuid_,
                    "created_at": r.message.created_at,
                    "token_count": r.message.token_count,
                    "role": r.message.role or r.message.role_type,
                },
            )
            for r in results or []
            if r.message
        ]

    def _summary_search_result_to_doc(self, results: list[MemorySearchResult]) -> list[Document]:
        return [
            Document(
                page_content=str(r.summary.content),
                metadata={
                    "score": r.score,
                    "uuid": r.summary.uuid_,
                    "created_at": r.summary.created_at,
                    "token_count": r.summary.token_count,
                },
            )
            for r in results
            if r.summary
        ]

    def _get_relevant_documents(
        self, query: str, *, metadata: dict[str, Any] | None = None
    ) -> list[Document]:
        results = self.zep_client.memory.search(
            self.session_id,
            text=query,
            metadata=metadata,
            search_scope=self.search_scope,  # type: ignore[arg-type]
            search_type=self.search_type,  # type: ignore[arg-type]
            mmr_lambda=self.mmr_lambda,
            limit=self.top_k,
        )
        if self.search_scope == "summary":
            return self._summary_search_result_to_doc(results)
        return self._messages_search_result_to_doc(results)

    async def _aget_relevant_documents(
        self, query: str, *, metadata: dict[str, Any] | None = None
    ) -> list[Document]:
        results = await self.zep_client_async.memory.search(
            self.session_id,
            text=query,
            metadata=metadata,
            search_scope=self.search_scope,  # type: ignore[arg-type]
            search_type=self.search_type,  # type: ignore[arg-type]
            mmr_lambda=self.mmr_lambda,
            limit=self.top_k,
        )
        if self.search_scope == "summary":
            return self._summary_search_result_to_doc(results)
        return self._messages_search_result_to_doc(results)

    async def aclose(self) -> None:
        """Not langchain's: close both clients at the end of a test."""
        self.zep_client.close()
        await self.zep_client_async.aclose()
