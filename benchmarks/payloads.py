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


#: What the write benchmarks send: a new session, and a turn of 6 messages.
NEW_SESSION = {
    "session_id": "bench-session-new",
    "user_id": "user-00042",
    "metadata": {"channel": "support", "priority": 1},
}
_LINES = [
    "Hi, I was charged twice for order 88231 last week.",
    "Sorry to hear that! Let me look up the order for you.",
    "Thanks. The second charge shows as pending on my card.",
    "I can see both charges. I've refunded the duplicate; it takes 3-5 business days.",
    "Great, will I get an email confirmation?",
    "Yes, a confirmation goes to the address on your account within the hour.",
]


def turn() -> list[dict[str, object]]:
    """Six messages as ``memory.add`` sends them (content, role_type and role)."""
    return [
        {"content": text, "role_type": "user" if i % 2 == 0 else "assistant",
         "role": "Jane" if i % 2 == 0 else "Support"}
        for i, text in enumerate(_LINES)
    ]  # fmt: skip


def message(index: int) -> dict[str, object]:
    """The message with index ``index``, as the server returns it (about 330 bytes)."""
    return {
        "uuid": f"7a1d3c2e-{index >> 16 & 0xFFFF:04x}-4b8e-8f0a-{index:012x}",
        "created_at": _stamp(index, 12, "Z"),
        "updated_at": _stamp(index, 13, "Z"),
        "role": "Jane" if index % 2 == 0 else "Support",
        "role_type": "user" if index % 2 == 0 else "assistant",
        "content": _LINES[index % len(_LINES)],
        "metadata": {"channel": "support"},
        "token_count": 0,
    }


def user(index: int) -> dict[str, object]:
    """The user with row id ``index`` (about 400 bytes as JSON)."""
    return {
        "uuid": f"3e9b1f7a-{index >> 16 & 0xFFFF:04x}-4c2d-8e5f-{index:012x}",
        "id": index,
        "created_at": _stamp(index, 21, "Z"),
        "updated_at": _stamp(index, 22, "Z"),
        "deleted_at": None,
        "user_id": f"user-{index:05d}",
        "email": f"user{index}@example.com",
        "first_name": "Jane",
        "last_name": "Smith",
        "project_uuid": "0b7e8d55-4c1f-4e2a-a9d1-3f6e2c9b8a70",
        "metadata": {"plan": "pro", "region": "eu"},
        "session_count": index % 7,
    }


def _compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def messages_text(count: int, start: int = 0, total: int | None = None) -> str:
    """A MessageListResponse of ``count`` messages from index ``start``, of ``total``."""
    items = ",".join(_compact(message(start + i + 1)) for i in range(count))
    total = count if total is None else total
    return f'{{"messages":[{items}],"total_count":{total},"row_count":{count}}}'


def users_text(count: int, total: int) -> str:
    """A UserListResponse of the first ``count`` users of ``total``."""
    items = ",".join(_compact(user(i + 1)) for i in range(count))
    return f'{{"users":[{items}],"total_count":{total},"row_count":{count}}}'


def _facts() -> list[dict[str, object]]:
    return [
        {
            "uuid": f"9c4e2b1a-0000-4d3c-8b2a-{i:012x}",
            "content": fact,
            "fact": fact,
            "created_at": _stamp(i, 30, "Z"),
            "name": "PREFERS",
            "rating": 0.8,
            "valid_at": _stamp(i, 31, "Z"),
            "source_node_name": "Jane",
            "target_node_name": "email",
        }
        for i, fact in enumerate([*_FACTS, "Was charged twice for order 88231."])
    ]


#: The facts a session has, as ``memory.add_session_facts`` sends them (issue 26).
NEW_FACTS = [{"fact": "Prefers e-mail over phone."}, {"fact": "Lives in Berlin."}]


def facts_text() -> str:
    """The FactsResponse ``memory.get_session_facts`` returns: three facts."""
    return _compact({"facts": _facts()})


def memory_text(count: int = 6) -> str:
    """The Memory ``memory.get`` returns: context, the last ``count`` messages, three facts."""
    facts = _facts()
    return _compact(
        {
            "context": "FACTS and ENTITIES represent relevant context to this conversation.\n"
            + "\n".join(f"  - {f['fact']} ({f['created_at']} - present)" for f in facts),
            "messages": [message(i + 1) for i in range(count)],
            "relevant_facts": facts,
        }
    )


def messages_body(count: int) -> bytes:
    """One MessageListResponse of ``count`` messages, for the in-process decoding benchmark."""
    return messages_text(count).encode()
