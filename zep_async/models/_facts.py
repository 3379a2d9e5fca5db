"""Facts, summaries, questions and a user's graph node: the answers of the older v2 calls.

Zep's API reference marks most of these calls deprecated; they are here so code
migrating from the official SDK keeps running (docs/migrating.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from attrs import field, frozen

from ._memory import Fact, Summary

__all__ = [
    "EntityNode",
    "FactResponse",
    "FactsResponse",
    "NewFact",
    "Question",
    "SummaryListResponse",
    "UserNodeResponse",
]


@frozen(kw_only=True)
class NewFact:
    """A fact to add to a session with ``memory.add_session_facts``.

    Attributes:
        fact: The fact's text.
    """

    fact: str


@frozen(kw_only=True)
class FactResponse:
    """One fact, the answer of ``memory.get_fact``.

    Attributes:
        fact: The fact.
    """

    fact: Fact | None = None


@frozen(kw_only=True)
class FactsResponse:
    """Facts of a session or a user (``memory.get_session_facts``, ``user.get_facts``).

    Attributes:
        facts: The facts (empty when there are none).
    """

    facts: list[Fact] = field(factory=list)


@frozen(kw_only=True)
class SummaryListResponse:
    """A session's summaries, the answer of ``memory.get_summaries``.

    Attributes:
        summaries: The summaries, oldest first (empty when there are none).
        row_count: How many are in this answer.
        total_count: How many the session has.
    """

    summaries: list[Summary] = field(factory=list)
    row_count: int | None = None
    total_count: int | None = None


@frozen(kw_only=True)
class Question:
    """A question synthesized from a session's latest messages.

    Attributes:
        question: The question's text.
    """

    question: str | None = None


@frozen(kw_only=True)
class EntityNode:
    """A node of the knowledge graph, e.g. the one that stands for a user.

    Attributes:
        uuid: The node's identity.
        name: The node's name.
        summary: A summary of the edges around it.
        created_at: When the node was created.
        labels: Its labels.
        attributes: More attributes, which depend on the labels.
        score: A reranker's score, when the node came from a search.
    """

    uuid: str | None = None
    name: str | None = None
    summary: str | None = None
    created_at: datetime | None = None
    labels: list[str] | None = None
    attributes: dict[str, Any] | None = None
    score: float | None = None

    @property
    def uuid_(self) -> str | None:
        """``uuid`` under zep-cloud's spelling, for code written for it (read-only)."""
        return self.uuid


@frozen(kw_only=True)
class UserNodeResponse:
    """A user's node of the knowledge graph, the answer of ``user.get_node``.

    Attributes:
        node: The node, or ``None``.
    """

    node: EntityNode | None = None
