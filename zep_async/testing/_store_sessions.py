"""The sessions of LocalZep, kept as plain wire JSON dicts, exactly what the server sends.

Not thread-safe on its own: LocalZep guards every call with its lock.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final

from ._timestamps import timestamp_sort_key
from ._wire import PROJECT_UUID, Clock, apply_fields, copy, to_json

ORDER_FIELDS: Final = ("created_at", "updated_at", "user_id", "session_id")

_Entry = tuple[int, dict[str, Any]]


class SessionStore:
    """Sessions by ``session_id``, in row-id (creation) order."""

    def __init__(self, clock: Clock) -> None:
        """Create an empty store that takes its time from ``clock``."""
        self._rows: dict[str, _Entry] = {}
        self._next_row = 1
        self._clock = clock

    def __len__(self) -> int:
        """Return the number of stored sessions."""
        return len(self._rows)

    def __contains__(self, session_id: object) -> bool:
        """Tell whether a session has this id."""
        return session_id in self._rows

    @property
    def next_row(self) -> int:
        """The row id the next session gets."""
        return self._next_row

    def clear(self) -> None:
        """Remove every session and restart row ids at 1."""
        self._rows.clear()
        self._next_row = 1

    def add(self, session_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Store a new session and return a copy of its wire dict.

        Raises:
            TypeError: If ``session_id`` is not a string or a value is not JSON.
            ValueError: If ``session_id`` is empty or already stored.
        """
        if not isinstance(session_id, str):
            raise TypeError(f"session_id must be a str, got {type(session_id).__name__}")
        if not session_id:
            raise ValueError("session_id must not be empty")
        if session_id in self._rows:
            raise ValueError(f"a session with session_id {session_id!r} already exists")
        row = self._next_row
        now = self._clock.now()
        data: dict[str, Any] = {
            "uuid": str(uuid.uuid4()),
            "id": row,
            "session_id": session_id,
            "user_id": None,
            "created_at": now,
            "updated_at": now,
            "deleted_at": None,
            "ended_at": None,
            "metadata": None,
            "classifications": None,
            "facts": None,
            "fact_rating_instruction": None,
            "project_uuid": PROJECT_UUID,
        }
        apply_fields(data, fields)
        stored = to_json(data, "session fields")
        self._rows[session_id] = (row, stored)
        self._next_row += 1
        return copy(stored)  # type: ignore[no-any-return]

    def remove(self, session_id: str) -> None:
        """Delete one session.

        Raises:
            KeyError: If no session has this id.
        """
        del self._rows[session_id]

    def all(self) -> list[dict[str, Any]]:
        """Return copies of every session, in row-id order."""
        return [copy(data) for _, data in self._rows.values()]

    def get_json(self, session_id: str) -> dict[str, Any] | None:
        """Return the stored wire dict itself (not a copy), or ``None``."""
        entry = self._rows.get(session_id)
        return None if entry is None else entry[1]

    def of_user(self, user_id: str) -> Iterator[dict[str, Any]]:
        """Yield the stored dicts of one user's sessions, in row-id order."""
        return (data for _, data in self._rows.values() if data.get("user_id") == user_id)

    def page(
        self, *, page_number: int, page_size: int | None, order_by: str | None, asc: bool
    ) -> dict[str, Any]:
        """Return one SessionListResponse body (sharing the stored dicts).

        Without ``order_by`` the order is the row id; ties are broken by row id
        in the same direction, and a missing value sorts before any value. A
        ``page_size`` of ``None`` means every session.
        """
        entries = list(self._rows.values())
        key: Callable[[_Entry], tuple[Any, ...]]
        if order_by is None:
            key = _by_row
        elif order_by in ("created_at", "updated_at"):
            key = _by_time(order_by)
        else:
            key = _by_text(order_by)
        entries.sort(key=key, reverse=not asc)
        if page_size is not None:
            offset = (page_number - 1) * page_size
            entries_page = entries[offset : offset + page_size]
        else:
            entries_page = entries
        sessions = [data for _, data in entries_page]
        return {
            "sessions": sessions,
            "total_count": len(entries),
            "response_count": len(sessions),
        }


def _by_row(entry: _Entry) -> tuple[Any, ...]:
    return (entry[0],)


def _by_time(field: str) -> Callable[[_Entry], tuple[Any, ...]]:
    def key(entry: _Entry) -> tuple[Any, ...]:
        moment = timestamp_sort_key(entry[1].get(field))
        return (0, (0, 0), entry[0]) if moment is None else (1, moment, entry[0])

    return key


def _by_text(field: str) -> Callable[[_Entry], tuple[Any, ...]]:
    def key(entry: _Entry) -> tuple[Any, ...]:
        value = entry[1].get(field)
        if value is None:
            return (0, "", entry[0])
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        return (1, text, entry[0])

    return key
