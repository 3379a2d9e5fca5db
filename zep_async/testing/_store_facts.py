"""The facts of LocalZep: wire dicts by uuid, listed per session in the order they came.

A user's facts are those of the user's sessions (Zep keeps them in the user's graph).
Not thread-safe on its own: LocalZep guards every call with its lock.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from ._wire import Clock, apply_fields, to_json


class FactStore:
    """Facts per ``session_id``, each a wire dict, with an index by ``uuid``."""

    def __init__(self, clock: Clock) -> None:
        """Create an empty store that takes its time from ``clock``."""
        self._by_session: dict[str, list[dict[str, Any]]] = {}
        self._by_uuid: dict[str, tuple[str, dict[str, Any]]] = {}
        self._clock = clock

    def __len__(self) -> int:
        """Return the number of stored facts."""
        return len(self._by_uuid)

    def clear(self) -> None:
        """Remove every fact."""
        self._by_session.clear()
        self._by_uuid.clear()

    def add(self, session_id: str, text: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Append one fact to a session and return the stored dict.

        ``uuid`` is generated unless given, ``created_at`` is now unless given;
        ``content`` and ``fact`` both hold ``text`` (Cloud sends both).

        Raises:
            TypeError: If a value is not JSON.
            ValueError: If the uuid is already stored.
        """
        now = self._clock.now()
        data: dict[str, Any] = {
            "uuid": str(uuid.uuid4()),
            "created_at": now,
            "fact": text,
            "content": text,
            "rating": None,
        }
        apply_fields(data, fields)
        data = to_json(data, "fact fields")
        if not isinstance(data.get("uuid"), str) or data["uuid"] in self._by_uuid:
            raise ValueError(f"a fact with uuid {data.get('uuid')!r} already exists")
        self._by_session.setdefault(session_id, []).append(data)
        self._by_uuid[data["uuid"]] = (session_id, data)
        return data

    def get(self, fact_uuid: str) -> dict[str, Any] | None:
        """Return the stored dict of a fact, or ``None``."""
        entry = self._by_uuid.get(fact_uuid)
        return None if entry is None else entry[1]

    def remove(self, fact_uuid: str) -> None:
        """Delete one fact.

        Raises:
            KeyError: If no fact has this uuid.
        """
        session_id, data = self._by_uuid.pop(fact_uuid)
        kept = [item for item in self._by_session[session_id] if item is not data]
        if kept:
            self._by_session[session_id] = kept
        else:
            del self._by_session[session_id]

    def of_session(self, session_id: str) -> list[dict[str, Any]]:
        """Return the stored dicts of a session's facts, oldest first (the list is a copy)."""
        return list(self._by_session.get(session_id, ()))

    def drop_session(self, session_id: str) -> int:
        """Delete every fact of a session; return how many there were."""
        removed = self._by_session.pop(session_id, [])
        for data in removed:
            self._by_uuid.pop(data["uuid"], None)
        return len(removed)
