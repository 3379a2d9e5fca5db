"""Realistic sample data for LocalZep: sessions, the users they name, timestamps in order.

Created times follow the row order (the real server's internal id is its
creation order), so the default order, by id, is also the order by
``created_at``. Not thread-safe on its own: LocalZep guards every call.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from ._store_sessions import SessionStore
from ._store_users import UserStore
from ._timestamps import format_go_timestamp, timestamp_sort_key

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
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The version (4) and variant (RFC 4122) bits of a random UUID.
_UUID_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_UUID_SET = (0x8000 << 48) | (0x4000 << 64)


def seed_sessions(
    sessions: SessionStore, users: UserStore, count: int, seed: int
) -> list[dict[str, Any]]:
    """Add ``count`` sample sessions (and the users they name); return the stored dicts.

    The same seed on the same store gives the same sessions. Each session's
    ``created_at`` is later than every session stored before it.
    """
    rng = random.Random(seed)
    user_count = max(1, count // 3)
    start = _after_newest(sessions)
    added = []
    for n in range(count):
        row = sessions.next_row
        # 37 minutes apart give or take 15: strictly increasing with the row id.
        created = start + timedelta(
            minutes=n * 37 + rng.randint(-15, 15),
            seconds=rng.randint(0, 59),
            microseconds=rng.choice((0, 0, rng.randrange(1000) * 1000, rng.randrange(10**6))),
        )
        updated = created + timedelta(seconds=rng.randint(0, 3 * 86400))
        zone = rng.choice(_ZONES)
        user_id = None if rng.random() < 0.1 else f"user-{rng.randrange(user_count):04d}"
        if user_id is not None and user_id not in users:
            users.add(user_id, _seed_user(rng, created - timedelta(minutes=1)), fresh=True)
        fields: dict[str, Any] = {
            "uuid": _uuid4(rng),
            "user_id": user_id,
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
        added.append(sessions.insert(f"session-{row:04d}", fields, fresh=True))
    return added


def _after_newest(sessions: SessionStore) -> datetime:
    """The seed's start: the fixed date for an empty store, else after the newest session."""
    newest = None
    for data in sessions.stored():
        moment = timestamp_sort_key(data.get("created_at"))
        if moment is not None and (newest is None or moment > newest):
            newest = moment
    if newest is None:
        return _SEED_START
    after = _EPOCH + timedelta(seconds=newest[0], minutes=30)
    return max(after, _SEED_START)


def _seed_user(rng: random.Random, created: datetime) -> dict[str, Any]:
    first = rng.choice(("Ada", "Jane", "Ravi", "Lena", "Tomás", "Mei", "Kwame"))
    last = rng.choice(("Lovelace", "Doe", "Iyer", "Berg", "García", "Chen", "Mensah"))
    stamp = format_go_timestamp(created)
    return {
        "uuid": _uuid4(rng),
        "email": f"{first.lower()}.{last.lower()}@example.com",
        "first_name": first,
        "last_name": last,
        "metadata": {"plan": rng.choice(("free", "pro", "enterprise"))},
        "created_at": stamp,
        "updated_at": stamp,
    }


def _uuid4(rng: random.Random) -> str:
    """``str(uuid.UUID(int=rng.getrandbits(128), version=4))``, without building the UUID."""
    bits = rng.getrandbits(128) & _UUID_CLEAR | _UUID_SET
    text = f"{bits:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


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
