"""Straight-line structure functions generated per model: the fast path of decoding.

``_convert`` decodes with cattrs, but first tries the function generated here
for the model class (``fast_function``): it reads each field once, checks the
exact JSON type inline and fills the slot directly, at about a third of the
cost of cattrs' generated code, which dominates decoding a page. It takes only
plain JSON shapes (``dict``, ``list``, ``str``, ``int``, ``float``, ``bool``,
``None``); on anything else, and on any error, it raises and the value goes to
cattrs, so what is accepted, what it becomes and how an error reads are
cattrs' (``tests/test_convert_fast.py`` checks that the two agree).
"""

from __future__ import annotations

import keyword
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from types import MemberDescriptorType, NoneType, UnionType
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import attrs

__all__ = ["Unusual", "as_decoded", "fast_function", "is_model_list", "is_optional", "json_name"]


class Unusual(Exception):  # noqa: N818 - a signal to fall back, never seen by a caller
    """A fast structure function met a value it leaves to cattrs."""


def json_name(name: str) -> str:
    """The JSON key of attribute ``name``: ``class_`` is ``class``, the rest are as named."""
    if name.endswith("_") and keyword.iskeyword(name[:-1]):
        return name[:-1]
    return name


def is_optional(cls: Any) -> bool:
    """Whether ``cls`` is ``X | None``."""
    args = get_args(cls)
    return get_origin(cls) in (Union, UnionType) and len(args) == 2 and NoneType in args


def is_model_list(cls: Any) -> bool:
    """Whether ``cls`` is ``list[Model]`` for an attrs class ``Model``."""
    args = get_args(cls)
    return get_origin(cls) is list and len(args) == 1 and attrs.has(args[0])


#: The field types whose values msgspec's mirror holds as the model does.
_AS_DECODED = (str, int, bool, float, dict[str, Any], dict[str, str], list[str])


@cache
def as_decoded(cls: Any) -> bool:
    """Whether msgspec can build model ``cls`` itself, exactly as the standard path does.

    So when every field is optional, named as its JSON key, and holds a value msgspec
    builds as the model holds it (no timestamp, no enumeration), or such a model.
    """
    if not attrs.has(cls) or hasattr(cls, "__attrs_post_init__"):
        return False
    try:
        hints = get_type_hints(cls)
    except Exception:
        return False
    for field in attrs.fields(cls):
        hint = hints[field.name]
        if field.default is not None or json_name(field.name) != field.name:
            return False
        if field.validator is not None or field.converter is not None or not is_optional(hint):
            return False
        inner = next(arg for arg in get_args(hint) if arg is not NoneType)
        if inner not in _AS_DECODED and not (attrs.has(inner) and as_decoded(inner)):
            return False
    return True


_fast_functions: dict[tuple[Any, bool], Callable[[Any], Any] | None] = {}


def fast_function(cls: Any, checked: bool = False) -> Callable[[Any], Any] | None:
    """The generated straight-line structure function of model ``cls``, if it can have one.

    Only a slotted attrs class without validators, converters or
    ``__attrs_post_init__`` gets one, and only if every field defaults to
    ``None`` (or is a list of models defaulting to an empty list) and has a type
    listed in ``_field_code``. The function raises on any value it does not
    take as is.

    ``checked=True`` generates the function that takes msgspec's mirror of ``cls``
    (``_compiled``) instead of a ``dict``: each JSON type is checked already, so only the
    conversions are left (timestamps, nested models, a null list to ``[]``).
    """
    key = (cls, checked)
    if key not in _fast_functions:
        _fast_functions[key] = None  # a model that contains itself falls back to cattrs
        _fast_functions[key] = _generate(cls, checked)
    return _fast_functions[key]


