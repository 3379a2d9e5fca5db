"""The in-memory session store of LocalZep, and its sample data.

Sessions are kept as plain wire JSON dicts, exactly what the server sends. The
store is not thread-safe on its own: LocalZep guards every call with its lock.
"""

from __future__ import annotations

import enum
import json
import random
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final

from ._timestamps import format_go_timestamp, timestamp_sort_key


class _Omit(enum.Enum):
    OMIT = "OMIT"

    def __repr__(self) -> str:
        return "OMIT"


#: Pass as a field value to ``LocalZep.add_session`` to leave that key out of the
#: stored session entirely (to test that a client copes with a missing field).
OMIT: Final = _Omit.OMIT

#: The ``project_uuid`` every session gets unless told otherwise.
PROJECT_UUID: Final = "5d1e7a2c-6b0f-4c3e-9a8d-2f4b6c8e0a13"

TIMESTAMP_FIELDS: Final = ("created_at", "updated_at", "deleted_at", "ended_at")
ORDER_FIELDS: Final = ("created_at", "updated_at", "user_id", "session_id")

_TOPICS = ("billing", "onboarding", "support", "feedback", "sales", "bug-report", "renewal")
_CHANNELS = ("web", "slack", "email", "api", "mobile")
_INTENTS = ("question", "complaint", "purchase", "cancellation", "praise")
_SENTIMENTS = ("positive", "neutral", "negative")
_FACTS = (
    "The user prefers email over phone calls.",
    "The user is on the annual plan.",
    "The user reported a login problem last week.",
    "The user works in the Berlin office.",
    "The user asked for an invoice in EUR.",
)
_ZONES = (
    UTC,
    UTC,
    timezone(-timedelta(hours=7)),
    timezone(timedelta(hours=5, minutes=30)),
    timezone(timedelta(hours=2)),
    timezone(-timedelta(hours=3)),
)
_SEED_START = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)


def _to_wire(name: str, value: Any) -> Any:
    if name in TIMESTAMP_FIELDS and isinstance(value, datetime):
        return format_go_timestamp(value)
    return value


