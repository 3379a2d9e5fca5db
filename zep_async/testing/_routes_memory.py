"""LocalZep's memory and message routes (API-V2.md §3.8-3.14).

There is no language model here: ``context`` is the recent messages written
one per line, ``relevant_facts`` is always empty, and search is a plain word
match scored by the share of the query's words a message contains.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterable
from typing import Any, Final

from ._http import Answer, ok
from ._routes_sessions import session_or_404
from ._routing import NO_JSON, Call, Route
from ._store import Store
from ._store_messages import ROLE_TYPES
from ._wire import ApiError, merge_metadata

MAX_MESSAGES: Final = 30
MAX_CHARS: Final = 2500
DEFAULT_LASTN: Final = 6
_CE_UPDATED_AT: Final = "0001-01-01T00:00:00Z"
_WORD: Final = re.compile(r"\w+")
_REQUIRED: Final = (
    "Key: 'AddMemoryRequest.AddMemoryRequestCommon.Messages' Error:"
    "Field validation for 'Messages' failed on the 'required' tag"
)


def wire_message(data: dict[str, Any], community: bool) -> dict[str, Any]:
    """The message as each flavor sends it (CE: no ``processed``, year-1 ``updated_at``)."""
    if not community:
        return data
    out = {
        "uuid": data["uuid"],
        "created_at": data["created_at"],
        "updated_at": _CE_UPDATED_AT,
        "role": data.get("role") or "",
        "role_type": data.get("role_type"),
        "content": data.get("content"),
    }
    if data.get("metadata"):
        out["metadata"] = data["metadata"]
    out["token_count"] = data.get("token_count") or 0
    return out


def context_of(messages: Iterable[dict[str, Any]]) -> str:
    """The deterministic stand-in for Zep's context string: ``role: content`` per line."""
    return "\n".join(f"{m.get('role') or m.get('role_type')}: {m.get('content')}" for m in messages)


def _checked_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    messages = body.get("messages")
    if messages is None:
        raise ApiError(400, _REQUIRED)
    if not isinstance(messages, list):
        raise ApiError(400, "bad request: messages must be a list")
    if len(messages) > MAX_MESSAGES:
        raise ApiError(
            400,
            f"max messages per memory of {MAX_MESSAGES} exceeded. "
            "reduce the number of messages in your request",
        )
    fields = []
    for item in messages:
        if not isinstance(item, dict) or not isinstance(item.get("content"), str):
            raise ApiError(400, "bad request: each message needs a string content")
        if len(item["content"]) > MAX_CHARS:
            raise ApiError(400, f"message content exceeds {MAX_CHARS} characters")
    for item in messages:
        role_type = item.get("role_type")
        if not role_type:
            raise ApiError(400, "messages are required to have a RoleType")
        if role_type not in ROLE_TYPES:
            raise ApiError(400, f"bad request: invalid RoleType: {role_type}")
        if item.get("role") is not None and not isinstance(item["role"], str):
            raise ApiError(400, "bad request: role must be a string")
        if item.get("metadata") is not None and not isinstance(item["metadata"], dict):
            raise ApiError(400, "bad request: metadata must be a JSON object")
        if item.get("uuid") is not None and not isinstance(item["uuid"], str):
            raise ApiError(400, "bad request: uuid must be a string")
        kept = {
            k: item[k] for k in ("content", "role_type", "role", "metadata", "uuid") if k in item
        }
        if isinstance(item.get("token_count"), int):
            kept["token_count"] = item["token_count"]
        fields.append(kept)
    return fields


