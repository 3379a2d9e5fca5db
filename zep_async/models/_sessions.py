"""Sessions: the session itself, its pages, and ending sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from attrs import field, frozen

from ._common import FactRatingInstruction

__all__ = [
    "ClassifySessionRequest",
    "EndSessionResponse",
    "EndSessionsResponse",
    "Session",
    "SessionClassification",
    "SessionListResponse",
]


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

    @property
    def uuid_(self) -> str | None:
        """``uuid`` under zep-cloud's spelling, for code written for it (read-only)."""
        return self.uuid


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


@frozen(kw_only=True)
class SessionClassification:
    """The class the server chose for a session when it was ended.

    Attributes:
        class_: The class chosen, one of the request's ``classes`` (JSON key ``class``).
        label: The classification's name.
    """

    class_: str | None = None
    label: str | None = None


@frozen(kw_only=True)
class ClassifySessionRequest:
    """Ask the server to classify a session as it ends it (deprecated by the API).

    Attributes:
        classes: The classes to choose from.
        name: The classification's name.
        instruction: Extra guidance for the classifier.
        last_n: How many of the last messages to read (the server's default is 4).
        persist: Whether to store the result (deprecated by the API).
    """

    classes: list[str]
    name: str
    instruction: str | None = None
    last_n: int | None = None
    persist: bool | None = None


@frozen(kw_only=True)
class EndSessionResponse:
    """The answer to ending one session (deprecated by the API).

    Attributes:
        classification: The classification, if one was asked for.
        session: The ended session.
    """

    classification: SessionClassification | None = None
    session: Session | None = None


@frozen(kw_only=True)
class EndSessionsResponse:
    """The answer to ending several sessions (deprecated by the API).

    Attributes:
        sessions: The ended sessions; empty (never ``None``) when the server sends none.
    """

    sessions: list[Session] = field(factory=list)
