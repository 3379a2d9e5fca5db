"""LocalZep's Cloud routes that read a session's dialog: classify, extract, summary, question.

There is no language model here; each answer is a deterministic stand-in,
computed from the session's latest messages (docs/testing.md):

- ``classify``: the first class named, as a whole word, in the latest ``last_n``
  (default 4) messages, else the first class; stored in the session's
  ``classifications`` under ``name`` unless ``persist`` is false.
- ``extract``: for each field of the schema (its JSON Schema ``properties``, else its
  top-level keys), the text after ``<field>:`` or ``<field> is`` (underscores
  read as spaces, any case) in the latest message of the latest ``last_n`` that
  has one, up to the end of the line or sentence; fields not found are left out.
- ``summary``: one summary of the latest 6 messages, ``role: content`` per line;
  none for a session without messages.
- ``synthesize_question``: the last message as a question (``lastNMessages``
  is checked, not used).
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any, Final

from ._http import Answer, ok
from ._routes_memory import context_of
from ._routes_sessions import session_or_404
from ._routing import Call, Handler
from ._store import Store
from ._wire import ApiError

DEFAULT_CLASSIFY_LASTN: Final = 4
#: The most schema fields one extraction reads here (each is a scan of the messages).
MAX_FIELDS: Final = 100
SUMMARY_LASTN: Final = 6
_SUMMARY_NAMESPACE: Final = uuid.UUID("0f1e2d3c-4b5a-4697-8877-665544332211")
_VALUE_END: Final = re.compile(r"[.;,!?\n]")


def _last_n(body: dict[str, Any], *, default: int | None) -> int:
    value = body.get("last_n")
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ApiError(400, "bad request: last_n must be a whole number >= 1")
    return value


def classify_session(store: Store, call: Call) -> Answer:
    """POST /sessions/{id}/classify: ``{"class": ..., "label": name}``."""
    session_id = call.params["session_id"]
    session = session_or_404(store, session_id)
    body = call.obj()
    classes, name = body.get("classes"), body.get("name")
    if not isinstance(classes, list) or not classes or not all(isinstance(c, str) for c in classes):
        raise ApiError(400, "bad request: classes must be a non-empty list of strings")
    if not isinstance(name, str) or not name:
        raise ApiError(400, "bad request: name is required")
    recent = store.messages.of_session(session_id)[-_last_n(body, default=DEFAULT_CLASSIFY_LASTN) :]
    words = {w.lower() for m in recent for w in re.findall(r"\w+", str(m.get("content") or ""))}
    chosen = next((c for c in classes if c.lower() in words), classes[0])
    if body.get("persist") is not False:
        session["classifications"] = {**(session.get("classifications") or {}), name: chosen}
    return ok({"class": chosen, "label": name})


def _schema_fields(text: object) -> list[str]:
    if not isinstance(text, str):
        raise ApiError(400, "bad request: model_schema is required")
    try:
        schema = json.loads(text)
    except ValueError:
        raise ApiError(400, "bad request: model_schema is not valid JSON") from None
    if not isinstance(schema, dict):
        raise ApiError(400, "bad request: model_schema must be a JSON object")
    properties = schema.get("properties")
    fields = list(properties if isinstance(properties, dict) else schema)
    if len(fields) > MAX_FIELDS:
        raise ApiError(400, f"bad request: model_schema has over {MAX_FIELDS} fields")
    return fields


def _found(field: str, contents: list[str]) -> str | None:
    label = re.escape(field.replace("_", " ")).replace(r"\ ", r"[ _]")
    pattern = re.compile(rf"\b{label}\s*(?::|\bis\b)\s*", re.IGNORECASE)
    for content in reversed(contents):
        matches = list(pattern.finditer(content))
        if matches:
            match = matches[-1]  # the last mention in the message wins
            rest = content[match.end() :]
            end = _VALUE_END.search(rest)
            value = (rest if end is None else rest[: end.start()]).strip()
            if value:
                return value
    return None


def extract_data(store: Store, call: Call) -> Answer:
    """POST /sessions/{id}/extract: a JSON object of the fields found, each a string."""
    session_id = call.params["session_id"]
    session_or_404(store, session_id)
    body = call.obj()
    count = _last_n(body, default=None)
    fields = _schema_fields(body.get("model_schema"))
    recent = store.messages.of_session(session_id)[-count:]
    contents = [str(m.get("content") or "") for m in recent]
    found = {field: _found(field, contents) for field in fields}
    return ok({field: value for field, value in found.items() if value is not None})


def get_summaries(store: Store, call: Call) -> Answer:
    """GET /sessions/{id}/summary: one summary of the latest messages, or none."""
    session_id = call.params["session_id"]
    session_or_404(store, session_id)
    recent = store.messages.of_session(session_id)[-SUMMARY_LASTN:]
    if not recent:
        return ok({"summaries": [], "row_count": 0, "total_count": 0})
    content = context_of(recent)
    summary = {
        "uuid": str(uuid.uuid5(_SUMMARY_NAMESPACE, f"{session_id}\n{recent[-1]['uuid']}")),
        "content": content,
        "created_at": recent[-1]["created_at"],
        "related_message_uuids": [m["uuid"] for m in recent],
        "token_count": len(content.split()),
    }
    return ok({"summaries": [summary], "row_count": 1, "total_count": 1})


def synthesize_question(store: Store, call: Call) -> Answer:
    """GET /sessions/{id}/synthesize_question?lastNMessages=: the last message as a question."""
    session_id = call.params["session_id"]
    count = call.int_query("lastNMessages")
    if count is not None and count < 1:
        raise ApiError(400, "invalid value for lastNMessages")
    session_or_404(store, session_id)
    recent = store.messages.of_session(session_id)[-1:]
    if not recent:
        return ok({"question": ""})
    text = str(recent[0].get("content") or "").strip().rstrip(".!")
    return ok({"question": text if text.endswith("?") else f"What about {text}?"})


HANDLERS: Final[dict[str, Handler]] = {
    "classify_session": classify_session,
    "extract_data": extract_data,
    "get_summaries": get_summaries,
    "synthesize_question": synthesize_question,
}
