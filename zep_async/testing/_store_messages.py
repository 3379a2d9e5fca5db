"""The messages of LocalZep: a list per session, in the order they were added.

Not thread-safe on its own: LocalZep guards every call with its lock.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Final

from ._wire import Clock, apply_fields, to_json

ROLE_TYPES: Final = ("norole", "system", "assistant", "user", "function", "tool")


class MessageStore:
    """Messages per ``session_id``, each a wire dict, with an index by ``uuid``."""

    def __init__(self, clock: Clock) -> None:
        """Create an empty store that takes its time from ``clock``."""
        self._by_session: dict[str, list[dict[str, Any]]] = {}
        self._by_uuid: dict[str, tuple[str, dict[str, Any]]] = {}
        self._clock = clock

    def __len__(self) -> int:
        """Return the number of stored messages."""
        return len(self._by_uuid)

    def clear(self) -> None:
        """Remove every message."""
        self._by_session.clear()
        self._by_uuid.clear()

    def has_uuid(self, message_uuid: str) -> bool:
        """Tell whether any session holds a message with this uuid."""
        return message_uuid in self._by_uuid

    def add(self, session_id: str, messages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Append messages to a session; return the stored dicts.

        ``uuid`` is kept when given, else generated; ``created_at`` is always
        the server's time. Other keys are stored as given.

        Raises:
            TypeError: If a value is not JSON.
            ValueError: If a uuid is already stored.
        """
        added: list[dict[str, Any]] = []
        seen: set[str] = set()
        for fields in messages:
            given = fields.get("uuid")
            if isinstance(given, str) and (given in self._by_uuid or given in seen):
                raise ValueError(f"a message with uuid {given!r} already exists")
            if isinstance(given, str):
                seen.add(given)
        for fields in messages:
            now = self._clock.now()
            data: dict[str, Any] = {
                "uuid": str(uuid.uuid4()),
                "created_at": now,
                "updated_at": now,
                "role": None,
                "role_type": None,
                "content": "",
                "metadata": None,
                "token_count": 0,
                "processed": False,
            }
            apply_fields(data, {k: v for k, v in fields.items() if v is not None or k == "role"})
            data["created_at"] = now
            data["updated_at"] = now
            if not isinstance(data.get("uuid"), str) or not data["uuid"]:
                data["uuid"] = str(uuid.uuid4())
            added.append(to_json(data, "message fields"))
        bucket = self._by_session.setdefault(session_id, [])
        for data in added:
            bucket.append(data)
            self._by_uuid[data["uuid"]] = (session_id, data)
        return added

    def of_session(self, session_id: str) -> list[dict[str, Any]]:
        """Return the stored dicts of one session, oldest first (the list is a copy)."""
        return list(self._by_session.get(session_id, ()))

    def get(self, session_id: str, message_uuid: str) -> dict[str, Any] | None:
        """Return the stored dict of a message of this session, or ``None``."""
        entry = self._by_uuid.get(message_uuid)
        if entry is None or entry[0] != session_id:
            return None
        return entry[1]

    def drop_session(self, session_id: str) -> int:
        """Delete every message of a session; return how many there were."""
        removed = self._by_session.pop(session_id, [])
        for data in removed:
            self._by_uuid.pop(data["uuid"], None)
        return len(removed)
