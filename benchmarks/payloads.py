"""The JSON the benchmark server sends: realistic sessions, deterministic per index."""

from __future__ import annotations

import json

#: The session id every ``get_session`` benchmark asks for.
SESSION_ID = "bench-session-000042"

_FACTS = [
    "Prefers contact by email.",
    "Order 88231 was refunded.",
]
_RATING = {
    "instruction": "Rate by billing relevance.",
    "examples": {"high": "Refund issued", "medium": "Prefers email", "low": "Likes blue"},
}


def _stamp(index: int, second: int, offset: str) -> str:
    """An RFC 3339 timestamp with nine fractional digits, as the Go server writes them."""
    nanos = (index * 7_919 + second * 104_729) % 1_000_000_000 or 1
    day = 1 + index % 28
    return f"2024-08-{day:02d}T18:25:{second:02d}.{nanos:09d}{offset}"


def session(index: int, session_id: str | None = None) -> dict[str, object]:
    """The session with row id ``index`` (about 600 bytes as JSON)."""
    return {
        "uuid": f"5f0c8a1e-{index >> 16 & 0xFFFF:04x}-4a7b-9c3d-{index:012x}",
        "id": index,
        "session_id": session_id if session_id is not None else f"bench-session-{index:06d}",
        "user_id": f"user-{index % 977:05d}",
        "created_at": _stamp(index, 43, "Z"),
        "updated_at": _stamp(index, 51, "+02:00"),
        "deleted_at": None,
        "ended_at": None,
        "metadata": {"channel": "support", "priority": index % 3, "tags": ["billing", "refund"]},
        "classifications": {"intent": "refund", "sentiment": "neutral"},
        "facts": _FACTS,
        "fact_rating_instruction": _RATING,
        "project_uuid": "0b7e8d55-4c1f-4e2a-a9d1-3f6e2c9b8a70",
    }


def session_text(index: int, session_id: str | None = None) -> str:
    """``session(index)`` serialised compactly."""
    return json.dumps(session(index, session_id), separators=(",", ":"))


def page_text(items: list[str], total: int) -> str:
    """A SessionListResponse around already-serialised sessions."""
    return f'{{"sessions":[{",".join(items)}],"total_count":{total},"response_count":{len(items)}}}'


def page_body(size: int) -> bytes:
    """One page of ``size`` distinct sessions, for the in-process decoding benchmarks."""
    return page_text([session_text(i + 1) for i in range(size)], size).encode()
