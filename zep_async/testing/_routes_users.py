"""LocalZep's user routes: create, read, update, delete, list, a user's sessions (§3.15-3.20)."""

from __future__ import annotations

from typing import Any, Final

from ._http import Answer, ok
from ._routing import Call, Route
from ._store import Store
from ._wire import ApiError, merge_metadata

_TEXT_FIELDS: Final = ("email", "first_name", "last_name")


def wire_user(store: Store, data: dict[str, Any], community: bool) -> dict[str, Any]:
    """The user as each flavor sends it, with ``session_count`` (CE leaves out empties)."""
    count = store.sessions.count_of_user(data["user_id"])
    if not community:
        return {**data, "session_count": count}
    out = {k: v for k, v in data.items() if k != "fact_rating_instruction"}
    for name in (*_TEXT_FIELDS, "metadata"):
        if not out.get(name):
            out.pop(name, None)
    if count:
        out["session_count"] = count
    return out


def _user_or_404(store: Store, user_id: str) -> dict[str, Any]:
    data = store.users.get_json(user_id)
    if data is None:
        raise ApiError(404, "not found")
    return data


def _checked(body: dict[str, Any]) -> dict[str, Any]:
    for name in _TEXT_FIELDS:
        if body.get(name) is not None and not isinstance(body[name], str):
            raise ApiError(400, f"bad request: {name} must be a string")
    if body.get("metadata") is not None and not isinstance(body["metadata"], dict):
        raise ApiError(400, "bad request: metadata must be a JSON object")
    return body


def add_user(store: Store, call: Call) -> Answer:
    """POST /users: 201 and the new user; 400 for an empty id or a duplicate."""
    body = _checked(call.obj())
    user_id = body.get("user_id")
    if user_id is not None and not isinstance(user_id, str):
        raise ApiError(400, "bad request: user_id must be a string")
    if not user_id:
        raise ApiError(400, "bad request: UserID cannot be empty")
    if user_id in store.users:
        raise ApiError(400, f"bad request: user already exists with user_id: {user_id}")
    fields = {name: body.get(name) for name in (*_TEXT_FIELDS, "metadata")}
    if not call.community and body.get("fact_rating_instruction") is not None:
        fields["fact_rating_instruction"] = body["fact_rating_instruction"]
    data = store.users.add(user_id, fields)
    return ok(wire_user(store, data, call.community), 201)


def get_user(store: Store, call: Call) -> Answer:
    """GET /users/{id}: the user, or 404."""
    data = _user_or_404(store, call.params["user_id"])
    return ok(wire_user(store, data, call.community))


def update_user(store: Store, call: Call) -> Answer:
    """PATCH /users/{id}: empty strings change nothing; metadata merged, ``system`` kept."""
    data = _user_or_404(store, call.params["user_id"])
    body = _checked(call.obj())
    for name in _TEXT_FIELDS:
        if body.get(name):
            data[name] = body[name]
    data["metadata"] = merge_metadata(data.get("metadata"), body.get("metadata"), drop_system=False)
    if not call.community and body.get("fact_rating_instruction") is not None:
        data["fact_rating_instruction"] = body["fact_rating_instruction"]
    data["updated_at"] = store.clock.now()
    return ok(wire_user(store, data, call.community))


def delete_user(store: Store, call: Call) -> Answer:
    """DELETE /users/{id}: the user, its sessions and their messages."""
    user_id = call.params["user_id"]
    _user_or_404(store, user_id)
    store.delete_user(user_id)
    return ok({"message": "OK"})


def list_users(store: Store, call: Call) -> Answer:
    """GET /users-ordered: ``pageNumber``/``pageSize`` (camelCase), newest first."""
    page_number = max(call.int_query("pageNumber") or 1, 1)
    size = call.int_query("pageSize")
    page = store.users.row_page(
        page_number, size if size is not None and size > 0 else None, newest_first=True
    )
    return ok(
        {
            "users": [wire_user(store, data, call.community) for data in page],
            "total_count": len(store.users),
            "row_count": len(page),
        }
    )


def get_user_sessions(store: Store, call: Call) -> Answer:
    """GET /users/{id}/sessions: a bare array, ``[]`` for an unknown user."""
    sessions = list(store.sessions.of_user(call.params["user_id"]))
    if call.community:
        sessions = [{**data, "id": 0} for data in sessions]
    return ok(sessions)


#: This module's routes (``_routes`` joins every module's into LocalZep's table).
ROUTES: Final = (
    Route("POST", "/users", add_user),
    Route("GET", "/users/{userId}", get_user),
    Route("PATCH", "/users/{userId}", update_user),
    Route("DELETE", "/users/{userId}", delete_user),
    Route("GET", "/users-ordered", list_users),
    Route("GET", "/users/{userId}/sessions", get_user_sessions),
)
