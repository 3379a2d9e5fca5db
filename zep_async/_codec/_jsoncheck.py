"""Whether a value is JSON: the walk that ``_encode`` runs over arbitrary JSON (metadata).

Iterative, so that any depth costs no recursion; anything that is not JSON is
refused with an error naming where it is, e.g. ``metadata['a'][3] is a set, not JSON``.
"""

from __future__ import annotations

import math
from typing import Any

from .._validate import _is_unicode as is_unicode
from .._validate import show_text, type_name

__all__ = ["check_json", "is_flat", "is_json", "is_unicode"]

_EXIT = object()  # marks, on the walk's stack, the end of a container's contents


def check_json(value: object, where: str) -> int:
    """Refuse anything in ``value`` that is not JSON; return how deep it nests.

    Iterative, so that depth costs no recursion; a container met again inside
    itself is refused (shared, non-circular parts are fine, as for ``json``).
    """
    if type(value) is dict and is_flat(value):
        return 1
    depth = 0
    inside: set[int] = set()  # ids of the containers on the path to the current value
    stack: list[tuple[Any, Any, int]] = [(value, None, 0)]
    while stack:
        item, link, level = stack.pop()
        if item is _EXIT:
            inside.discard(link)
            continue
        if item is None or isinstance(item, bool | int):
            continue
        if isinstance(item, str):
            if not item.isascii() and not is_unicode(item):
                raise ValueError(f"{_path(where, link)} is not valid Unicode (a lone surrogate)")
            continue
        if isinstance(item, float):
            if not math.isfinite(item):
                raise ValueError(f"{_path(where, link)} is {item!r}, not JSON")
            continue
        if isinstance(item, dict):
            children: Any = item.items()
        elif isinstance(item, list | tuple):
            children = enumerate(item)
        else:
            raise TypeError(f"{_path(where, link)} is {_a(type_name(item))}, not JSON")
        if id(item) in inside:
            raise ValueError(f"{_path(where, link)} contains itself, which JSON cannot hold")
        inside.add(id(item))
        stack.append((_EXIT, id(item), level))
        depth = max(depth, level + 1)
        is_dict = isinstance(item, dict)
        for key, child in children:
            if is_dict:
                if not isinstance(key, str):
                    raise TypeError(
                        f"{_path(where, link)} has a key {show_text(key)} of type "
                        f"{type_name(key)}; JSON keys are str"
                    )
                if not key.isascii() and not is_unicode(key):
                    raise ValueError(
                        f"{_path(where, link)} has a key that is not valid Unicode "
                        "(a lone surrogate)"
                    )
            stack.append((child, (link, key), level + 1))
    return depth


def is_flat(value: dict[Any, Any]) -> bool:
    """Whether ``value`` holds only ASCII str keys and ASCII str, int, bool or null values.

    The usual metadata, checked without the walk's bookkeeping.
    """
    for key, item in value.items():
        if type(key) is not str or not key.isascii():
            return False
        kind = type(item)
        if kind is str:
            if not item.isascii():
                return False
        elif kind is not int and kind is not bool and item is not None:
            return False
    return True


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"


def _path(where: str, link: Any) -> str:
    """``metadata['a'][3]``, from the chain of keys the walk kept."""
    keys: list[Any] = []
    while link is not None:
        link, key = link
        keys.append(key)
    return where + "".join(
        f"[{key}]" if isinstance(key, int) else f"[{show_text(key)}]" for key in reversed(keys)
    )


def is_json(value: dict[Any, Any]) -> bool:
    """Whether ``check_metadata`` accepts the dict ``value`` (the fast path's test)."""
    if is_flat(value):
        return True
    try:
        check_json(value, "")
    except (TypeError, ValueError):
        return False
    return True
