"""The API's data, as frozen attrs classes.

Every field is optional and defaults to ``None``: the server may leave any of
them out or send ``null``, and it adds fields over time (those are ignored).
Timestamps are timezone-aware ``datetime`` objects with the server's offset kept.
Turning JSON into these classes, and back, is the job of ``zep_async.from_dict``
and ``zep_async.to_dict``; the classes themselves know nothing of JSON.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from attrs import field, frozen

__all__ = [
    "FactRatingExamples",
    "FactRatingInstruction",
    "Session",
    "SessionListResponse",
]


@frozen(kw_only=True)
class FactRatingExamples:
    """Example facts of high, medium and low relevance (deprecated by the API)."""

    high: str | None = None
    medium: str | None = None
    low: str | None = None


@frozen(kw_only=True)
class FactRatingInstruction:
    """How the server should rate facts for relevance (deprecated by the API)."""

    instruction: str | None = None
    examples: FactRatingExamples | None = None


@frozen(kw_only=True)
class Session:
    """One conversation session as the server returns it.

    Attributes:
        uuid: Server-assigned identity.
        id: Server row id.
        session_id: The caller's own id for the session.
        user_id: The user the session belongs to.
        created_at: When the session was created.
        updated_at: When it last changed.
        deleted_at: When it was deleted.
        ended_at: When it was ended.
        metadata: Arbitrary JSON the caller attached.
        classifications: Classification name to class.
        facts: Facts extracted from the session (deprecated by the API).
        fact_rating_instruction: Fact rating setup (deprecated by the API).
        project_uuid: The project the session belongs to.
    """

    uuid: str | None = None
    id: int | None = None
    session_id: str | None = None
    user_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: datetime | None = None
    ended_at: datetime | None = None
    metadata: dict[str, Any] | None = None
    classifications: dict[str, str] | None = None
    facts: list[str] | None = None
    fact_rating_instruction: FactRatingInstruction | None = None
    project_uuid: str | None = None


@frozen(kw_only=True)
class SessionListResponse:
    """One page of sessions.

    Attributes:
        sessions: The sessions of this page; empty (never ``None``) when the
            server sends none.
        total_count: How many sessions the project has in all.
        response_count: How many sessions this page holds.
    """

    sessions: list[Session] = field(factory=list)
    total_count: int | None = None
    response_count: int | None = None
