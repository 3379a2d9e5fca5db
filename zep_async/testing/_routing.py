"""The parsed request a route handler gets, a route, and a table of routes that resolves paths.

Each ``_routes_<area>`` module lists its routes beside their handlers; ``_routes``
joins those lists into LocalZep's one table. Routes are named after the handlers,
which are named after the SDK methods that call them (``add_session``,
``get_memory``, ...). The Community Edition lacks the Cloud-only routes,
so there its chi router answers them with a text 404 or an empty 405, as CE does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import unquote

from ._http import Answer
from ._store import Store
from ._wire import ApiError

API_PREFIX: Final = "/api/v2/"

#: A path's parameters as the API reference names them, and as handlers get them.
_PARAM_NAMES: Final = {
    "{sessionId}": "session_id",
    "{userId}": "user_id",
    "{messageUUID}": "message_uuid",
    "{factUUID}": "fact_uuid",
}
#: The order of the methods in an ``Allow`` header.
_METHODS: Final = ("GET", "POST", "PUT", "PATCH", "DELETE")
_INT: Final = re.compile(r"[+-]?[0-9]{1,19}", re.ASCII)
_INT64_MAX: Final = 2**63 - 1

#: The deepest nesting of a request body LocalZep accepts (deeper: 400), so
#: whatever it stores can always be written back out.
MAX_DEPTH: Final = 200


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


@dataclass(frozen=True)
class Route:
    """One route: its method, its path under ``/api/v2``, and the handler it is named after.

    The path names its parameters as the API reference does (``{sessionId}``,
    ``{userId}``, ``{messageUUID}``, ``{factUUID}``). A ``cloud_only`` route is
    missing from the Community Edition, whose router answers it 404 or 405.
    """

    method: str
    path: str
    handler: Handler
    cloud_only: bool = False

    @property
    def name(self) -> str:
        """The route's name: its handler's, which is the SDK method that calls it."""
        return self.handler.__name__


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


class RouteTable:
    """Routes joined into one table: their names, handlers, and which one a request names."""

    def __init__(self, routes: Iterable[Route]) -> None:
        """Join ``routes``; two routes of one name, or of one method and path, are refused."""
        self.routes: Final = tuple(routes)
        self.names: Final = tuple(route.name for route in self.routes)
        self.handlers: Final = {route.name: route.handler for route in self.routes}
        self.cloud_only: Final = frozenset(r.name for r in self.routes if r.cloud_only)
        if len(self.handlers) != len(self.routes):
            raise ValueError(f"two routes share a name in {sorted(self.names)}")
        patterns: dict[tuple[str, ...], dict[str, Route]] = {}
        for route in self.routes:
            methods = patterns.setdefault(_pattern(route.path), {})
            if route.method in methods or route.method not in _METHODS:
                raise ValueError(f"{route.method} {route.path}: a second route, or no method")
            methods[route.method] = route
        # A literal segment wins over a parameter: /sessions/search names no session.
        self._patterns: Final = sorted(
            (
                (pattern, {m: methods[m] for m in _METHODS if m in methods})
                for pattern, methods in patterns.items()
            ),
            key=lambda item: [segment in _PARAM_NAMES for segment in item[0]],
        )

    def resolve(self, method: str, raw_path: str, *, community: bool) -> Match:
        """Find the route of ``method`` on a raw (still percent-encoded) path."""
        if not raw_path.startswith(API_PREFIX):
            return Match(None)
        segments = raw_path[len(API_PREFIX) :].split("/")
        if any(not segment for segment in segments):
            return Match(None)
        allowed: list[str] = []
        for pattern, methods in self._patterns:
            if len(pattern) != len(segments):
                continue
            params = _match(pattern, segments)
            if params is None:
                continue
            routes = {m: r.name for m, r in methods.items() if not (community and r.cloud_only)}
            if method in routes:
                return Match(routes[method], params)
            allowed += [m for m in routes if m not in allowed]
        return Match(None, allowed=tuple(allowed))


def _pattern(path: str) -> tuple[str, ...]:
    segments = tuple(path.split("/")[1:])
    if not path.startswith("/") or not all(segments):
        raise ValueError(f"a route's path starts with / and has no empty segment: {path!r}")
    for segment in segments:
        if segment.startswith("{") and segment not in _PARAM_NAMES:
            raise ValueError(f"{path!r}: {segment} is not one of {', '.join(_PARAM_NAMES)}")
    return segments


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
