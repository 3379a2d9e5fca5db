"""Messages, memory, facts, summaries and memory search."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from attrs import field, frozen

from ._common import RoleType

__all__ = [
    "AddMemoryResponse",
    "Fact",
    "Memory",
    "MemorySearchResult",
    "Message",
    "MessageListResponse",
    "SessionSearchResponse",
    "SessionSearchResult",
    "Summary",
]


@frozen(kw_only=True)
class Message:
    """One chat message, as sent to ``memory.add`` and as the server returns it.

    To send one, give at least ``content`` and ``role_type``.

    Attributes:
        content: The text of the message.
        role_type: Who wrote it, e.g. ``"user"`` or ``"assistant"``.
        role: A free-form name of the speaker, e.g. ``"Jane"``.
        uuid: Server-assigned identity (a caller may choose it).
        created_at: When the message was stored.
        updated_at: When it last changed (deprecated by the API; the Community
            Edition sends year 1).
        metadata: Arbitrary JSON attached to the message.
        token_count: Tokens in the message (deprecated by the API).
        processed: Whether the server has processed the message.
    """

    content: str | None = None
    role_type: RoleType | None = None
    role: str | None = None
    uuid: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    metadata: dict[str, Any] | None = None
    token_count: int | None = None
    processed: bool | None = None

    @property
    def uuid_(self) -> str | None:
        """``uuid`` under zep-cloud's spelling, for code written for it (read-only)."""
        return self.uuid


@frozen(kw_only=True)
class Fact:
    """A fact the server extracted from the conversation.

    Attributes:
        uuid: Server-assigned identity.
        content: The fact's text (the Community Edition leaves it out).
        fact: The fact's text (deprecated by the API; what the Community Edition sends).
        created_at: When the fact was created (or became valid).
        name: The fact's name.
        rating: Its relevance rating.
        valid_at: When it became true.
        invalid_at: When it stopped being true.
        expired_at: When it was superseded.
        source_node_name: The graph node it starts from.
        target_node_name: The graph node it points to.
    """

    uuid: str | None = None
    content: str | None = None
    fact: str | None = None
    created_at: datetime | None = None
    name: str | None = None
    rating: float | None = None
    valid_at: datetime | None = None
    invalid_at: datetime | None = None
    expired_at: datetime | None = None
    source_node_name: str | None = None
    target_node_name: str | None = None

    @property
    def uuid_(self) -> str | None:
        """``uuid`` under zep-cloud's spelling, for code written for it (read-only)."""
        return self.uuid


@frozen(kw_only=True)
class Summary:
    """A summary of part of a session (deprecated by the API).

    Attributes:
        uuid: Server-assigned identity.
        content: The summary's text.
        created_at: When it was made.
        metadata: Arbitrary JSON attached to it.
        related_message_uuids: The messages it summarises.
        token_count: Tokens in the summary.
    """

    uuid: str | None = None
    content: str | None = None
    created_at: datetime | None = None
    metadata: dict[str, Any] | None = None
    related_message_uuids: list[str] | None = None
    token_count: int | None = None

    @property
    def uuid_(self) -> str | None:
        """``uuid`` under zep-cloud's spelling, for code written for it (read-only)."""
        return self.uuid


@frozen(kw_only=True)
class Memory:
    """A session's memory: its latest messages, relevant facts and context.

    Attributes:
        context: A prompt-ready context string (Zep Cloud).
        messages: The last messages, oldest first; never ``None``.
        relevant_facts: Facts relevant to the latest messages; never ``None``.
        facts: Facts as strings (deprecated by the API: use ``relevant_facts``).
        summary: A summary (deprecated by the API: use ``context``).
        metadata: Arbitrary JSON (deprecated by the API).
    """

    context: str | None = None
    messages: list[Message] = field(factory=list)
    relevant_facts: list[Fact] = field(factory=list)
    facts: list[str] | None = None
    summary: Summary | None = None
    metadata: dict[str, Any] | None = None


@frozen(kw_only=True)
class AddMemoryResponse:
    """The answer to adding messages.

    Attributes:
        context: The updated context string, when asked for with ``return_context``.
    """

    context: str | None = None


@frozen(kw_only=True)
class MessageListResponse:
    """One page of a session's messages.

    Attributes:
        messages: The messages of this page; never ``None``.
        total_count: How many messages the session has in all.
        row_count: How many messages this page holds.
    """

    messages: list[Message] = field(factory=list)
    total_count: int | None = None
    row_count: int | None = None


@frozen(kw_only=True)
class MemorySearchResult:
    """One hit of a search in a session's memory (an item of ``memory.search``).

    Attributes:
        message: The message found, if any.
        metadata: Arbitrary JSON about the hit.
        score: How well it matched.
        summary: The summary found, if any.
    """

    message: Message | None = None
    metadata: dict[str, Any] | None = None
    score: float | None = None
    summary: Summary | None = None


@frozen(kw_only=True)
class SessionSearchResult:
    """One hit of a search across sessions.

    Attributes:
        fact: The fact found, if any (the Community Edition sends only facts).
        message: The message found, if any.
        score: How well it matched.
        session_id: The session of the hit.
        summary: The summary found, if any.
    """

    fact: Fact | None = None
    message: Message | None = None
    score: float | None = None
    session_id: str | None = None
    summary: Summary | None = None


@frozen(kw_only=True)
class SessionSearchResponse:
    """The hits of a search across sessions.

    Attributes:
        results: The hits, best first; never ``None``.
    """

    results: list[SessionSearchResult] = field(factory=list)
