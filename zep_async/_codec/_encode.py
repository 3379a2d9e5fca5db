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
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cache
from typing import Any, Literal, TypeVar, get_args, get_origin, get_type_hints

import attrs

from .._validate import MAX_INT, show_number, show_text, type_name
from ..models import ClassifySessionRequest, FactRatingInstruction, Message
from . import _json
from ._encodegen import REQUIRED, fast_checker, fast_encoder
from ._fastpath import is_optional, json_name
from ._jsoncheck import check_json as _check_json
from ._jsoncheck import is_unicode as _is_unicode

__all__ = [
    "check_classify",
    "check_fact_rating_instruction",
    "check_messages",
    "check_metadata",
    "encode_body",
]

M = TypeVar("M")


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
    fast = fast_checker(Message)  # the common shapes; the general check words any error
    return [
        fast(item) or _check_model(Message, item, f"{name}[{index}]")
        for index, item in enumerate(value)
    ]


def check_classify(value: object, name: str = "classify") -> ClassifySessionRequest:
    """Check a ``ClassifySessionRequest``, or a mapping with its keys (``classes``, ``name``...)."""
    fast = fast_checker(ClassifySessionRequest)(value)
    return fast or _check_model(ClassifySessionRequest, value, name)


def check_fact_rating_instruction(
    value: object, name: str = "fact_rating_instruction"
) -> FactRatingInstruction:
    """Check a ``FactRatingInstruction``, or a mapping with its keys (examples likewise)."""
    fast = fast_checker(FactRatingInstruction)(value)
    return fast or _check_model(FactRatingInstruction, value, name)


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
        elif kind is list or kind is tuple:
            if kind is list and value and all(type(x) in _ENCODERS for x in value):
                value = [_ENCODERS[type(item)](item) for item in value]  # e.g. the messages
            elif any(_is_model(type(x)) for x in value):
                value = [
                    _encoder(type(item))(item)
                    if _is_model(type(item))
                    else _checked(item, f"{name}[{index}]")
                    for index, item in enumerate(value)
                ]
            else:
                depth[name] = _check_json(value, name)
        elif kind is int or kind is bool:
            pass
        elif _is_model(kind):
            value = _encoder(kind)(value)
        else:
            depth[name] = _check_json(value, name)
        body[name] = value
    try:  # UTF-8 text as it is, no NaN, no spaces; orjson when installed, same bytes
        return _json.dumps(body)
    except RecursionError:
        raise _unencodable(body, depth) from None
    except ValueError as exc:  # e.g. an int of more digits than Python will print
        raise _unencodable(body, depth) from exc


#: Types that are never attrs classes: ``attrs.has`` is not asked (a missed getattr is slow).
_NOT_MODELS = frozenset({str, int, float, bool, type(None), list, tuple, dict})


def _is_model(kind: Any) -> bool:
    """Whether ``kind`` is an attrs class (a request model), as ``attrs.has`` says."""
    return kind in _ENCODERS or (kind not in _NOT_MODELS and attrs.has(kind))


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
    required = REQUIRED.get(cls, frozenset())
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


#: The generated encoders, per request model class met so far.
_ENCODERS: dict[type[Any], Callable[[Any], dict[str, Any]]] = {}


def _encoder(kind: Any) -> Callable[[Any], dict[str, Any]]:
    """The generated encoding of attrs class ``kind``: the same data as ``_as_json``."""
    found = _ENCODERS.get(kind)
    if found is None:
        names = tuple((name, key) for name, key, _, _ in _plan(kind))
        found = _ENCODERS[kind] = fast_encoder(kind, names, _convert)
    return found


def _convert(value: Any) -> Any:
    """One field's value as JSON data, as ``_as_json`` turns it."""
    if isinstance(value, datetime):
        return value.isoformat()
    if attrs.has(type(value)):
        return _encoder(type(value))(value)
    return value


def _as_json(model: Any) -> dict[str, Any]:
    """A checked request model as JSON data: its non-None fields under their JSON keys.

    The general walk; ``encode_body`` uses the generated ``_encoder``, which gives the same.
    """
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