class SessionStore:
    """Sessions by ``session_id``, in row-id (creation) order."""

    def __init__(self) -> None:
        """Create an empty store."""
        self._rows: dict[str, tuple[int, dict[str, Any]]] = {}
        self._next_row = 1
        self._last_now = datetime.min.replace(tzinfo=UTC)

    def __len__(self) -> int:
        """Return the number of stored sessions."""
        return len(self._rows)

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
        # Default timestamps strictly increase, even if the clock steps back.
        self._last_now = max(datetime.now(UTC), self._last_now + timedelta(microseconds=1))
        now = format_go_timestamp(self._last_now)
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
        for name, value in fields.items():
            if value is OMIT:
                data.pop(name, None)
            else:
                data[name] = _to_wire(name, value)
        try:
            stored = json.loads(json.dumps(data, allow_nan=False))
        except (TypeError, ValueError) as error:
            raise TypeError(f"session fields must be JSON values: {error}") from None
        self._rows[session_id] = (row, stored)
        self._next_row += 1
        return json.loads(json.dumps(stored))  # type: ignore[no-any-return]

    def remove(self, session_id: str) -> None:
        """Delete one session.

        Raises:
            KeyError: If no session has this id.
        """
        del self._rows[session_id]

    def all(self) -> list[dict[str, Any]]:
        """Return copies of every session, in row-id order."""
        return [json.loads(json.dumps(data)) for _, data in self._rows.values()]

    def get_json(self, session_id: str) -> Any | None:
        """Return the stored wire dict itself (not a copy), or ``None``."""
        entry = self._rows.get(session_id)
        return None if entry is None else entry[1]

    def page(
        self, *, page_number: int, page_size: int, order_by: str | None, asc: bool
    ) -> dict[str, Any]:
        """Return one SessionListResponse body (sharing the stored dicts).

        Without ``order_by`` the order is the row id; ties are broken by row id
        in the same direction, and a missing value sorts before any value.
        """
        entries = list(self._rows.values())
        key: Callable[[tuple[int, dict[str, Any]]], tuple[Any, ...]]
        if order_by is None:
            key = _by_row
        elif order_by in ("created_at", "updated_at"):
            key = _by_time(order_by)
        else:
            key = _by_text(order_by)
        entries.sort(key=key, reverse=not asc)
        offset = (page_number - 1) * page_size
        sessions = [data for _, data in entries[offset : offset + page_size]]
        return {
            "sessions": sessions,
            "total_count": len(entries),
            "response_count": len(sessions),
        }

    def seed(self, count: int, seed: int) -> list[dict[str, Any]]:
        """Add ``count`` realistic sessions, the same ones for the same seed and store.

        Returns:
            Copies of the new sessions' wire dicts, in creation order.
        """
        rng = random.Random(seed)
        users = max(1, count // 3)
        added = []
        for n in range(count):
            row = self._next_row
            created = _SEED_START + timedelta(
                minutes=n * 37 + rng.randint(-90, 90),
                seconds=rng.randint(0, 59),
                microseconds=rng.choice((0, 0, rng.randrange(1000) * 1000, rng.randrange(10**6))),
            )
            updated = created + timedelta(seconds=rng.randint(0, 3 * 86400))
            zone = rng.choice(_ZONES)
            fields: dict[str, Any] = {
                "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "user_id": None if rng.random() < 0.1 else f"user-{rng.randrange(users):04d}",
                "created_at": _seed_time(created.astimezone(zone), rng),
                "updated_at": _seed_time(updated.astimezone(zone), rng),
                "metadata": _seed_metadata(rng),
            }
            if rng.random() < 0.3:
                ended = updated + timedelta(minutes=rng.randint(1, 600))
                fields["ended_at"] = _seed_time(ended.astimezone(zone), rng)
            if rng.random() < 0.4:
                fields["classifications"] = {
                    "intent": rng.choice(_INTENTS),
                    "sentiment": rng.choice(_SENTIMENTS),
                }
            if rng.random() < 0.15:
                fields["facts"] = rng.sample(_FACTS, rng.randint(1, 3))
            if rng.random() < 0.1:
                fields["fact_rating_instruction"] = {
                    "instruction": "Rate facts by how much they help resolve billing issues.",
                    "examples": {
                        "high": "The user was charged twice in March.",
                        "medium": "The user pays by credit card.",
                        "low": "The user likes cats.",
                    },
                }
            added.append(self.add(f"session-{row:04d}", fields))
        return added


def _seed_time(moment: datetime, rng: random.Random) -> str:
    # One in four timestamps carries all nine fractional digits.
    nanos = rng.randint(1, 999) if rng.random() < 0.25 else None
    return format_go_timestamp(moment, nanos)


def _seed_metadata(rng: random.Random) -> dict[str, Any] | None:
    draw = rng.random()
    if draw < 0.15:
        return None
    if draw < 0.25:
        return {}
    return {
        "topic": rng.choice(_TOPICS),
        "channel": rng.choice(_CHANNELS),
        "priority": rng.randint(1, 5),
        "tags": rng.sample(_TOPICS, rng.randint(0, 2)),
    }


def _by_row(entry: tuple[int, dict[str, Any]]) -> tuple[Any, ...]:
    return (entry[0],)


def _by_time(field: str) -> Callable[[tuple[int, dict[str, Any]]], tuple[Any, ...]]:
    def key(entry: tuple[int, dict[str, Any]]) -> tuple[Any, ...]:
        moment = timestamp_sort_key(entry[1].get(field))
        return (0, (0, 0), entry[0]) if moment is None else (1, moment, entry[0])

    return key


def _by_text(field: str) -> Callable[[tuple[int, dict[str, Any]]], tuple[Any, ...]]:
    def key(entry: tuple[int, dict[str, Any]]) -> tuple[Any, ...]:
        value = entry[1].get(field)
        if value is None:
            return (0, "", entry[0])
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        return (1, text, entry[0])

    return key
