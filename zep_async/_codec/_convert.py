"""JSON to models and back: the one place that knows the wire format of the data.

Two cattrs converters share the same hooks. The fast one
(``detailed_validation=False``) decodes what the generated functions of
``_fastpath`` leave to it; only when it fails is the same data decoded again by
the detailed one, to say which fields are wrong. Both are built on first need,
so that cattrs is not loaded by ``import zep_async`` (nor, usually, at all).
Hooks are generated once per class, on first use, never per call.

Request bodies go the other way in ``_encode``; ``_decode`` reads a body into these.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar, get_args, get_origin

import attrs

from ._fastpath import fast_function, is_model_list, is_optional, json_name

if TYPE_CHECKING:
    import cattrs

__all__ = ["from_dict", "problems", "to_dict"]

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


def _structure_float(value: object, _: object) -> float:
    # cattrs' default would read the string "0.5" as a number.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    return float(value)


def _structure_bool(value: object, _: object) -> bool:
    # cattrs' default would read "false" as True.
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {type(value).__name__}")
    return value


def _json_object(value: object, _: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"expected a JSON object, got {type(value).__name__}")
    return value


def _is_json_object(cls: Any) -> bool:
    return bool(cls == dict[str, Any] or cls == dict[str, Any] | None)


def _is_literal(cls: Any) -> bool:
    origin: object = get_origin(cls)
    return origin is Literal


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


def _renames(cls: type[Any]) -> dict[str, Any]:
    """cattrs overrides for the fields whose JSON key differs from the attribute name."""
    from cattrs.gen import override

    return {
        field.name: override(rename=json_name(field.name))
        for field in attrs.fields(cls)
        if json_name(field.name) != field.name
    }


def _model_hook(converter: cattrs.Converter, *, detailed: bool) -> Callable[[type[Any]], Any]:
    """The hook factory for models: generated code first (fast converter), cattrs' behind it.

    A generated class hook looks keys up with ``in``, so a string or a list passed
    for a model would become an empty model: only a JSON object is accepted.
    """
    from cattrs.gen import make_dict_structure_fn

    def factory(cls: type[Any]) -> Any:
        fallback = _strict(dict, make_dict_structure_fn(cls, converter, **_renames(cls)))
        fast = None if detailed else fast_function(cls)
        if fast is None:
            return fallback

        def structure(value: Any, _: Any) -> Any:
            try:
                return fast(value)
            except Exception:  # an unusual shape or an error: cattrs decides, and words it
                return fallback(value, cls)

        return structure

    return factory


def _model_list_hook(converter: cattrs.Converter) -> Callable[[Any], Any]:
    """A list of models is a JSON array; null (or a missing key) is an empty list."""
    from cattrs.cols import list_structure_factory

    def factory(cls: Any) -> Any:
        items = _strict(list, list_structure_factory(cls, converter))
        return lambda value, _: [] if value is None else items(value, cls)

    return factory


def _model_unstructure_hook(converter: cattrs.Converter) -> Callable[[type[Any]], Any]:
    from cattrs.gen import make_dict_unstructure_fn

    return lambda cls: make_dict_unstructure_fn(cls, converter, **_renames(cls))


def _make_converter(*, detailed: bool) -> cattrs.Converter:
    import cattrs

    converter = cattrs.Converter(detailed_validation=detailed, forbid_extra_keys=False)

    # cattrs resolves the inner type of `T | None` on every value; resolve it once per type.
    # Registered first, so every class hook generated later uses it.
    def optional_hook(cls: Any) -> Any:
        inner = next(arg for arg in get_args(cls) if arg is not type(None))
        hook = converter.get_structure_hook(inner)
        return lambda value, _: None if value is None else hook(value, inner)

    converter.register_structure_hook_factory(is_optional, optional_hook)
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_unstructure_hook(datetime, datetime.isoformat)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(float, _structure_float)
    converter.register_structure_hook(bool, _structure_bool)
    # The API's enumerations are open: a value newer than this SDK is kept as its string.
    converter.register_structure_hook_func(_is_literal, _structure_str)
    # Arbitrary JSON stays as decoded (its keys are str already); no per-key copy. Encoded
    # back with a shallow copy, never walked: it may nest deeper than recursion allows.
    converter.register_structure_hook_func(_is(dict[str, Any]), _json_object)
    converter.register_unstructure_hook_func(
        _is_json_object, lambda value: None if value is None else dict(value)
    )
    # cattrs would turn the string "abc" into ["a", "b", "c"]; a list field wants a JSON array.
    converter.register_structure_hook_func(
        _is(list[str]), _strict(list, converter.get_structure_hook(list[str]))
    )
    converter.register_structure_hook_factory(attrs.has, _model_hook(converter, detailed=detailed))
    converter.register_structure_hook_factory(is_model_list, _model_list_hook(converter))
    converter.register_unstructure_hook_factory(attrs.has, _model_unstructure_hook(converter))
    return converter


_built: list[cattrs.Converter] = []


def _converters() -> tuple[cattrs.Converter, cattrs.Converter]:
    """The fast and the detailed converter, built (and cattrs loaded) on first need."""
    if not _built:  # two threads may both build; either pair is the same, and one stays
        _built[:] = [_make_converter(detailed=False), _make_converter(detailed=True)]
    return _built[0], _built[1]


def problems(data: object, cls: Any) -> list[str]:
    import cattrs
    from cattrs.errors import BaseValidationError

    if is_model_list(cls):
        if data is not None and not isinstance(data, list):
            return [f"expected a JSON array @ $, got {type(data).__name__}"]
    elif not isinstance(data, dict):
        return [f"expected a JSON object @ $, got {type(data).__name__}"]
    try:
        _converters()[1].structure(data, cls)
    except BaseValidationError as exc:
        return cattrs.transform_error(exc)
    except (TypeError, ValueError, AttributeError) as exc:  # pragma: no cover - defensive
        return [f"{exc} @ $"]
    return []  # pragma: no cover - the fast converter failed where the detailed one did not


def _fast_list(item: type[Any], data: object) -> list[Any] | None:
    """A bare JSON array of ``item`` models through the generated function; None to fall back."""
    if data is None:
        return []
    fast = fast_function(item)
    if fast is None or type(data) is not list:
        return None
    try:
        return [fast(value) for value in data]
    except Exception:  # an unusual shape: the converter decides
        return None


def from_dict(cls: type[T], data: object) -> T:
    """Build a model from JSON-compatible data, as it came from the API.

    Unknown keys are ignored and missing ones become ``None``. ``cls`` may also
    be a list of models, e.g. ``list[Session]``, for a bare JSON array (``None``
    gives an empty list).

    Args:
        cls: The model class, e.g. ``Session``, or ``list[Session]``.
        data: A ``dict`` (or, for a list, a ``list``) decoded from JSON.

    Raises:
        ValueError: The data does not fit the model; the message lists each problem.
    """
    if is_model_list(cls):
        items = _fast_list(get_args(cls)[0], data)
        if items is not None:
            return items  # type: ignore[return-value]
    elif type(data) is dict:
        fast = fast_function(cls)
        if fast is not None:
            try:
                return fast(data)  # type: ignore[no-any-return]
            except Exception:  # noqa: S110 - an unusual shape: the converter below decides
                pass
    if isinstance(data, dict | list):
        try:
            return _converters()[0].structure(data, cls)
        except Exception:  # noqa: S110 - re-decoded below to name every problem
            pass
    raise ValueError("; ".join(problems(data, cls)))


def to_dict(model: object) -> dict[str, Any]:
    """Turn a model into a JSON-compatible ``dict`` in the API's field names.

    Timestamps become RFC 3339 strings; ``from_dict`` reads the result back to an
    equal model. Arbitrary JSON (``metadata``) is copied one level deep and its
    contents are shared, never walked, so any depth that decoded encodes too.
    """
    result: dict[str, Any] = _converters()[0].unstructure(model)
    return result
