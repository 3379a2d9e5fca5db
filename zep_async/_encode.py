"""Request bodies: typed arguments and request models to JSON bytes, checked before sending.

The resources call two kinds of function here. The checkers
(``check_messages``, ``check_classify``, ``check_fact_rating_instruction``,
``check_metadata``) take what a caller passed, a request model or a plain
mapping with the same keys (as the official SDK's callers pass them), and return
the model, or raise ``TypeError``/``ValueError`` naming the parameter path, e.g.
``messages[2].role_type``. ``encode_body`` then turns the call's arguments into
the body's bytes: JSON keys exactly as the API names them, arguments left
``None`` not sent, request models with only their non-``None`` fields, and
arbitrary JSON (``metadata``) passed through as given. Anything that is not
JSON (NaN, a set, an object, a non-str key, a lone surrogate, a container that
contains itself) is refused before anything is sent, naming where it is, e.g.
``metadata['a'][3] is a set, not JSON``. The walk that checks arbitrary JSON
is iterative, so any depth that ``json`` can encode is accepted, and a deeper
one is refused with a ``ValueError``, never a ``RecursionError``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cache
from typing import Any, Literal, TypeVar, get_args, get_origin, get_type_hints

import attrs

from . import _json
from ._fastpath import is_optional, json_name
from ._validate import MAX_INT, show_number, show_text, type_name
from .models import ClassifySessionRequest, FactRatingInstruction, Message

__all__ = [
    "check_classify",
    "check_fact_rating_instruction",
    "check_messages",
    "check_metadata",
    "encode_body",
]

M = TypeVar("M")

#: Fields a request must carry, per model; the others may be left out.
_REQUIRED: dict[type[Any], frozenset[str]] = {
    Message: frozenset({"content", "role_type"}),
    ClassifySessionRequest: frozenset({"classes", "name"}),
}
_EXIT = object()  # marks, on the walk's stack, the end of a container's contents


def check_messages(value: object, name: str = "messages") -> list[Message]:
    """Check a list of messages, each a ``Message`` or a mapping with its keys.

    Each needs ``content`` (a str) and ``role_type`` (one of ``RoleType``); a
    mapping may hold only ``Message``'s keys, and a timestamp may be given as
    an RFC 3339 string (as ``to_dict`` writes it).

    Raises:
        TypeError, ValueError: naming the item and field, e.g. ``messages[2].role_type``.
    """
    if not isinstance(value, list | tuple):
        raise TypeError(f"{name} must be a list of Message, not {type_name(value)}")
    return [_check_model(Message, item, f"{name}[{index}]") for index, item in enumerate(value)]


def check_classify(value: object, name: str = "classify") -> ClassifySessionRequest:
    """Check a ``ClassifySessionRequest``, or a mapping with its keys (``classes``, ``name``...)."""
    return _check_model(ClassifySessionRequest, value, name)


def check_fact_rating_instruction(
    value: object, name: str = "fact_rating_instruction"
) -> FactRatingInstruction:
    """Check a ``FactRatingInstruction``, or a mapping with its keys (examples likewise)."""
    return _check_model(FactRatingInstruction, value, name)


def check_metadata(value: object, name: str = "metadata") -> dict[str, Any]:
    """Require a ``dict`` with str keys holding JSON values only; return it as given."""
    if not isinstance(value, dict):
        raise TypeError(f"{name} must be a dict, not {type_name(value)}")
    _check_json(value, name)
    return value


def encode_body(fields: Mapping[str, object]) -> bytes:
    """Encode a request body: ``fields`` maps each JSON key (the parameter's name) to its value.

    A value of ``None`` is not sent. A request model, alone or as an item of a
    list, is sent with only its non-``None`` fields, timestamps as RFC 3339
    text; it is taken as checked, so it must come from one of the checkers
    above. Anything else must be JSON as it is (a dict with str keys, a list
    or tuple, str, int, finite float, bool, ``None`` inside) and is sent as given.

    Raises:
        TypeError, ValueError: A value is not JSON; the message names where it is.
    """
    body: dict[str, Any] = {}
    depth: dict[str, int] = {}
    for name, given in fields.items():
        if given is None:
            continue
        value: Any = given
        kind = type(value)
        if kind is str:
            if not value.isascii() and not _is_unicode(value):
                raise ValueError(f"{name} is not valid Unicode (a lone surrogate)")
        elif attrs.has(kind):
            value = _as_json(value)
        elif (kind is list or kind is tuple) and any(attrs.has(type(x)) for x in value):
            value = [
                _as_json(item) if attrs.has(type(item)) else _checked(item, f"{name}[{index}]")
                for index, item in enumerate(value)
            ]
        elif kind is not int and kind is not bool:
            depth[name] = _check_json(value, name)
        body[name] = value
    try:  # UTF-8 text as it is, no NaN, no spaces; orjson when installed, same bytes
        return _json.dumps(body)
    except RecursionError:
        raise _unencodable(body, depth) from None
    except ValueError as exc:  # e.g. an int of more digits than Python will print
        raise _unencodable(body, depth) from exc


def _unencodable(body: dict[str, Any], depth: dict[str, int]) -> ValueError:
    """The error for a body that passed the checks but that ``json`` cannot write."""
    for name, value in body.items():
        try:
            json.dumps(value, ensure_ascii=False, allow_nan=False)
        except RecursionError:
            levels = f" {depth[name]} levels deep," if name in depth else ""
            return ValueError(
                f"{name} nests{levels} deeper than Python's json can encode "
                "(about 1,000 levels, fewer inside a deep call stack)"
            )
        except ValueError as exc:  # e.g. an int of more digits than Python will print
            return ValueError(f"{name} cannot be encoded as JSON: {exc}")
    return ValueError("the request body cannot be encoded as JSON")  # pragma: no cover


def _checked(value: Any, where: str) -> Any:
    _check_json(value, where)
    return value


#: Checks one field's value: ``(value, where, key)``, the path being ``where.key``.
_Check = Callable[[Any, str, str], Any]


@cache
def _plan(cls: Any) -> tuple[tuple[str, str, _Check, bool], ...]:
    """Per field of request model ``cls``: attribute name, JSON key, check, required."""
    hints = get_type_hints(cls)
    required = _REQUIRED.get(cls, frozenset())
    return tuple(
        (field.name, json_name(field.name), _checker(hints[field.name]), key in required)
        for field in attrs.fields(cls)
        for key in [json_name(field.name)]
    )


def _check_model(cls: type[M], value: object, where: str) -> M:
    """``value`` as a ``cls``: checked field by field, a mapping turned into the model."""
    model: Any = cls  # a class, which lru_cache hashes
    plan = _plan(model)
    if isinstance(value, cls):
        given = [getattr(value, name) for name, _, _, _ in plan]
    elif isinstance(value, Mapping):
        known = [key for _, key, _, _ in plan]
        for key in value:
            if key not in known:
                raise ValueError(
                    f"{where} has an unknown key {show_text(key)}; "
                    f"a {cls.__name__} has {', '.join(known)}"
                )
        given = [value.get(key) for _, key, _, _ in plan]
    else:
        raise TypeError(f"{where} must be a {cls.__name__} or a mapping, not {type_name(value)}")
    checked: dict[str, Any] = {}
    for (name, key, check, required), item in zip(plan, given, strict=True):
        if item is None:
            if required:
                raise TypeError(f"{where}.{key} is required{_required_hint(cls, key, value)}")
            continue
        checked[name] = check(item, where, key)
    return cls(**checked)


def _required_hint(cls: Any, key: str, value: object) -> str:
    """What to give for a missing required field, e.g. the role types."""
    hint = _inner(get_type_hints(cls)[key])
    text = f": one of {_listed(hint)}" if get_origin(hint) is Literal else ""
    role = value.get("role") if isinstance(value, Mapping) else getattr(value, "role", None)
    if key == "role_type" and role is not None:
        text += " (role is the speaker's free-form name)"
    return text


def _inner(hint: Any) -> Any:
    """``X`` of ``X | None``; any other annotation as it is."""
    if not is_optional(hint):
        return hint
    return next(arg for arg in get_args(hint) if arg is not type(None))


def _listed(literal: Any) -> str:
    return ", ".join(map(repr, get_args(literal)))


def _check_str(value: Any, where: str, key: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{where}.{key} must be a str, not {type_name(value)}")
    if not value.isascii() and not _is_unicode(value):
        raise ValueError(f"{where}.{key} is not valid Unicode (a lone surrogate)")
    return value


def _check_bool(value: Any, where: str, key: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{where}.{key} must be a bool, not {type_name(value)}")
    return value


def _check_int(value: Any, where: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{where}.{key} must be an int, not {type_name(value)}")
    if not -MAX_INT <= value <= MAX_INT:
        raise ValueError(f"{where}.{key} must fit in 64 bits, got {show_number(value)}")
    return value


def _check_strings(value: Any, where: str, key: str) -> list[str]:
    if not isinstance(value, list | tuple):
        raise TypeError(f"{where}.{key} must be a list of str, not {type_name(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise TypeError(f"{where}.{key}[{index}] must be a str, not {type_name(item)}")
        if not item.isascii() and not _is_unicode(item):
            raise ValueError(f"{where}.{key}[{index}] is not valid Unicode (a lone surrogate)")
    return list(value)


def _check_datetime(value: Any, where: str, key: str) -> datetime:
    if isinstance(value, str):  # as to_dict writes it
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(
                f"{where}.{key} is not an RFC 3339 timestamp: {show_text(value)}"
            ) from None
    if not isinstance(value, datetime):
        raise TypeError(f"{where}.{key} must be a datetime, not {type_name(value)}")
    if value.utcoffset() is None:
        raise ValueError(f"{where}.{key} must be timezone-aware (e.g. tzinfo=datetime.UTC)")
    return value


def _checker(hint: Any) -> _Check:
    """The check of a request model's field annotated ``hint``."""
    inner = _inner(hint)
    if get_origin(inner) is Literal:
        choices = get_args(inner)

        def check_choice(value: Any, where: str, key: str) -> str:
            if not isinstance(value, str) or value not in choices:
                raise ValueError(
                    f"{where}.{key} must be one of {_listed(inner)}, got {show_text(value)}"
                )
            return value

        return check_choice
    simple: dict[Any, _Check] = {
        str: _check_str,
        bool: _check_bool,
        int: _check_int,
        datetime: _check_datetime,
        list[str]: _check_strings,
        dict[str, Any]: lambda value, where, key: check_metadata(value, f"{where}.{key}"),
    }
    if inner in simple:
        return simple[inner]
    if attrs.has(inner):
        return lambda value, where, key: _check_model(inner, value, f"{where}.{key}")
    raise TypeError(f"a {inner!r} field cannot be sent")  # pragma: no cover - models are ours


def _as_json(model: Any) -> dict[str, Any]:
    """A checked request model as JSON data: its non-None fields under their JSON keys."""
    data: dict[str, Any] = {}
    kind: Any = type(model)
    for name, key, _, _ in _plan(kind):
        value = getattr(model, name)
        if value is None:
            continue
        if isinstance(value, datetime):
            value = value.isoformat()
        elif attrs.has(type(value)):
            value = _as_json(value)
        data[key] = value
    return data


def _check_json(value: object, where: str) -> int:
    """Refuse anything in ``value`` that is not JSON; return how deep it nests.

    Iterative, so that depth costs no recursion; a container met again inside
    itself is refused (shared, non-circular parts are fine, as for ``json``).
    """
    if type(value) is dict and _is_flat(value):
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
            if not item.isascii() and not _is_unicode(item):
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
                if not key.isascii() and not _is_unicode(key):
                    raise ValueError(
                        f"{_path(where, link)} has a key that is not valid Unicode "
                        "(a lone surrogate)"
                    )
            stack.append((child, (link, key), level + 1))
    return depth


def _is_flat(value: dict[Any, Any]) -> bool:
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


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
