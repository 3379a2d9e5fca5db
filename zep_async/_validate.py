"""Argument checks shared by the client, the resources and the request options.

Each check raises ``TypeError`` for a value of the wrong type and ``ValueError``
for a value out of range, naming the parameter, and never echoes secrets.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

# C0 controls and DEL. They are never part of a real id and usually mean a stray newline.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def type_name(value: object) -> str:
    """Name the type of ``value`` for an error message."""
    return type(value).__name__


def check_text(
    name: str, value: object, *, max_length: int | None = None, secret: bool = False
) -> str:
    """Require a non-blank ``str`` free of control characters and lone surrogates."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type_name(value)}")
    if not value or value.isspace():
        raise ValueError(f"{name} must not be empty or blank")
    shown = "" if secret else f" (got {value[:40]!r}{'…' if len(value) > 40 else ''})"
    if max_length is not None and len(value) > max_length:
        raise ValueError(
            f"{name} is {len(value)} characters long; at most {max_length} are allowed"
        )
    if _CONTROL.search(value):
        raise ValueError(f"{name} must not contain control characters{shown}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{name} must be valid Unicode text (no lone surrogates){shown}") from None
    return value


def check_int(name: str, value: object, *, minimum: int) -> int:
    """Require an ``int`` (not a ``bool``) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type_name(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def check_bool(name: str, value: object) -> bool:
    """Require a ``bool``; truthy strings like ``"false"`` are refused."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, not {type_name(value)}")
    return value


def check_seconds(name: str, value: object) -> float:
    """Require a finite, positive number of seconds."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of seconds, not {type_name(value)}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number of seconds > 0, got {value!r}")
    return float(value)


def check_headers(name: str, value: object) -> dict[str, str]:
    """Require a mapping of header names to values, all ``str`` and free of CR, LF and NUL."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping of str to str, not {type_name(value)}")
    headers: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise TypeError(f"{name} must map str to str; got {type_name(key)}: {type_name(item)}")
        if not key or _CONTROL.search(key) or ":" in key or " " in key:
            raise ValueError(f"{name} has an invalid header name {key!r}")
        if "\r" in item or "\n" in item or "\x00" in item:
            # The value may be a credential: do not echo it.
            raise ValueError(f"{name}[{key!r}] must not contain CR, LF or NUL")
        headers[key] = item
    return headers


def check_query(name: str, value: object) -> dict[str, str]:
    """Require a mapping of query names to ``str``, ``int``, ``float`` or ``bool`` values."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping, not {type_name(value)}")
    query: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"{name} keys must be non-empty str, got {key!r}")
        query[key] = query_value(f"{name}[{key!r}]", item)
    return query


def query_value(name: str, value: Any) -> str:
    """Render one query value the way the API reads it (``true``/``false`` for bools)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"{name} must be a str, int, finite float or bool, not {type_name(value)}")
