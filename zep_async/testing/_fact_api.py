"""LocalZep's store methods for facts: add one as Zep's graph would have, and read them back."""

from __future__ import annotations

import threading
from typing import Any

from ._store import Store
from ._wire import copy


class FactMethods:
    """Facts of the in-memory store (the Community Edition's only way to get one)."""

    _lock: threading.Lock
    _store: Store

    def add_fact(self, session_id: str, fact: str, **fields: Any) -> dict[str, Any]:
        """Store a fact of a stored session and return (a copy of) its wire dict.

        ``uuid`` (a new uuid4) and ``created_at`` (now) are filled in;
        ``content`` and ``fact`` both hold ``fact``; ``fields`` override
        anything (``rating``, ``name``, ``valid_at``...), and ``OMIT`` leaves a
        key out. A user's facts are those of its sessions.

        Raises:
            KeyError: If no session has this id.
            ValueError: If a given uuid is already stored.
            TypeError: If a value cannot be written as JSON.
        """
        with self._lock:
            if session_id not in self._store.sessions:
                raise KeyError(session_id)
            return copy(self._store.facts.add(session_id, fact, fields))  # type: ignore[no-any-return]

    def facts(self, session_id: str) -> list[dict[str, Any]]:
        """Copies of a session's stored facts, oldest first (``[]`` for none)."""
        with self._lock:
            return copy(self._store.facts.of_session(session_id))  # type: ignore[no-any-return]
