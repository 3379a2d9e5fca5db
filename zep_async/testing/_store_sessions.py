"""The sessions of LocalZep, kept as plain wire JSON dicts, exactly what the server sends.

Not thread-safe on its own: LocalZep guards every call with its lock.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final

from ._store_rows import Entry, RowStore, one_page
from ._timestamps import timestamp_sort_key
from ._wire import PROJECT_UUID, copy

ORDER_FIELDS: Final = ("created_at", "updated_at", "user_id", "session_id")


class SessionStore(RowStore):
    """Sessions by ``session_id``, in row-id (creation) order."""

    KIND = "session"
    KEY = "session_id"

    def add(self, session_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Store a new session and return a copy of its wire dict.

        Raises:
            TypeError: If ``session_id`` is not a string or a value is not JSON.
            ValueError: If ``session_id`` is empty or already stored.
        """
        return copy(self._insert(session_id, fields))  # type: ignore[no-any-return]

    def _blank(self, row: int, key: str, now: str) -> dict[str, Any]:
        return {
            "uuid": str(uuid.uuid4()),
            "id": row,
            "session_id": key,
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

    def of_user(self, user_id: str) -> Iterator[dict[str, Any]]:
        """Yield the stored dicts of one user's sessions, in row-id order."""
        return (data for data in self.stored() if data.get("user_id") == user_id)

    def page(
        self, *, page_number: int, page_size: int | None, order_by: str | None, asc: bool
    ) -> dict[str, Any]:
        """Return one SessionListResponse body (sharing the stored dicts).

        Without ``order_by`` the order is the row id; ties are broken by row id
        in the same direction, and a missing value sorts before any value. A
        ``page_size`` of ``None`` means every session.
        """
        entries = list(self._rows.values())
        key: Callable[[Entry], tuple[Any, ...]]
        if order_by is None:
            key = _by_row
        elif order_by in ("created_at", "updated_at"):
            key = _by_time(order_by)
        else:
            key = _by_text(order_by)
        entries.sort(key=key, reverse=not asc)
        sessions = [data for _, data in one_page(entries, page_number, page_size)]
        return {
            "sessions": sessions,
            "total_count": len(entries),
            "response_count": len(sessions),
        }


def _by_row(entry: Entry) -> tuple[Any, ...]:
    return (entry[0],)


def _by_time(field: str) -> Callable[[Entry], tuple[Any, ...]]:
    def key(entry: Entry) -> tuple[Any, ...]:
        moment = timestamp_sort_key(entry[1].get(field))
        return (0, (0, 0), entry[0]) if moment is None else (1, moment, entry[0])

    return key


def _by_text(field: str) -> Callable[[Entry], tuple[Any, ...]]:
    def key(entry: Entry) -> tuple[Any, ...]:
        value = entry[1].get(field)
        if value is None:
            return (0, "", entry[0])
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        return (1, text, entry[0])

    return key
