"""The sessions of LocalZep, kept as plain wire JSON dicts, exactly what the server sends.

A page costs what it holds, not what the table holds: each order a page was
asked in keeps a sorted index, built on first use and kept up to date by every
write, and each user's sessions are indexed too. So a stored session's
ordered fields change through :meth:`SessionStore.change` only. Not thread-safe
on its own: LocalZep guards every call with its lock.
"""

from __future__ import annotations

import bisect
import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final

from ._store_rows import RowStore, page_bounds
from ._timestamps import timestamp_sort_key
from ._wire import PROJECT_UUID, copy

ORDER_FIELDS: Final = ("created_at", "updated_at", "user_id", "session_id")

#: A sort key of one session in one order; the row id last, so keys never tie.
SortKey = tuple[Any, ...]


class SessionStore(RowStore):
    """Sessions by ``session_id``, in row-id (creation) order."""

    KIND = "session"
    KEY = "session_id"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Create an empty store (the arguments are :class:`RowStore`'s)."""
        super().__init__(*args, **kwargs)
        self._of_user: dict[str, dict[str, None]] = {}  # user_id -> session ids, in row order
        self._indexes: dict[str, _Index] = {}  # order_by -> its index, once asked for

    def clear(self) -> None:
        """Remove every session and restart row ids at 1."""
        super().clear()
        self._of_user.clear()
        self._indexes.clear()

    def add(self, session_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Store a new session and return a copy of its wire dict.

        Raises:
            TypeError: If ``session_id`` is not a string or a value is not JSON.
            ValueError: If ``session_id`` is empty or already stored.
        """
        return copy(self.insert(session_id, fields))  # type: ignore[no-any-return]

    def insert(
        self, session_id: str, fields: Mapping[str, Any], *, fresh: bool = False
    ) -> dict[str, Any]:
        """Like :meth:`add`, but return the stored dict itself (no copy).

        ``fresh``: the fields are JSON values nobody else holds, stored uncopied.

        Raises:
            TypeError: If ``session_id`` is not a string or a value is not JSON.
            ValueError: If ``session_id`` is empty or already stored.
        """
        data = self._insert(session_id, fields, fresh=fresh)
        user_id = data.get("user_id")
        if isinstance(user_id, str):
            self._of_user.setdefault(user_id, {})[session_id] = None
        row = self._rows[session_id][0]
        for index in self._indexes.values():
            index.add(row, data)
        return data

    def remove(self, key: str) -> None:
        """Delete one session (not its messages: the Store does that).

        Raises:
            KeyError: If no session has this id.
        """
        row, data = self._rows[key]
        for index in self._indexes.values():
            index.discard(row)
        user_id = data.get("user_id")
        if isinstance(user_id, str):
            sessions = self._of_user.get(user_id, {})
            sessions.pop(key, None)
            if not sessions:
                self._of_user.pop(user_id, None)
        super().remove(key)

    def change(self, data: dict[str, Any], **fields: Any) -> None:
        """Set fields of a stored session (``data`` is the stored dict), keeping the indexes."""
        row = self._rows[data["session_id"]][0]
        touched = [index for name, index in self._indexes.items() if name in fields]
        for index in touched:
            index.discard(row)
        data.update(fields)
        for index in touched:
            index.add(row, data)

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
        return (self._rows[key][1] for key in list(self._of_user.get(user_id, ())))

    def count_of_user(self, user_id: str) -> int:
        """Return how many sessions name this user."""
        return len(self._of_user.get(user_id, ()))

    def page(
        self, *, page_number: int, page_size: int | None, order_by: str | None, asc: bool
    ) -> dict[str, Any]:
        """Return one SessionListResponse body (sharing the stored dicts).

        Without ``order_by`` the order is the row id; ties are broken by row id
        in the same direction, and a missing value sorts before any value. A
        ``page_size`` of ``None`` means every session.
        """
        if order_by is None:
            sessions = self.row_page(page_number, page_size, newest_first=not asc)
        else:
            index = self._indexes.get(order_by)
            if index is None:
                index = self._indexes[order_by] = _Index(_key_of(order_by))
                for row, data in self._rows.values():
                    index.add(row, data)
            sessions = [self._by_row[row] for row in index.page(page_number, page_size, asc)]
        return {
            "sessions": sessions,
            "total_count": len(self._rows),
            "response_count": len(sessions),
        }


class _Index:
    """The row ids of every session, sorted by one order's key (the row id breaks ties)."""

    def __init__(self, key: Callable[[int, dict[str, Any]], SortKey]) -> None:
        self._key = key
        self._sorted: list[SortKey] = []
        self._key_of_row: dict[int, SortKey] = {}

    def add(self, row: int, data: dict[str, Any]) -> None:
        key = self._key(row, data)
        self._key_of_row[row] = key
        if not self._sorted or self._sorted[-1] < key:
            self._sorted.append(key)  # the common case: a new session sorts last
        else:
            bisect.insort(self._sorted, key)

    def discard(self, row: int) -> None:
        key = self._key_of_row.pop(row, None)
        if key is not None:
            del self._sorted[bisect.bisect_left(self._sorted, key)]

    def page(self, page_number: int, page_size: int | None, asc: bool) -> list[int]:
        keys = self._sorted[page_bounds(len(self._sorted), page_number, page_size, reverse=not asc)]
        if not asc:
            keys.reverse()
        return [key[-1] for key in keys]


def _key_of(field: str) -> Callable[[int, dict[str, Any]], SortKey]:
    if field in ("created_at", "updated_at"):

        def by_time(row: int, data: dict[str, Any]) -> SortKey:
            moment = timestamp_sort_key(data.get(field))
            return (0, (0, 0), row) if moment is None else (1, moment, row)

        return by_time

    def by_text(row: int, data: dict[str, Any]) -> SortKey:
        value = data.get(field)
        if value is None:
            return (0, "", row)
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        return (1, text, row)

    return by_text