def add_memory(store: Store, call: Call) -> Answer:
    """POST /sessions/{id}/memory: append messages (Cloud: 404 for an unknown session)."""
    session_id = call.params["session_id"]
    session = store.sessions.get_json(session_id)
    if session is None and not call.community:
        raise ApiError(404, "not found")
    body = call.obj()
    messages = _checked_messages(body)
    if session is not None and session.get("ended_at") is not None:
        raise ApiError(409, "session ended: session has ended")
    if any(isinstance(m.get("uuid"), str) and store.messages.has_uuid(m["uuid"]) for m in messages):
        raise ApiError(400, "bad request: message_uuid already exists")
    if session is None:
        store.sessions.add(session_id, {})  # CE creates an unknown session on the spot
    try:
        store.messages.add(session_id, messages)
    except ValueError:
        raise ApiError(400, "bad request: message_uuid already exists") from None
    if call.community:
        return ok({"message": "OK"}, 201)
    if body.get("return_context") is True:
        recent = store.messages.of_session(session_id)[-DEFAULT_LASTN:]
        return ok({"context": context_of(recent)})
    return ok({})


def get_memory(store: Store, call: Call) -> Answer:
    """GET /sessions/{id}/memory: the last ``lastn`` messages, oldest first, and a context."""
    session_id = call.params["session_id"]
    lastn = call.int_query("lastn")
    if lastn is not None and lastn < 0:
        raise ApiError(400, "lastn cannot be negative")
    if not call.community and "minRating" in call.query:
        _finite(call.query["minRating"], "minRating")
    count = lastn or DEFAULT_LASTN
    if call.community:
        recent = store.messages.of_session(session_id)[-count:]
        return ok({"messages": [wire_message(m, True) for m in recent], "relevant_facts": []})
    session_or_404(store, session_id)
    recent = store.messages.of_session(session_id)[-count:]
    return ok({"context": context_of(recent), "messages": recent, "relevant_facts": []})


def _finite(text: str, name: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ApiError(400, f"invalid value for {name}") from None
    if not math.isfinite(value):
        raise ApiError(400, f"invalid value for {name}")
    return value


def get_session_messages(store: Store, call: Call) -> Answer:
    """GET /sessions/{id}/messages: ``cursor`` is a 1-based page number of ``limit`` messages."""
    session_id = call.params["session_id"]
    if call.community:
        limit = _lenient(call, "limit", 100)
        cursor = _lenient(call, "cursor", 1)
    else:
        session_or_404(store, session_id)
        limit = call.int_query("limit") or 0
        cursor = call.int_query("cursor") or 1
        if limit < 0 or cursor < 0:
            raise ApiError(400, "invalid value for " + ("limit" if limit < 0 else "cursor"))
    messages = store.messages.of_session(session_id)
    page = messages
    if limit > 0:
        offset = (max(cursor, 1) - 1) * limit
        page = messages[offset : offset + limit]
    total = len(messages) if page or not call.community else 0
    return ok(
        {
            "messages": [wire_message(m, call.community) for m in page],
            "total_count": total,
            "row_count": len(page),
        }
    )


def _lenient(call: Call, name: str, fallback: int) -> int:
    try:
        return call.int_query(name) or 0
    except ApiError:
        return fallback


def _message_or_404(store: Store, call: Call) -> dict[str, Any]:
    session_id, message_uuid = call.params["session_id"], call.params["message_uuid"]
    if not call.community:
        session_or_404(store, session_id)
    try:
        uuid.UUID(message_uuid)
    except ValueError:
        raise ApiError(400, f"unable to parse UUID: {message_uuid}") from None
    data = store.messages.get(session_id, message_uuid)
    if data is None:
        raise ApiError(404, "no message found for UUID")
    return data


def get_session_message(store: Store, call: Call) -> Answer:
    """GET /sessions/{id}/messages/{uuid}: one message of that session."""
    return ok(wire_message(_message_or_404(store, call), call.community))


def update_message_metadata(store: Store, call: Call) -> Answer:
    """PATCH /sessions/{id}/messages/{uuid}: merge metadata (``system`` dropped)."""
    if call.community and (call.json is NO_JSON or not isinstance(call.json, dict)):
        raise ApiError(400, "invalid request body\n", plain=True)
    body = call.obj()
    metadata = body.get("metadata")
    if not isinstance(metadata, dict):
        raise ApiError(400, "bad request: metadata must be a JSON object")
    data = _message_or_404(store, call)
    data["metadata"] = merge_metadata(data.get("metadata"), metadata, drop_system=True)
    data["updated_at"] = store.clock.now()
    return ok(wire_message(data, call.community))


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.casefold()))


