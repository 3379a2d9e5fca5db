"""LocalZep's fact routes, and a user's facts and graph node.

Stand-ins, not Zep's graph: a fact is stored as given (``add_session_facts``,
or ``LocalZep.add_fact``), never extracted from messages, and unrated unless
given a rating; a user's facts are those of the user's sessions, oldest session
first; a user's node is made up from the user's record. The Community Edition
serves only ``GET`` and ``DELETE /facts/{uuid}``: a fact there carries only
``uuid``, ``created_at``, ``fact`` and ``rating`` (when set), and a delete
answers 200 with an empty body, as CE does.
"""

from __future__ import annotations

import math
import uuid
from typing import Any, Final

from ._http import Answer, ok
from ._routes_sessions import session_or_404
from ._routing import Call, Handler
from ._store import Store
from ._wire import ApiError

#: The most facts one ``add_session_facts`` request may carry here.
MAX_FACTS: Final = 100
#: The namespace of the made-up node uuids: the same user gets the same node.
_NODE_NAMESPACE: Final = uuid.UUID("8a4f3d2e-1c5b-4e6a-9f70-2b3c4d5e6f70")
_CE_FACT_KEYS: Final = ("uuid", "created_at", "fact")


def wire_fact(data: dict[str, Any], community: bool) -> dict[str, Any]:
    """The fact as each flavor sends it (``null`` fields left out)."""
    if community:
        out = {key: data.get(key) for key in _CE_FACT_KEYS}
        if data.get("rating") is not None:
            out["rating"] = data["rating"]
        return out
    return {key: value for key, value in data.items() if value is not None}


def _fact_or_404(store: Store, call: Call) -> dict[str, Any]:
    fact_uuid = call.params["fact_uuid"]
    try:
        uuid.UUID(fact_uuid)  # not a uuid: 404, as the server's uuid.Parse fails
    except ValueError:
        raise ApiError(404, "not found") from None
    data = store.facts.get(fact_uuid)
    if data is None:
        raise ApiError(404, "not found")
    return data


def get_fact(store: Store, call: Call) -> Answer:
    """GET /facts/{uuid}: ``{"fact": ...}``, or 404."""
    return ok({"fact": wire_fact(_fact_or_404(store, call), call.community)})


def delete_fact(store: Store, call: Call) -> Answer:
    """DELETE /facts/{uuid}: Cloud ``{"message": "OK"}``, CE an empty 200; or 404."""
    data = _fact_or_404(store, call)
    store.facts.remove(data["uuid"])
    if call.community:
        return 200, b"", {}
    return ok({"message": "OK"})


def _min_rating(call: Call) -> float | None:
    text = call.query.get("minRating")
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ApiError(400, "invalid value for minRating") from None
    if not math.isfinite(value):
        raise ApiError(400, "invalid value for minRating")
    return value


def _rated(facts: list[dict[str, Any]], least: float | None) -> list[dict[str, Any]]:
    """The facts rated at least ``least`` (an unrated fact counts as 0)."""
    if least is None:
        return facts
    return [fact for fact in facts if (fact.get("rating") or 0.0) >= least]


def get_session_facts(store: Store, call: Call) -> Answer:
    """GET /sessions/{id}/facts?minRating=: the session's facts, oldest first."""
    session_id = call.params["session_id"]
    least = _min_rating(call)
    session_or_404(store, session_id)
    facts = _rated(store.facts.of_session(session_id), least)
    return ok({"facts": [wire_fact(fact, False) for fact in facts]})


def add_session_facts(store: Store, call: Call) -> Answer:
    """POST /sessions/{id}/facts ``{"facts": [{"fact": ...}]}``: appended, ``{"message": "OK"}``."""
    session_id = call.params["session_id"]
    session_or_404(store, session_id)
    facts = call.obj().get("facts")
    if not isinstance(facts, list) or not facts:
        raise ApiError(400, "bad request: facts must be a non-empty list")
    if len(facts) > MAX_FACTS:
        raise ApiError(400, f"bad request: at most {MAX_FACTS} facts per request")
    texts = []
    for item in facts:
        text = item.get("fact") if isinstance(item, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "bad request: each fact needs a non-empty string fact")
        texts.append(text)
    for text in texts:
        store.facts.add(session_id, text, {})
    return ok({"message": "OK"})


def _user_or_404(store: Store, user_id: str) -> dict[str, Any]:
    data = store.users.get_json(user_id)
    if data is None:
        raise ApiError(404, "not found")
    return data


def get_user_facts(store: Store, call: Call) -> Answer:
    """GET /users/{id}/facts: the facts of the user's sessions, oldest session first."""
    user_id = call.params["user_id"]
    _user_or_404(store, user_id)
    facts = [
        wire_fact(fact, False)
        for session in store.sessions.of_user(user_id)
        for fact in store.facts.of_session(session["session_id"])
    ]
    return ok({"facts": facts})


def get_user_node(store: Store, call: Call) -> Answer:
    """GET /users/{id}/node: a node made up from the user's record, the same every time."""
    user_id = call.params["user_id"]
    user = _user_or_404(store, user_id)
    name = " ".join(p for p in (user.get("first_name"), user.get("last_name")) if p) or user_id
    sessions = sum(1 for _ in store.sessions.of_user(user_id))
    node = {
        "uuid": str(uuid.uuid5(_NODE_NAMESPACE, user_id)),
        "name": name,
        "summary": f"{name} is a user with {sessions} session{'' if sessions == 1 else 's'}.",
        "created_at": user.get("created_at"),
        "labels": ["Entity", "User"],
        "attributes": {"user_id": user_id},
    }
    return ok({"node": node})


HANDLERS: Final[dict[str, Handler]] = {
    "get_fact": get_fact,
    "delete_fact": delete_fact,
    "get_session_facts": get_session_facts,
    "add_session_facts": add_session_facts,
    "get_user_facts": get_user_facts,
    "get_user_node": get_user_node,
}
