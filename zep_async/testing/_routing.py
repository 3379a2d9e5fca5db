"""Which route a request names, and the parsed request a route handler gets.

Routes are named after the SDK methods that call them (``add_session``,
``get_memory``, ...). The Community Edition lacks the Cloud-only routes,
so there its chi router answers them with a text 404 or an empty 405, as CE does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import unquote

from ._http import Answer
from ._store import Store
from ._wire import ApiError

API_PREFIX: Final = "/api/v2/"

_S, _U, _M, _F = "{sessionId}", "{userId}", "{messageUUID}", "{factUUID}"

#: (path pattern, {method: route}); a ``{name}`` segment is a path parameter.
_TABLE: Final[tuple[tuple[tuple[str, ...], dict[str, str]], ...]] = (
    (("sessions",), {"POST": "add_session"}),
    (("sessions-ordered",), {"GET": "list_sessions"}),
    (("sessions", "search"), {"POST": "search_sessions"}),
    (("sessions", "end"), {"POST": "end_sessions"}),
    (("sessions", _S), {"GET": "get_session", "PATCH": "update_session"}),
    (
        ("sessions", _S, "memory"),
        {"GET": "get_memory", "POST": "add_memory", "DELETE": "delete_session"},
    ),
    (("sessions", _S, "end"), {"POST": "end_session"}),
    (("sessions", _S, "messages"), {"GET": "get_session_messages"}),
    (
        ("sessions", _S, "messages", _M),
        {"GET": "get_session_message", "PATCH": "update_message_metadata"},
    ),
    (("sessions", _S, "search"), {"POST": "search_memory"}),
    (("sessions", _S, "facts"), {"GET": "get_session_facts", "POST": "add_session_facts"}),
    (("sessions", _S, "classify"), {"POST": "classify_session"}),
    (("sessions", _S, "extract"), {"POST": "extract_data"}),
    (("sessions", _S, "summary"), {"GET": "get_summaries"}),
    (("sessions", _S, "synthesize_question"), {"GET": "synthesize_question"}),
    (("facts", _F), {"GET": "get_fact", "DELETE": "delete_fact"}),
    (("users",), {"POST": "add_user"}),
    (("users-ordered",), {"GET": "list_users"}),
    (("users", _U), {"GET": "get_user", "PATCH": "update_user", "DELETE": "delete_user"}),
    (("users", _U, "sessions"), {"GET": "get_user_sessions"}),
    (("users", _U, "facts"), {"GET": "get_user_facts"}),
    (("users", _U, "node"), {"GET": "get_user_node"}),
)

#: Every route name, in the order of the table.
ROUTES: Final = tuple(route for _, methods in _TABLE for route in methods.values())

#: Routes the Community Edition does not have.
CLOUD_ONLY: Final = frozenset(
    {
        "end_session",
        "end_sessions",
        "search_memory",
        # The older calls _routes_facts and _routes_insights serve; CE has only /facts/{uuid}.
        "get_session_facts",
        "add_session_facts",
        "classify_session",
        "extract_data",
        "get_summaries",
        "synthesize_question",
        "get_user_facts",
        "get_user_node",
    }
)

_PARAM_NAMES: Final = {_S: "session_id", _U: "user_id", _M: "message_uuid", _F: "fact_uuid"}
_INT: Final = re.compile(r"[+-]?[0-9]{1,19}", re.ASCII)
_INT64_MAX: Final = 2**63 - 1

#: The deepest nesting of a request body LocalZep accepts (deeper: 400), so
#: whatever it stores can always be written back out.
MAX_DEPTH: Final = 200


@dataclass(frozen=True)
class Match:
    """What a path resolved to.

    ``route`` is ``None`` when the path is unknown (``allowed`` empty) or the
    method is not one the path takes (``allowed`` lists those). Parameters
    that are not percent-encoded UTF-8 are ``None``.
    """

    route: str | None
    params: dict[str, str | None] = field(default_factory=dict)
    allowed: tuple[str, ...] = ()


def resolve(method: str, raw_path: str, *, community: bool) -> Match:
    """Find the route of ``method`` on a raw (still percent-encoded) path."""
    if not raw_path.startswith(API_PREFIX):
        return Match(None)
    segments = raw_path[len(API_PREFIX) :].split("/")
    if any(not segment for segment in segments):
        return Match(None)
    allowed: list[str] = []
    for pattern, methods in _TABLE:
        if len(pattern) != len(segments):
            continue
        params = _match(pattern, segments)
        if params is None:
            continue
        routes = {m: r for m, r in methods.items() if not (community and r in CLOUD_ONLY)}
        if method in routes:
            return Match(routes[method], params)
        allowed += [m for m in routes if m not in allowed]
    return Match(None, allowed=tuple(allowed))


def _match(pattern: tuple[str, ...], segments: list[str]) -> dict[str, str | None] | None:
    params: dict[str, str | None] = {}
    for expected, segment in zip(pattern, segments, strict=True):
        if expected in _PARAM_NAMES:
            try:
                params[_PARAM_NAMES[expected]] = unquote(segment, errors="strict")
            except UnicodeDecodeError:
                params[_PARAM_NAMES[expected]] = None
        elif expected != segment:
            return None
    return params


class _NoJson:
    def __repr__(self) -> str:
        return "NO_JSON"


#: The parsed body of a request whose body is empty or not JSON.
NO_JSON: Final = _NoJson()


def parse_json(body: bytes) -> Any:
    """Return the JSON value of a body, or :data:`NO_JSON`."""
    if not body:
        return NO_JSON
    try:
        value = json.loads(body, parse_constant=_not_json)
    except (ValueError, RecursionError):
        return NO_JSON
    if _depth(value) > MAX_DEPTH:
        return NO_JSON
    # A lone surrogate can only come from a \u escape; the store could not write it back.
    if b"\\u" in body and not _is_unicode(value):
        return NO_JSON
    return value


def _not_json(name: str) -> Any:
    """``NaN`` and ``Infinity``, which Python reads but JSON (and Go) do not have."""
    raise ValueError(f"{name} is not JSON")


def _is_unicode(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest in a JSON value (without recursion)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in item)
    return deepest


def parse_int(text: str) -> int | None:
    """Read a query integer as Go's ``strconv.Atoi`` would (int64), or ``None``."""
    if not _INT.fullmatch(text):
        return None
    value = int(text)
    return value if -_INT64_MAX - 1 <= value <= _INT64_MAX else None


@dataclass(frozen=True)
class Call:
    """One routed request, as a route handler sees it."""

    route: str
    params: Mapping[str, str]
    query: Mapping[str, str]
    body: bytes
    json: Any
    community: bool
    default_page_size: int = 10

    def obj(self) -> dict[str, Any]:
        """Return the body as a JSON object, or refuse the request with 400."""
        if self.json is NO_JSON:
            raise ApiError(
                400,
                "EOF"
                if not self.body
                else f"invalid JSON in the request body (or nested over {MAX_DEPTH} levels)",
            )
        if not isinstance(self.json, dict):
            raise ApiError(400, "the request body must be a JSON object")
        return self.json

    def int_query(self, name: str) -> int | None:
        """Return a query integer (None when absent), or refuse the request with 400."""
        text = self.query.get(name)
        if text is None:
            return None
        value = parse_int(text)
        if value is None:
            raise ApiError(400, f"invalid value for {name}")
        return value


Handler = Callable[[Store, Call], Answer]
