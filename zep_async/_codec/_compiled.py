"""The compiled decoder of the ``speedups`` extra: msgspec reads a body into the models.

Per model class, msgspec is given a mirror (``msgspec.defstruct``): the same fields,
all optional, under the JSON keys, with timestamps and open enumerations as ``str``
and nested models as their mirrors. msgspec checks every JSON type in C; the
function ``_fastpath`` generates for the mirror (``checked=True``) then fills the
model's slots, parsing timestamps by the SDK's own rule (``datetime.fromisoformat``,
a naive time read as UTC), so values are those of the standard path by construction.
A model with nothing to convert (``_fastpath.as_decoded``: the fact-rating ones) is
its own mirror: msgspec builds it directly (its documented support of attrs classes).

Whatever msgspec or that function refuses (a wrong type, a lone surrogate, a BOM,
``1e999``, a timestamp ``fromisoformat`` refuses, nesting near the recursion limit...)
is ``REFUSED``: the standard path decodes it again and words any error.

Used only when msgspec (``MIN_VERSION`` or newer) imports, ``ZEP_ASYNC_NO_SPEEDUPS``
is unset, and a self-check at first use (one body decoded both ways, compared) passes:
it guards what is not msgspec's public contract (the slot setters of attrs classes).
msgspec is imported on first use, never by ``import zep_async``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal, NamedTuple, get_args, get_origin, get_type_hints

import attrs

from ._fastpath import as_decoded, fast_function, is_model_list, is_optional, json_name

__all__ = ["MIN_VERSION", "REFUSED", "TooLong", "backend", "decode", "use"]

#: The oldest msgspec the extra allows (``pyproject.toml``); an older one is not used.
MIN_VERSION = (0, 18, 6)
REFUSED: Any = object()  # msgspec refused the body: decode it the standard way


class TooLong(NamedTuple):
    """Valid JSON, but a page longer than asked for: where, and how many items."""

    where: str
    items: int


_msgspec: Any = None  # the module; False when absent, too old, switched off or failed
_plans: dict[Any, tuple[Any, Callable[[Any], Any]] | None] = {}
#: The plans in use (msgspec imported, switched on and self-checked), by class; what
#: ``_decode.decode`` reads first. Emptied whenever the compiled decoder is switched.
ready: dict[Any, tuple[Any, Callable[[Any], Any]]] = {}


def _version(text: str) -> tuple[int, ...]:
    parts = []
    for part in text.split(".")[:3]:
        digits = "".join(ch for ch in part if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def _lookup() -> Any:
    global _msgspec
    _msgspec = False
    if os.environ.get("ZEP_ASYNC_NO_SPEEDUPS"):
        return False
    try:
        import msgspec
    except Exception:  # absent, or a broken build failing in its own way: not used
        return False
    if _version(getattr(msgspec, "__version__", "0")) < MIN_VERSION:
        return False
    _msgspec = msgspec
    if not _self_check():
        _msgspec = False
        _plans.clear()
        ready.clear()
    return _msgspec


def use(enabled: bool | None = None) -> bool:
    """Switch the compiled decoder off (``False``), or back to "when installed" (``None``/``True``).

    For tests and for ruling msgspec out; returns whether it is now in use.
    """
    global _msgspec
    _msgspec = False if enabled is False else None
    _plans.clear()
    ready.clear()
    return bool(_msgspec if _msgspec is not None else _lookup())


def backend() -> str:
    """``"msgspec"`` when the compiled decoder is in use, else ``"standard"``."""
    return "msgspec" if (_msgspec if _msgspec is not None else _lookup()) else "standard"


def _mirror_type(hint: Any) -> Any:
    """msgspec's type for a field annotated ``hint``; None when it has no mirror."""
    if is_model_list(hint):
        item = _mirror(get_args(hint)[0])
        return None if item is None else list[item] | None  # type: ignore[valid-type]
    if not is_optional(hint):
        return None
    inner = next(arg for arg in get_args(hint) if arg is not type(None))
    if inner is datetime or get_origin(inner) is Literal:
        return str | None  # parsed by the SDK's rule / kept as any string
    if attrs.has(inner):
        nested = _mirror(inner)
        return None if nested is None else nested | None
    if inner in (str, int, bool, float, dict[str, Any], dict[str, str], list[str]):
        return hint
    return None


_mirrors: dict[Any, Any] = {}


