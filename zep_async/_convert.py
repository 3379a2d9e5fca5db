"""JSON to models and back: the one place that knows the wire format of the data.

Two cattrs converters share the same hooks. The fast one
(``detailed_validation=False``) decodes what the generated functions below leave
to it; only when it fails is the same data decoded again by the detailed one, to
say which fields are wrong. Both are built on first need, so that cattrs is not
loaded by ``import zep_async`` (nor, usually, at all). Hooks are generated once
per class, on first use, never per call.

The fast converter's hook for a model class first tries a straight-line
function generated for that class (``_fast_function``): it reads each field
once, checks the exact JSON type inline and fills the slot directly, at about
a third of the cost of cattrs' generated code, which dominates decoding a page.
It takes only plain JSON shapes (``dict``, ``list``, ``str``, ``int``,
``None``); on anything else, and on any error, the value goes to cattrs' own
hook, so what is accepted, what it becomes and how an error reads are unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from types import MemberDescriptorType, NoneType, UnionType
from typing import TYPE_CHECKING, Any, TypeVar, Union, get_args, get_origin, get_type_hints

import attrs

from .errors import APIResponseValidationError, excerpt
from .models import FactRatingExamples, FactRatingInstruction, Session

if TYPE_CHECKING:
    import cattrs

__all__ = ["decode", "from_dict", "to_dict"]

T = TypeVar("T")


def _structure_datetime(value: object, _: object) -> datetime:
    if not isinstance(value, str):
        raise TypeError(f"expected an RFC 3339 timestamp string, got {type(value).__name__}")
    parsed = datetime.fromisoformat(value)
    # The API always writes an offset; a bare local time is read as UTC rather than refused.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _structure_str(value: object, _: object) -> str:
    # cattrs' default would turn 42 or {"a": 1} into a string silently.
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _structure_int(value: object, _: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    return value


def _json_object(value: object, _: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"expected a JSON object, got {type(value).__name__}")
    return value


def _is(expected: Any) -> Any:
    return lambda candidate: candidate == expected


def _strict(json_type: type[list[Any]] | type[dict[str, Any]], hook: Any) -> Any:
    """Wrap ``hook`` so that it only accepts a value of ``json_type`` (list or dict)."""
    wanted = "a list" if json_type is list else "a JSON object"

    def structure(value: object, cls: Any) -> Any:
        if not isinstance(value, json_type):
            raise TypeError(f"expected {wanted}, got {type(value).__name__}")
        return hook(value, cls)

    return structure


def _is_optional(cls: Any) -> bool:
    args = get_args(cls)
    return get_origin(cls) in (Union, UnionType) and len(args) == 2 and type(None) in args


class _Unusual(Exception):  # noqa: N818 - a signal to fall back, never seen by a caller
    """A fast structure function met a value it leaves to cattrs."""


_fast_functions: dict[type[Any], Callable[[Any], Any] | None] = {}


def _fast_function(cls: type[Any]) -> Callable[[Any], Any] | None:
    """The generated straight-line structure function of model ``cls``, if it can have one.

    Only a slotted attrs class without validators, converters or
    ``__attrs_post_init__`` gets one, and only if every field defaults to
    ``None`` (or is the ``sessions`` list) and has a type listed in
    ``_field_code``. The function raises on any value it does not take as is.
    """
    if cls not in _fast_functions:
        _fast_functions[cls] = None  # a model that contains itself falls back to cattrs
        _fast_functions[cls] = _generate(cls)
    return _fast_functions[cls]


def _generate(cls: type[Any]) -> Callable[[Any], Any] | None:
    if not attrs.has(cls) or hasattr(cls, "__attrs_post_init__"):
        return None
    try:
        hints = get_type_hints(cls)
    except Exception:  # an annotation that does not resolve: cattrs will say so
        return None
    namespace: dict[str, Any] = {
        "_Unusual": _Unusual,
        "_new": object.__new__,
        "_cls": cls,
        "_fromiso": datetime.fromisoformat,
        "_UTC": UTC,
    }
    lines = [
        "def structure(d):",
        "    if type(d) is not dict: raise _Unusual",
        "    o = _new(_cls)",
    ]
    for field in attrs.fields(cls):
        slot = getattr(cls, field.name, None)
        plain = field.validator is None and field.converter is None and field.alias == field.name
        if not plain or not isinstance(slot, MemberDescriptorType):
            return None
        code = _field_code(field, hints[field.name], namespace)
        if code is None:
            return None
        # The slot's own setter: what attrs' __init__ does for a frozen class, minus the call.
        namespace[f"_set_{field.name}"] = slot.__set__
        lines += [f"    v = d.get({field.name!r})", *code, f"    _set_{field.name}(o, v)"]
    lines.append("    return o")
    source = "\n".join(lines)
    exec(compile(source, f"<zep_async structure {cls.__name__}>", "exec"), namespace)  # noqa: S102
    function: Callable[[Any], Any] = namespace["structure"]
    return function


def _field_code(
    field: attrs.Attribute[Any], hint: Any, namespace: dict[str, Any]
) -> list[str] | None:
    """Lines that check and convert ``v``, the value of one field; None if unsupported."""
    if hint == list[Session] and isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
        # `SessionListResponse.sessions`: null or missing is [], as the converter has it.
        item = _fast_function(Session)
        if item is None:
            return None
        namespace["_session"] = item
        return [
            "    if v is None: v = []",
            "    elif type(v) is not list: raise _Unusual",
            "    else: v = [_session(x) for x in v]",
        ]
    if field.default is not None or not _is_optional(hint):
        return None
    inner = next(arg for arg in get_args(hint) if arg is not NoneType)
    if inner is str or inner is int:
        return [f"    if v is not None and type(v) is not {inner.__name__}: raise _Unusual"]
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
    elif attrs.has(inner) and (nested := _fast_function(inner)) is not None:
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


def _model_hook(converter: cattrs.Converter) -> Callable[[type[Any]], Any]:
    """The fast converter's hook factory for models: generated code first, cattrs' behind it."""

    from cattrs.gen import make_dict_structure_fn

    def factory(cls: type[Any]) -> Any:
        fallback = make_dict_structure_fn(cls, converter)
        fast = _fast_function(cls)
        if fast is None:
            return fallback

        def structure(value: Any, _: Any) -> Any:
            try:
                return fast(value)
            except Exception:  # an unusual shape or an error: cattrs decides, and words it
                return fallback(value, cls)

        return structure

    return factory


def _make_converter(*, detailed: bool) -> cattrs.Converter:
    import cattrs

    converter = cattrs.Converter(detailed_validation=detailed, forbid_extra_keys=False)

    # cattrs resolves the inner type of `T | None` on every value; resolve it once per type.
    # Registered first, so every class hook generated later uses it.
    def optional_hook(cls: Any) -> Any:
        inner = next(arg for arg in get_args(cls) if arg is not type(None))
        hook = converter.get_structure_hook(inner)
        return lambda value, _: None if value is None else hook(value, inner)

    converter.register_structure_hook_factory(_is_optional, optional_hook)
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_unstructure_hook(datetime, datetime.isoformat)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(int, _structure_int)
    # Arbitrary JSON stays as decoded (its keys are str already); no per-key copy.
    converter.register_structure_hook_func(_is(dict[str, Any]), _json_object)
    if not detailed:
        converter.register_structure_hook_factory(attrs.has, _model_hook(converter))
    # Hooks bind the hooks of their parts when generated, so the order below matters.
    # cattrs would turn the string "abc" into ["a", "b", "c"]; a list field wants a JSON array.
    converter.register_structure_hook_func(
        _is(list[str]), _strict(list, converter.get_structure_hook(list[str]))
    )
    # A generated class hook looks keys up with `in`, so a string or a list passed for a
    # model would become an empty model ("instruction" in "be nice" is False).
    for model in (FactRatingExamples, FactRatingInstruction, Session):
        converter.register_structure_hook(model, _strict(dict, converter.get_structure_hook(model)))
    converter.register_structure_hook_func(
        _is(list[Session]), _strict(list, converter.get_structure_hook(list[Session]))
    )
    # `SessionListResponse.sessions` is a list, never None: a null from the server is [].
    sessions_hook = converter.get_structure_hook(list[Session])
    converter.register_structure_hook_func(
        _is(list[Session]),
        lambda value, cls: [] if value is None else sessions_hook(value, cls),
    )
    return converter


_built: list[cattrs.Converter] = []


def _converters() -> tuple[cattrs.Converter, cattrs.Converter]:
    """The fast and the detailed converter, built (and cattrs loaded) on first need."""
    if not _built:  # two threads may both build; either pair is the same, and one stays
        _built[:] = [_make_converter(detailed=False), _make_converter(detailed=True)]
    return _built[0], _built[1]


def _problems(data: object, cls: type[Any]) -> list[str]:
    import cattrs
    from cattrs.errors import BaseValidationError

    if not isinstance(data, dict):
        return [f"expected a JSON object @ $, got {type(data).__name__}"]
    try:
        _converters()[1].structure(data, cls)
    except BaseValidationError as exc:
        return cattrs.transform_error(exc)
    except (TypeError, ValueError, AttributeError) as exc:  # pragma: no cover - defensive
        return [f"{exc} @ $"]
    return []  # pragma: no cover - the fast converter failed where the detailed one did not


def from_dict(cls: type[T], data: object) -> T:
    """Build a model from JSON-compatible data, as it came from the API.

    Unknown keys are ignored and missing ones become ``None``.

    Args:
        cls: The model class, e.g. ``Session``.
        data: A ``dict`` decoded from JSON.

    Raises:
        ValueError: The data does not fit the model; the message lists each problem.
    """
    if isinstance(data, dict):
        fast = _fast_function(cls)
        if fast is not None:
            try:
                return fast(data)  # type: ignore[no-any-return]
            except Exception:  # noqa: S110 - an unusual shape: the converter below decides
                pass
        try:
            return _converters()[0].structure(data, cls)
        except Exception:  # noqa: S110 - re-decoded below to name every problem
            pass
    raise ValueError("; ".join(_problems(data, cls)))


def to_dict(model: object) -> dict[str, Any]:
    """Turn a model into a JSON-compatible ``dict`` in the API's field names.

    Timestamps become RFC 3339 strings; ``from_dict`` reads the result back to an
    equal model.
    """
    result: dict[str, Any] = _converters()[0].unstructure(model)
    return result


def decode(
    cls: type[T],
    body: bytes,
    *,
    status_code: int = 200,
    request_id: str | None = None,
    method: str | None = None,
    url: str | None = None,
    attempts: int = 1,
) -> T:
    """Decode a 2xx response body into ``cls``.

    Raises:
        APIResponseValidationError: The body is not JSON, or not of the promised shape.
    """
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # Recursion: too deep
        errors = [f"body is not valid JSON: {exc}"]
    else:
        try:
            return from_dict(cls, data)
        except ValueError as exc:
            errors = str(exc).split("; ")
    text = excerpt(body[:2000].decode("utf-8", "replace")) or "<empty>"
    raise APIResponseValidationError(
        f"{status_code} response does not match {cls.__name__}: {'; '.join(errors[:5])}",
        status_code=status_code,
        body=text,
        errors=errors,
        request_id=request_id,
        method=method,
        url=url,
        attempts=attempts,
    ) from None
