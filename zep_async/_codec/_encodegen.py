"""Straight-line check and encode functions generated per request model (``_encode``'s fast path).

``_encode`` checks a request model (or a mapping with its keys) field by field
through a table of checkers, and encodes a checked one by walking its fields;
for the six messages of a ``memory.add`` that walk costs more than the request.
Here, once per request model class, two functions are generated:

- ``fast_checker(cls)``: takes the value as given and returns the model that the
  general check would return, for the common shapes only (the exact class, or
  a ``dict`` with known keys, each field of its plain type: a valid str, a
  listed choice, an int within 64 bits, a bool, an aware ``datetime`` with a
  fixed offset, a list of str, a JSON dict, a nested model likewise). On
  anything else it returns ``None`` and the caller runs the general check,
  which accepts what it accepts and words each error as it always did.
- ``fast_encoder(cls)``: a model as JSON data (its non-``None`` fields under
  their JSON keys, timestamps as RFC 3339 text), exactly as the general walk,
  which it calls for any value that is not of a plain JSON type.

``tests/test_encode_fast.py`` checks that the two paths agree.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from functools import cache
from types import MemberDescriptorType
from typing import Any, Literal, get_args, get_origin, get_type_hints

import attrs

from .._validate import MAX_INT
from ..models import ClassifySessionRequest, Message
from ._fastpath import is_optional, json_name
from ._jsoncheck import is_json, is_unicode

__all__ = ["REQUIRED", "fast_checker", "fast_encoder"]

#: Fields a request must carry, per model; the others may be left out.
REQUIRED: dict[type[Any], frozenset[str]] = {
    Message: frozenset({"content", "role_type"}),
    ClassifySessionRequest: frozenset({"classes", "name"}),
}
#: The types whose values the general walk passes through as they are.
_PLAIN = frozenset({str, int, bool, float, list, dict, tuple})


def _kind(hint: Any) -> tuple[str, Any]:
    """What the check of a field annotated ``hint`` is, as in ``_encode._checker``."""
    if is_optional(hint):
        hint = next(arg for arg in get_args(hint) if arg is not type(None))
    if get_origin(hint) is Literal:
        return "choice", frozenset(get_args(hint))
    simple = {str: "str", bool: "bool", int: "int", datetime: "datetime"}
    if hint in simple:
        return simple[hint], None
    if hint == list[str]:
        return "strings", None
    if hint == dict[str, Any]:
        return "json", None
    if attrs.has(hint):
        return "model", hint
    return "other", None


def _accepts(kind: str, var: str, extra: str, instance: bool) -> str:
    """The inline test that ``var`` is a value the general check returns unchanged."""
    if kind == "str":
        return f"type({var}) is str and ({var}.isascii() or is_unicode({var}))"
    if kind == "choice":
        return f"type({var}) is str and {var} in {extra}"
    if kind == "bool":
        return f"type({var}) is bool"
    if kind == "int":
        return f"type({var}) is int and -max_int <= {var} <= max_int"
    if kind == "datetime":  # a fixed offset: utcoffset() is never None, never raises
        return f"type({var}) is datetime and type({var}.tzinfo) is timezone"
    if kind == "strings":
        return f"type({var}) is list and all_text({var})"
    if kind == "json":
        return f"type({var}) is dict and is_json({var})"
    if instance:  # a model: the nested one must come back as it is
        return f"{extra}({var}) is {var}"
    return f"({var} := {extra}({var})) is not None"


@cache
def fast_checker(cls: type[Any]) -> Callable[[object], Any]:
    """The generated check of request model ``cls``: the model, or ``None`` to fall back."""
    hints = get_type_hints(cls)
    required = REQUIRED.get(cls, frozenset())
    namespace: dict[str, Any] = {
        "is_unicode": is_unicode,
        "is_json": is_json,
        "max_int": MAX_INT,
        "cls": cls,
        "datetime": datetime,
        "timezone": timezone,
        "all_text": _all_text,
        "new": object.__new__,
        "known": frozenset(json_name(field.name) for field in attrs.fields(cls)),
    }
    fields = []
    for index, field in enumerate(attrs.fields(cls)):
        kind, extra = _kind(hints[field.name])
        if kind == "other":  # pragma: no cover - every field of our request models is known
            return lambda value: None
        if kind in ("choice", "model"):
            namespace[f"extra{index}"] = extra if kind == "choice" else fast_checker(extra)
        key = json_name(field.name)
        fields.append((field.name, key, kind, f"extra{index}", key in required))
    body = ["def check(value):", "    kind = type(value)", "    if kind is cls:"]
    for instance, indent in ((True, "        "), (False, "    ")):
        if not instance:
            body += ["    if kind is not dict or not value.keys() <= known:", "        return None"]
        for index, (name, key, kind, extra, needed) in enumerate(fields):
            var = f"v{index}"
            read = f"value.{name}" if instance else f"value.get({key!r})"
            test = _accepts(kind, var, extra, instance)
            body.append(f"{indent}{var} = {read}")
            if needed:
                body += [f"{indent}if {var} is None or not ({test}):", f"{indent}    return None"]
            else:
                body += [f"{indent}if {var} is not None and not ({test}):"]
                body += [f"{indent}    return None"]
            if kind == "strings" and not instance:  # the general check returns a copy
                body.append(f"{indent}{var} = {var} if {var} is None else list({var})")
        if instance:
            body.append("        return value")
    body += _build(cls, [name for name, *_ in fields], namespace)
    exec("\n".join(body), namespace)  # noqa: S102 - source built from our own field names
    check: Callable[[object], Any] = namespace["check"]
    return check


def _build(cls: type[Any], names: list[str], namespace: dict[str, Any]) -> list[str]:
    """Lines that return the model made of ``v0``, ``v1``...: what ``cls(...)`` makes."""
    slots = [getattr(cls, name, None) for name in names]
    plain = not hasattr(cls, "__attrs_post_init__") and all(
        field.validator is None and field.converter is None and field.alias == field.name
        for field in attrs.fields(cls)
    )
    if not plain or not all(isinstance(slot, MemberDescriptorType) for slot in slots):
        arguments = ", ".join(f"{name}=v{index}" for index, name in enumerate(names))
        return [f"    return cls({arguments})"]  # pragma: no cover - ours are plain slots
    # Each slot's own setter: what attrs' __init__ does for a frozen class, minus the call.
    lines = ["    model = new(cls)"]
    for index, slot in enumerate(slots):
        namespace[f"set{index}"] = slot.__set__  # type: ignore[union-attr]
        lines.append(f"    set{index}(model, v{index})")
    return [*lines, "    return model"]


@cache
def fast_encoder(
    cls: type[Any], names: tuple[tuple[str, str], ...], convert: Callable[[Any], Any]
) -> Callable[[Any], Any]:
    """The generated encoding of a checked ``cls``; ``names`` pairs attributes and JSON keys.

    ``convert`` turns any other value (a nested model) into JSON data.
    """
    hints = get_type_hints(cls)
    body = ["def encode(model):", "    data = {}"]
    for name, key in names:
        kind, _ = _kind(hints[name])
        if kind == "datetime":
            value = "v.isoformat() if type(v) is datetime else convert(v)"
        else:
            value = "v if type(v) in plain else convert(v)"
        body += [
            f"    v = model.{name}",
            "    if v is not None:",
            f"        data[{key!r}] = {value}",
        ]
    body.append("    return data")
    namespace: dict[str, Any] = {"convert": convert, "datetime": datetime, "plain": _PLAIN}
    exec("\n".join(body), namespace)  # noqa: S102 - source built from our own field names
    encode: Callable[[Any], Any] = namespace["encode"]
    return encode


def _all_text(values: list[Any]) -> bool:
    for item in values:
        if type(item) is not str or not (item.isascii() or is_unicode(item)):
            return False
    return True