def _mirror(cls: Any) -> Any:
    """The msgspec ``Struct`` mirroring model ``cls``; None if a field has no mirror."""
    if cls in _mirrors:
        return _mirrors[cls]
    if as_decoded(cls):  # e.g. FactRatingInstruction: msgspec builds the model itself
        _mirrors[cls] = cls
        return cls
    _mirrors[cls] = None  # a model that contains itself has no mirror
    hints = get_type_hints(cls)
    fields = []
    for field in attrs.fields(cls):
        kind = _mirror_type(hints[field.name])
        if kind is None:
            return None
        fields.append((field.name, kind, None))
    renames = {field.name: json_name(field.name) for field in attrs.fields(cls)}
    _mirrors[cls] = _msgspec.defstruct(f"Mirror{cls.__name__}", fields, rename=renames)
    return _mirrors[cls]


def _same(value: Any) -> Any:
    return value


def _plan(cls: Any) -> tuple[Any, Callable[[Any], Any]] | None:
    """msgspec's decoder for ``cls`` (a model or a list of models) and the builder after it."""
    if cls in _plans:
        return _plans[cls]
    model = get_args(cls)[0] if is_model_list(cls) else cls
    plan = None
    if attrs.has(model):
        mirror = _mirror(model)
        build = _same if mirror is model else fast_function(model, checked=True)
        if mirror is not None and build is not None:
            if model is cls:
                plan = (_msgspec.json.Decoder(mirror), build)
            else:
                item = build
                plan = (
                    _msgspec.json.Decoder(list[mirror] | None),  # type: ignore[valid-type]
                    lambda values: [] if values is None else [item(value) for value in values],
                )
    _plans[cls] = plan
    if plan is not None:
        ready[cls] = plan
    return plan


def _longest(decoded: Any) -> TooLong:
    """The longest list of models in ``decoded`` (a mirror, or a list of mirrors)."""
    if isinstance(decoded, list):
        return TooLong("$", len(decoded))
    longest = TooLong("$", 0)
    for name in decoded.__struct_fields__:
        items = getattr(decoded, name)
        is_page = type(items) is list and items and hasattr(items[0], "__struct_fields__")
        if is_page and len(items) > longest.items:
            longest = TooLong(f"$.{json_name(name)}", len(items))
    return longest


def decode(cls: Any, body: bytes, max_items: int | None) -> Any:
    """``body`` as ``cls`` via msgspec; ``REFUSED``, or ``TooLong`` before any model is built."""
    lib = _msgspec if _msgspec is not None else _lookup()
    if not lib:
        return REFUSED
    plan = _plans[cls] if cls in _plans else _plan(cls)
    if plan is None:
        return REFUSED
    decoder, build = plan
    try:
        decoded = decoder.decode(body)
    except (lib.DecodeError, lib.ValidationError, RecursionError):  # Recursion: too deep
        return REFUSED
    if max_items is not None and decoded is not None:
        longest = _longest(decoded)
        if longest.items > max_items:
            return longest
    try:
        return build(decoded)
    except Exception:  # a timestamp fromisoformat refuses: the standard path words it
        return REFUSED


#: The self-check's body: every kind of field, nested models, a null list, a naive time.
_SAMPLE = (
    b'{"sessions":[{"uuid":"u","id":12345678901234567890123,"session_id":"s",'
    b'"created_at":"2024-08-01T18:25:43.123456789Z","updated_at":"2024-08-01T18:25:43",'
    b'"metadata":{"a":[1,2.5,null,true,{"b":"\\u00e9"}]},"classifications":{"k":"v"},'
    b'"facts":["f"],"fact_rating_instruction":{"instruction":"i","examples":'
    b'{"high":"h","low":"l","medium":"m"}}},{}],"total_count":2}'
)


def _self_check() -> bool:
    """Whether the compiled path decodes the sample exactly as the standard path does."""
    from ..models import SessionListResponse
    from ._convert import from_dict
    from ._json import loads

    try:
        compiled = decode(SessionListResponse, _SAMPLE, None)
        standard = from_dict(SessionListResponse, loads(_SAMPLE))
    except Exception:
        return False
    if compiled is REFUSED or compiled != standard:
        return False
    stamps = [(s.created_at, s.updated_at) for s in compiled.sessions]
    return stamps == [(s.created_at, s.updated_at) for s in standard.sessions] and all(
        value is None or value.tzinfo is not None for pair in stamps for value in pair
    )
