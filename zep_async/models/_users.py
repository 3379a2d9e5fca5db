"""Users and their pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from attrs import field, frozen

from ._common import FactRatingInstruction

__all__ = ["User", "UserListResponse"]


@frozen(kw_only=True)
class User:
    """One user as the server returns it.

    Attributes:
        uuid: Server-assigned identity.
        id: Server row id.
        user_id: The caller's own id for the user.
        email: The user's e-mail address.
        first_name: The user's first name.
        last_name: The user's last name.
        metadata: Arbitrary JSON the caller attached (deprecated by the API).
        created_at: When the user was created.
        updated_at: When it last changed (deprecated by the API).
        deleted_at: When it was deleted.
        project_uuid: The project the user belongs to.
        session_count: How many sessions the user has (deprecated by the API).
        fact_rating_instruction: Fact rating setup (deprecated by the API).
    """

    uuid: str | None = None
    id: int | None = None
    user_id: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    metadata: dict[str, Any] | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: datetime | None = None
    project_uuid: str | None = None
    session_count: int | None = None
    fact_rating_instruction: FactRatingInstruction | None = None

    @property
    def uuid_(self) -> str | None:
        """``uuid`` under zep-cloud's spelling, for code written for it (read-only)."""
        return self.uuid


@frozen(kw_only=True)
class UserListResponse:
    """One page of users.

    Attributes:
        users: The users of this page; empty (never ``None``) when the server sends none.
        total_count: How many users the project has in all.
        row_count: How many users this page holds.
    """

    users: list[User] = field(factory=list)
    total_count: int | None = None
    row_count: int | None = None
