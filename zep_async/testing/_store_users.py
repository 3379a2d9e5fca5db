"""The users of LocalZep, kept as wire JSON dicts (``session_count`` is computed when sent).

Not thread-safe on its own: LocalZep guards every call with its lock.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from ._wire import PROJECT_UUID, Clock, apply_fields, copy, to_json


class UserStore:
    """Users by ``user_id``, in row-id (creation) order."""

    def __init__(self, clock: Clock) -> None:
        """Create an empty store that takes its time from ``clock``."""
        self._rows: dict[str, dict[str, Any]] = {}
        self._next_row = 1
        self._clock = clock

    def __len__(self) -> int:
        """Return the number of stored users."""
        return len(self._rows)

    def __contains__(self, user_id: object) -> bool:
        """Tell whether a user has this id."""
        return user_id in self._rows

    def clear(self) -> None:
        """Remove every user and restart row ids at 1."""
        self._rows.clear()
        self._next_row = 1

    def add(self, user_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Store a new user and return the stored dict itself.

        Raises:
            TypeError: If ``user_id`` is not a string or a value is not JSON.
            ValueError: If ``user_id`` is empty or already stored.
        """
        if not isinstance(user_id, str):
            raise TypeError(f"user_id must be a str, got {type(user_id).__name__}")
        if not user_id:
            raise ValueError("user_id must not be empty")
        if user_id in self._rows:
            raise ValueError(f"a user with user_id {user_id!r} already exists")
        now = self._clock.now()
        data: dict[str, Any] = {
            "uuid": str(uuid.uuid4()),
            "id": self._next_row,
            "user_id": user_id,
            "email": None,
            "first_name": None,
            "last_name": None,
            "metadata": None,
            "created_at": now,
            "updated_at": now,
            "deleted_at": None,
            "fact_rating_instruction": None,
            "project_uuid": PROJECT_UUID,
        }
        apply_fields(data, fields)
        stored: dict[str, Any] = to_json(data, "user fields")
        self._rows[user_id] = stored
        self._next_row += 1
        return stored

    def get(self, user_id: str) -> dict[str, Any] | None:
        """Return the stored dict itself (not a copy), or ``None``."""
        return self._rows.get(user_id)

    def remove(self, user_id: str) -> None:
        """Delete one user.

        Raises:
            KeyError: If no user has this id.
        """
        del self._rows[user_id]

    def all(self) -> list[dict[str, Any]]:
        """Return copies of every user, in row-id order."""
        return [copy(data) for data in self._rows.values()]

    def newest_first(self) -> list[dict[str, Any]]:
        """Return the stored dicts, newest (highest row id) first."""
        return sorted(self._rows.values(), key=lambda data: -int(data.get("id") or 0))