def _generate(cls: Any, checked: bool) -> Callable[[Any], Any] | None:
    if not attrs.has(cls) or hasattr(cls, "__attrs_post_init__"):
        return None
    try:
        hints = get_type_hints(cls)
    except Exception:  # an annotation that does not resolve: cattrs will say so
        return None
    namespace: dict[str, Any] = {
        "_Unusual": Unusual,
        "_new": object.__new__,
        "_cls": cls,
        "_fromiso": datetime.fromisoformat,
        "_UTC": UTC,
    }
    lines = ["def structure(d):"]
    if not checked:
        lines.append("    if type(d) is not dict: raise _Unusual")
    lines.append("    o = _new(_cls)")
    for field in attrs.fields(cls):
        slot = getattr(cls, field.name, None)
        plain = field.validator is None and field.converter is None and field.alias == field.name
        if not plain or not isinstance(slot, MemberDescriptorType):
            return None
        code = _field_code(field, hints[field.name], namespace, checked)
        if code is None:
            return None
        if checked:  # msgspec checked every type: the lines that raise are dropped
            code = [line for line in code if "raise _Unusual" not in line]
        # The slot's own setter: what attrs' __init__ does for a frozen class, minus the call.
        namespace[f"_set_{field.name}"] = slot.__set__
        key = json_name(field.name)
        read = f"d.{field.name}" if checked else f"d.get({key!r})"
        if code:
            lines += [f"    v = {read}", *code, f"    _set_{field.name}(o, v)"]
        else:  # nothing to check or convert: straight into the slot
            lines.append(f"    _set_{field.name}(o, {read})")
    lines.append("    return o")
    source = "\n".join(lines)
    exec(compile(source, f"<zep_async structure {cls.__name__}>", "exec"), namespace)  # noqa: S102
    function: Callable[[Any], Any] = namespace["structure"]
    return function


def _field_code(
    field: attrs.Attribute[Any], hint: Any, namespace: dict[str, Any], checked: bool
) -> list[str] | None:
    """Lines that check and convert ``v``, the value of one field; None if unsupported."""
    if is_model_list(hint) and isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
        # A list of models: null or missing is [], as the converter has it.
        item = fast_function(get_args(hint)[0], checked)
        if item is None:
            return None
        namespace[f"_item_{field.name}"] = item
        return [
            "    if v is None: v = []",
            "    elif type(v) is not list: raise _Unusual",
            f"    else: v = [_item_{field.name}(x) for x in v]",
        ]
    if field.default is not None or not is_optional(hint):
        return None
    inner = next(arg for arg in get_args(hint) if arg is not NoneType)
    if get_origin(inner) is Literal:  # an open enumeration: any string is kept
        inner = str
    if checked and inner in _AS_DECODED:
        return []  # msgspec built exactly this value
    if inner is str or inner is int or inner is bool:
        return [f"    if v is not None and type(v) is not {inner.__name__}: raise _Unusual"]
    if inner is float:
        return [
            "    if v is not None and type(v) is not float:",
            "        if type(v) is not int: raise _Unusual",
            "        v = float(v)",
        ]
    if inner == dict[str, Any]:  # arbitrary JSON, kept as decoded
        return ["    if v is not None and type(v) is not dict: raise _Unusual"]
    if inner is datetime:
        check = "type(v) is not str"
        body = ["v = _fromiso(v)", "if v.tzinfo is None: v = v.replace(tzinfo=_UTC)"]
    elif inner == dict[str, str]:
        check = "type(v) is not dict"
        body = [
            "for k, x in v.items():",
            "    if type(k) is not str or type(x) is not str: raise _Unusual",
            "v = dict(v)",
        ]
    elif inner == list[str]:
        check = "type(v) is not list"
        body = ["for x in v:", "    if type(x) is not str: raise _Unusual", "v = list(v)"]
    elif checked and attrs.has(inner) and as_decoded(inner):
        return []  # msgspec built the model itself
    elif attrs.has(inner) and (nested := fast_function(inner, checked)) is not None:
        namespace[f"_structure_{field.name}"] = nested
        check = "False"  # the nested function checks for a dict itself
        body = [f"v = _structure_{field.name}(v)"]
    else:
        return None
    return [
        "    if v is not None:",
        f"        if {check}: raise _Unusual",
        *(f"        {line}" for line in body),
    ]