def _score(query: set[str], content: object) -> float:
    if not query or not isinstance(content, str):
        return 0.0
    return len(query & _words(content)) / len(query)


def _search_options(call: Call) -> tuple[int | None, float]:
    limit = call.int_query("limit")
    if limit is not None and limit < 0:
        raise ApiError(400, "limit cannot be negative")
    body = call.obj() if call.body.strip() else {}
    min_score = body.get("min_score")
    if min_score is not None and (
        isinstance(min_score, bool) or not isinstance(min_score, int | float)
    ):
        raise ApiError(400, "bad request: min_score must be a number")
    return limit or None, float(min_score or 0.0)


def search_memory(store: Store, call: Call) -> Answer:
    """POST /sessions/{id}/search (Cloud only): messages scored by shared words, best first."""
    session_id = call.params["session_id"]
    session_or_404(store, session_id)
    limit, min_score = _search_options(call)
    body = call.obj() if call.body.strip() else {}
    text = body.get("text")
    if text is not None and not isinstance(text, str):
        raise ApiError(400, "bad request: text must be a string")
    if body.get("search_scope") not in (None, "messages"):
        return ok([])  # no summaries or facts here
    query = _words(text or "")
    scored = [
        (_score(query, m.get("content")), i, m)
        for i, m in enumerate(store.messages.of_session(session_id))
    ]
    hits = sorted(
        (s for s in scored if s[0] > 0 and s[0] >= min_score), key=lambda s: (-s[0], s[1])
    )
    return ok([{"message": m, "score": s} for s, _, m in hits[:limit]])


def search_sessions(store: Store, call: Call) -> Answer:
    """POST /sessions/search: messages of the chosen sessions scored by shared words."""
    limit, min_score = _search_options(call)
    body = call.obj()
    text = body.get("text")
    if not isinstance(text, str) or not text:
        raise ApiError(400, "bad request: text is required")
    if not call.community and len(text) > 256:
        raise ApiError(400, "bad request: text must be at most 256 characters")
    user_id, session_ids = body.get("user_id"), body.get("session_ids")
    if session_ids is not None and (
        not isinstance(session_ids, list) or not all(isinstance(s, str) for s in session_ids)
    ):
        raise ApiError(400, "bad request: session_ids must be a list of strings")
    if call.community:
        return ok({"results": []})  # CE searches graph facts only; there are none here
    chosen: list[str] = list(session_ids or [])
    if isinstance(user_id, str):
        chosen += [s["session_id"] for s in store.sessions.of_user(user_id)]
    if session_ids is None and user_id is None:
        chosen = [s["session_id"] for s in store.sessions.all()]
    query = _words(text)
    results: list[tuple[float, int, dict[str, Any]]] = []
    for session_id in dict.fromkeys(chosen):
        for message in store.messages.of_session(session_id):
            score = _score(query, message.get("content"))
            if score > 0 and score >= min_score:
                entry = {"message": message, "score": score, "session_id": session_id}
                results.append((score, len(results), entry))
    results.sort(key=lambda r: (-r[0], r[1]))
    return ok({"results": [entry for _, _, entry in results[:limit]]})


#: This module's routes (``_routes`` joins every module's into LocalZep's table).
ROUTES: Final = (
    Route("POST", "/sessions/{sessionId}/memory", add_memory),
    Route("GET", "/sessions/{sessionId}/memory", get_memory),
    Route("GET", "/sessions/{sessionId}/messages", get_session_messages),
    Route("GET", "/sessions/{sessionId}/messages/{messageUUID}", get_session_message),
    Route("PATCH", "/sessions/{sessionId}/messages/{messageUUID}", update_message_metadata),
    Route("POST", "/sessions/{sessionId}/search", search_memory, cloud_only=True),
    Route("POST", "/sessions/search", search_sessions),
)
