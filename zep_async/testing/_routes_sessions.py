"""LocalZep's session routes: create, read, list, update, delete, end (API-V2.md §3.1-3.7)."""

from __future__ import annotations

import re
from typing import Any, Final

from ._http import Answer, ok
from ._routing import Call, Route
from ._store import Store
from ._store_sessions import ORDER_FIELDS
from ._wire import ApiError, merge_metadata

_DIGITS: Final = re.compile(r"[0-9]{1,19}", re.ASCII)
_INT64_MAX: Final = 2**63 - 1


def session_or_404(store: Store, session_id: str) -> dict[str, Any]:
    """Return the stored session, or refuse with 404 ``not found``."""
    data = store.sessions.get_json(session_id)
    if data is None:
        raise ApiError(404, "not found")
    return data


def _check_metadata(body: dict[str, Any], name: str = "metadata") -> Any:
    value = body.get(name)
    if value is not None and not isinstance(value, dict):
        raise ApiError(400, f"bad request: {name} must be a JSON object")
    return value


def _check_user_id(value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ApiError(400, "bad request: user_id must be a string")
    return value


def add_session(store: Store, call: Call) -> Answer:
    """POST /sessions: 201 and the new session."""
    body = call.obj()
    user_id = _check_user_id(body.get("user_id"))
    if user_id and user_id not in store.users:
        raise ApiError(400, "user not found")
    session_id = body.get("session_id")
    if session_id is not None and not isinstance(session_id, str):
        raise ApiError(400, "bad request: session_id must be a string")
    if not session_id:
        raise ApiError(400, "bad request: sessionID cannot be empty")
    if session_id in store.sessions:
        raise ApiError(400, f"bad request: session already exists with session_id: {session_id}")
    if user_id == "":
        raise ApiError(400, "bad request: user does not exist with user_id: ")
    fields: dict[str, Any] = {"user_id": user_id, "metadata": _check_metadata(body)}
    if not call.community and body.get("fact_rating_instruction") is not None:
        fields["fact_rating_instruction"] = body["fact_rating_instruction"]
    return ok(store.sessions.add(session_id, fields), 201)


def get_session(store: Store, call: Call) -> Answer:
    """GET /sessions/{id}: the session, or 404."""
    return ok(session_or_404(store, call.params["session_id"]))


def list_sessions(store: Store, call: Call) -> Answer:
    """GET /sessions-ordered: one page, newest first unless told otherwise."""
    if call.community:
        page_number = call.int_query("pageNumber") or 1
        size = call.int_query("pageSize")
        page_size = size if size is not None and size > 0 else None
        page_number = max(page_number, 1)
    else:
        page_number = _positive(call, "page_number", 1)
        page_size = _positive(call, "page_size", call.default_page_size)
    order_by = call.query.get("order_by")
    if order_by is not None and order_by not in ORDER_FIELDS:
        raise ApiError(400, "invalid value for order_by")
    asc_text = call.query.get("asc", "false")
    if asc_text not in ("true", "false"):
        raise ApiError(400, "invalid value for asc")
    page = store.sessions.page(
        page_number=page_number, page_size=page_size, order_by=order_by, asc=asc_text == "true"
    )
    return ok(page)


def _positive(call: Call, name: str, default: int) -> int:
    text = call.query.get(name)
    if text is None:
        return default
    # At most 19 digits: never int() a huge string (and Go's int64 ends there).
    if not _DIGITS.fullmatch(text) or not 1 <= int(text) <= _INT64_MAX:
        raise ApiError(400, f"invalid value for {name}")
    return int(text)


def update_session(store: Store, call: Call) -> Answer:
    """PATCH /sessions/{id}: merge metadata (``system`` dropped); 409 once ended."""
    data = session_or_404(store, call.params["session_id"])
    body = call.obj()
    metadata = _check_metadata(body)
    if data.get("ended_at") is not None:
        raise ApiError(409, "session ended: session has ended")
    data["metadata"] = merge_metadata(data.get("metadata"), metadata, drop_system=True)
    if not call.community and body.get("fact_rating_instruction") is not None:
        data["fact_rating_instruction"] = body["fact_rating_instruction"]
    store.sessions.change(data, updated_at=store.clock.now())
    return ok(data)


def delete_session(store: Store, call: Call) -> Answer:
    """DELETE /sessions/{id}/memory: the session and its messages; 404 after."""
    session_id = call.params["session_id"]
    session_or_404(store, session_id)
    store.delete_session(session_id)
    return ok({"message": "OK"})


def end_session(store: Store, call: Call) -> Answer:
    """POST /sessions/{id}/end (Cloud only): set ``ended_at``; classify deterministically."""
    session_id = call.params["session_id"]
    data = session_or_404(store, session_id)
    body = call.obj() if call.body.strip() else {}
    classification = None
    classify = body.get("classify")
    if classify is not None:
        classification = _classify(store, session_id, classify)
    if data.get("ended_at") is None:
        now = store.clock.now()
        store.sessions.change(data, ended_at=now, updated_at=now)
    return ok({"classification": classification, "session": data})


def _classify(store: Store, session_id: str, classify: object) -> dict[str, Any]:
    """Pick the class named most often in the last ``last_n`` messages (first on a tie)."""
    if not isinstance(classify, dict):
        raise ApiError(400, "bad request: classify must be a JSON object")
    classes, name = classify.get("classes"), classify.get("name")
    if not isinstance(classes, list) or not classes or not all(isinstance(c, str) for c in classes):
        raise ApiError(400, "bad request: classify.classes must be a non-empty list of strings")
    if not isinstance(name, str) or not name:
        raise ApiError(400, "bad request: classify.name is required")
    last_n = classify.get("last_n", 4)
    if isinstance(last_n, bool) or not isinstance(last_n, int) or last_n < 1:
        last_n = 4
    recent = store.messages.of_session(session_id)[-last_n:]
    text = " ".join(str(m.get("content", "")) for m in recent).casefold()
    best = max(classes, key=lambda c: (text.count(c.casefold()), -classes.index(c)))
    return {"class": best, "label": name}


def end_sessions(store: Store, call: Call) -> Answer:
    """POST /sessions/end (Cloud only): end every listed session, or none if one is unknown."""
    body = call.obj()
    ids = body.get("session_ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ApiError(400, "bad request: session_ids must be a list of strings")
    sessions = [session_or_404(store, session_id) for session_id in ids]
    for data in sessions:
        if data.get("ended_at") is None:
            now = store.clock.now()
            store.sessions.change(data, ended_at=now, updated_at=now)
    return ok({"sessions": sessions})


#: This module's routes (``_routes`` joins every module's into LocalZep's table).
ROUTES: Final = (
    Route("POST", "/sessions", add_session),
    Route("GET", "/sessions/{sessionId}", get_session),
    Route("GET", "/sessions-ordered", list_sessions),
    Route("PATCH", "/sessions/{sessionId}", update_session),
    Route("DELETE", "/sessions/{sessionId}/memory", delete_session),
    Route("POST", "/sessions/{sessionId}/end", end_session, cloud_only=True),
    Route("POST", "/sessions/end", end_sessions, cloud_only=True),
)
