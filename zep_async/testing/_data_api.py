"""The public data methods of LocalZep: store sessions, users and messages, seed, read back."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from ._faults import FaultScript
from ._log import RequestLog
from ._seed import seed_sessions
from ._store import Store
from ._wire import copy


class DataMethods:
    """What a test stores in LocalZep and reads back, safe from any thread."""

    _lock: threading.Lock
    _store: Store
    _faults: FaultScript
    _log: RequestLog
    _disconnects: int

    def add_session(self, session_id: str, **fields: Any) -> dict[str, Any]:
        """Store a session and return (a copy of) its wire dict.

        ``uuid``, ``id`` (the row id), ``created_at``, ``updated_at`` (now) and
        ``project_uuid`` are filled in, the other API fields are ``null``.
        ``fields`` override anything: timestamps may be given as ``datetime``
        (written the Go way) or as any string (stored as is), unknown keys are
        served too, and a value of :data:`OMIT` leaves the key out entirely.
        Unlike ``POST /sessions``, a ``user_id`` need not name a stored user.

        Args:
            session_id: The user's id of the session, the key of ``get_session``.
            **fields: Wire fields to set.

        Returns:
            The stored session, as the server sends it.

        Raises:
            ValueError: If the id is empty or already stored.
            TypeError: If a value cannot be written as JSON.
        """
        with self._lock:
            return self._store.sessions.add(session_id, fields)

    def add_user(self, user_id: str, **fields: Any) -> dict[str, Any]:
        """Store a user and return (a copy of) its stored dict.

        Like :meth:`add_session`: ``uuid``, ``id``, timestamps and
        ``project_uuid`` are filled in, ``fields`` override anything, and
        :data:`OMIT` leaves a key out. ``session_count`` is computed when sent.

        Raises:
            ValueError: If the id is empty or already stored.
            TypeError: If a value cannot be written as JSON.
        """
        with self._lock:
            return copy(self._store.users.add(user_id, fields))  # type: ignore[no-any-return]

    def add_messages(
        self, session_id: str, messages: Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """Append messages to a stored session, as ``POST .../memory`` would, unchecked.

        Each message is a mapping of wire fields (``content``, ``role_type``,
        ``role``, ``metadata``, ``uuid``, ...); ``uuid`` is generated unless
        given, ``created_at`` is the server's time. No limit is enforced here.

        Returns:
            Copies of the stored messages.

        Raises:
            KeyError: If no session has this id.
            ValueError: If a given uuid is already stored.
            TypeError: If a value cannot be written as JSON.
        """
        with self._lock:
            if session_id not in self._store.sessions:
                raise KeyError(session_id)
            return copy(self._store.messages.add(session_id, list(messages)))  # type: ignore[no-any-return]

    def messages(self, session_id: str) -> list[dict[str, Any]]:
        """Copies of a session's stored messages, oldest first (``[]`` for none)."""
        with self._lock:
            return copy(self._store.messages.of_session(session_id))  # type: ignore[no-any-return]

    def seed(self, count: int, *, seed: int = 0, copies: bool = True) -> list[dict[str, Any]]:
        """Add ``count`` realistic sample sessions, and the users they name.

        Ids are the row id padded to four digits (``session-0042``); users
        look like ``user-0042`` (a few sessions have none) and are stored too;
        metadata, classifications, facts and ended sessions are mixed in;
        timestamps carry 0 to 9 fractional digits and offsets such as
        ``-07:00``. ``created_at`` increases with the row id, as on the real
        server, so the default order (newest first) is also the order of
        creation. The same seed on the same store gives the same sessions.

        Args:
            count: How many sessions to add.
            seed: The seed of the random choices.
            copies: Return copies of the new sessions; ``False`` returns ``[]``
                and spares the memory of those copies (a large seed, as
                ``zep-async serve --seed 100000`` does).

        Returns:
            The new sessions, in creation order (``[]`` without ``copies``).
        """
        if count < 0:
            raise ValueError(f"count must be >= 0, got {count!r}")
        with self._lock:
            added = seed_sessions(self._store.sessions, self._store.users, count, seed)
            return [copy(data) for data in added] if copies else []

    def remove_session(self, session_id: str) -> None:
        """Delete a stored session and its messages.

        Raises:
            KeyError: If no session has this id.
        """
        with self._lock:
            self._store.delete_session(session_id)

    def remove_user(self, user_id: str) -> None:
        """Delete a stored user, its sessions and their messages.

        Raises:
            KeyError: If no user has this id.
        """
        with self._lock:
            self._store.delete_user(user_id)

    def clear(self) -> None:
        """Forget all data (row ids restart at 1), faults, requests and disconnects.

        Requests already stalled stay stalled; request ids keep counting up.
        """
        with self._lock:
            self._store.clear()
            self._faults.clear()
            self._log.clear()
            self._disconnects = 0

    @property
    def sessions(self) -> list[dict[str, Any]]:
        """Copies of the stored sessions, in row-id (creation) order."""
        with self._lock:
            return self._store.sessions.all()

    @property
    def users(self) -> list[dict[str, Any]]:
        """Copies of the stored users, in row-id (creation) order."""
        with self._lock:
            return self._store.users.all()
