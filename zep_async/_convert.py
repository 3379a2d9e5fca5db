"""JSON to models and back: the one place that knows the wire format of the data.

Two module-level cattrs converters share the same hooks. The fast one
(``detailed_validation=False``) decodes every response; only when it fails is
the same data decoded again by the detailed one, to say which fields are wrong.
Hooks are generated once per class, on first use, never per call.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import UnionType
from typing import Any, TypeVar, Union, get_args, get_origin

import cattrs
from cattrs.errors import BaseValidationError

from .errors import APIResponseValidationError, excerpt
from .models import FactRatingExamples, FactRatingInstruction, Session

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


def _make_converter(*, detailed: bool) -> cattrs.Converter:
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


_fast = _make_converter(detailed=False)
_detailed = _make_converter(detailed=True)


def _problems(data: object, cls: type[Any]) -> list[str]:
    if not isinstance(data, dict):
        return [f"expected a JSON object @ $, got {type(data).__name__}"]
    try:
        _detailed.structure(data, cls)
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
        try:
            return _fast.structure(data, cls)
        except Exception:  # noqa: S110 - re-decoded below to name every problem
            pass
    raise ValueError("; ".join(_problems(data, cls)))


def to_dict(model: object) -> dict[str, Any]:
    """Turn a model into a JSON-compatible ``dict`` in the API's field names.

    Timestamps become RFC 3339 strings; ``from_dict`` reads the result back to an
    equal model.
    """
    result: dict[str, Any] = _fast.unstructure(model)
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
