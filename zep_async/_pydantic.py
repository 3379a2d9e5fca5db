"""Pydantic v2 and FastAPI interop for the models, without depending on pydantic.

``install(models)`` gives every attrs class that ``zep_async.models`` exports a
``__get_pydantic_core_schema__`` class method. Pydantic calls it only when a model
is used where pydantic needs a schema (a FastAPI return annotation or
``response_model``, a ``list[Session]`` field of a ``BaseModel``, a
``TypeAdapter``); ``pydantic_core`` is imported inside it, so ``import zep_async``
never loads pydantic.

The schema it returns:

- validates the way ``zep_async.from_dict`` does (an instance passes through
  unchanged, a ``dict`` or JSON object is read by the same rules, a bad value is a
  pydantic ``ValidationError`` listing the problems), and also checks what the schema
  lists as an enumeration (``role_type``): input a caller writes must be one of the
  listed values, where ``from_dict`` keeps a server's newer value;
- serializes to the API's JSON, as ``zep_async.to_dict`` does, timestamps as the
  RFC 3339 strings ``datetime.isoformat`` writes; in pydantic's python mode
  (``model_dump()``) a model becomes a ``dict`` whose timestamps stay ``datetime``;
- describes each field (name, type, nullable, default ``null``, ``date-time``
  format, nested models as ``$ref``) for JSON schema and OpenAPI, with the field
  descriptions taken from the class docstring's ``Attributes:`` section as plain
  text (reST markup such as double backquotes or ``:class:`` roles taken off).

FastAPI reads a parameter annotated with a bare model (``body: Session``) as a
query parameter: it takes a parameter for the body only when its type is a
pydantic ``BaseModel``, a dataclass, a mapping or a sequence, which these classes
are not and do not pretend to be. ``Annotated[Session, Body()]`` and
``list[Message]`` are request bodies; docs/fastapi.md has the forms.

FastAPI encodes a value returned by an endpoint that declares no response model
with ``fastapi.encoders.jsonable_encoder``, which knows nothing of pydantic
schemas; ``to_dict`` is therefore also registered in that encoder's table when
FastAPI is already imported at ``install`` or when an ``AsyncZep`` is built, and
whenever pydantic asks for a schema. No import hook: the SDK never watches imports.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
import threading
import types
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Union, get_args, get_origin, get_type_hints

import attrs

from ._codec import from_dict, json_name, to_dict

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler
    from pydantic_core import CoreSchema

__all__ = ["install", "model_classes", "to_json"]

_ENCODERS_MODULE = "fastapi.encoders"
_lock = threading.Lock()
_registered: list[type[Any]] = []


def to_json(model: object, *, indent: int | None = None) -> str:
    """Turn a model into the API's JSON text, as ``to_dict`` then ``json.dumps`` would.

    It returns ``str``, not ``bytes``: ``json.dumps``, logging, templates and the
    ``from_dict(cls, json.loads(text))`` round trip all speak ``str``; call
    ``.encode()`` for the wire. Non-ASCII text is kept as is, not escaped.

    Args:
        model: A model instance, e.g. a ``Session``.
        indent: Indent nested levels by this many spaces; ``None`` (the default)
            writes one compact line.

    Raises:
        TypeError: ``model`` is not an instance of a model class.
    """
    if not attrs.has(type(model)):
        raise TypeError(f"model must be a zep_async model instance, got {type(model).__name__}")
    separators = (",", ":") if indent is None else (",", ": ")
    return json.dumps(to_dict(model), ensure_ascii=False, indent=indent, separators=separators)


def model_classes(module: types.ModuleType) -> list[type[Any]]:
    """The attrs classes ``module`` exports in its ``__all__`` (or defines, if it has none)."""
    names: Iterable[str] = getattr(module, "__all__", None) or vars(module)
    found = []
    for name in names:
        value = getattr(module, name, None)
        if isinstance(value, type) and attrs.has(value) and value not in found:
            found.append(value)
    return found


def install(module: types.ModuleType) -> None:
    """Make every model class of ``module`` usable by pydantic and FastAPI; idempotent."""
    classes = model_classes(module)
    for cls in classes:
        if "__get_pydantic_core_schema__" not in vars(cls):
            # Set on the class, not an instance: frozen and slotted instances are untouched.
            cls.__get_pydantic_core_schema__ = classmethod(_core_schema)
    with _lock:
        _registered.extend(cls for cls in classes if cls not in _registered)
    encoders = sys.modules.get(_ENCODERS_MODULE)
    if encoders is not None:
        _register_encoders(encoders)


def _register_encoders(encoders: types.ModuleType) -> None:
    """Put ``to_dict`` in FastAPI's table for each model (no annotation, no schema used)."""
    table = getattr(encoders, "ENCODERS_BY_TYPE", None)
    if isinstance(table, dict):
        with _lock:
            for cls in _registered:
                table.setdefault(cls, to_dict)


def register_fastapi_encoders() -> None:
    """Teach FastAPI's encoder the models, if FastAPI is loaded; cheap, idempotent.

    FastAPI encodes the return value of an endpoint with no annotation through its
    own table, without pydantic. ``AsyncZep`` calls this when it is built (an
    application builds its client after importing FastAPI); the pydantic hook calls
    it too. Nothing watches imports: an endpoint that returns a model without any
    client ever built should declare its return type, as FastAPI recommends.
    """
    encoders = sys.modules.get(_ENCODERS_MODULE)
    if encoders is not None:
        _register_encoders(encoders)


def _core_schema(cls: type[Any], source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
    """The pydantic core schema of model ``cls`` (called by pydantic, once per class)."""
    from pydantic_core import core_schema

    encoders = sys.modules.get(_ENCODERS_MODULE)
    if encoders is not None:  # FastAPI is building a route: make sure its encoder knows us
        _register_encoders(encoders)

    hints = get_type_hints(cls)
    described = _attribute_docs(cls.__doc__ or "")
    fields: dict[str, core_schema.TypedDictField] = {}
    for field in attrs.fields(cls):
        schema = _type_schema(hints[field.name], handler)
        required = field.default is attrs.NOTHING
        if isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            factory = field.default.factory
            if not field.default.takes_self:
                schema = core_schema.with_default_schema(schema, default_factory=factory)
        elif not required:
            schema = core_schema.with_default_schema(schema, default=field.default)
        updates: dict[str, Any] = {"title": _title(json_name(field.name))}
        if field.name in described:
            updates["description"] = plain_text(described[field.name])
        fields[json_name(field.name)] = core_schema.typed_dict_field(
            schema, required=required, metadata={"pydantic_js_updates": updates}
        )
    summary = plain_text(inspect.cleandoc(cls.__doc__ or "").split("\n\n")[0].strip())
    shape = core_schema.typed_dict_schema(
        fields,
        total=False,
        metadata={"pydantic_js_updates": {"title": cls.__name__, "description": summary}},
    )

    def validate(value: Any) -> Any:
        if isinstance(value, cls):
            return value
        model = from_dict(cls, value)  # its ValueError becomes pydantic's ValidationError
        problems = _enumeration_problems(model, "$")
        if problems:
            raise ValueError("; ".join(problems))
        return model

    validate.__name__ = validate.__qualname__ = cls.__name__  # pydantic's error title names it

    names = tuple((json_name(field.name), field.name) for field in attrs.fields(cls))

    def serialize(model: Any) -> dict[str, Any]:
        # One level only: `shape` serializes each field, nested models by their own schema.
        return {key: getattr(model, name) for key, name in names}

    return core_schema.no_info_plain_validator_function(
        validate,
        ref=f"{cls.__module__}.{cls.__qualname__}:{id(cls)}",
        json_schema_input_schema=shape,
        serialization=core_schema.plain_serializer_function_ser_schema(
            serialize, return_schema=shape
        ),
    )


def _type_schema(hint: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
    """The core schema of one field type; timestamps are written as ``isoformat`` does."""
    from pydantic_core import core_schema

    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, types.UnionType) and type(None) in args:
        rest = [arg for arg in args if arg is not type(None)]
        inner = rest[0] if len(rest) == 1 else Union[tuple(rest)]  # noqa: UP007
        return core_schema.nullable_schema(_type_schema(inner, handler))
    if hint is datetime:
        return core_schema.datetime_schema(
            serialization=core_schema.plain_serializer_function_ser_schema(
                datetime.isoformat, when_used="json"
            )
        )
    if origin is list and len(args) == 1:
        return core_schema.list_schema(_type_schema(args[0], handler))
    if origin is dict and len(args) == 2 and args[0] is str:
        return core_schema.dict_schema(core_schema.str_schema(), _type_schema(args[1], handler))
    return handler.generate_schema(hint)


def _title(name: str) -> str:
    return name.replace("_", " ").title()


def _attribute_docs(docstring: str) -> dict[str, str]:
    """Field descriptions from a Google-style ``Attributes:`` section."""
    found: dict[str, str] = {}
    lines = inspect.cleandoc(docstring).splitlines()
    try:
        start = lines.index("Attributes:") + 1
    except ValueError:
        return found
    current = None
    for line in lines[start:]:
        if not line.strip():
            continue
        if not line.startswith(" "):
            break  # the next section
        text = line.strip()
        head, colon, rest = text.partition(":")
        indent = len(line) - len(line.lstrip())
        if indent == 4 and colon and head.isidentifier():
            current = head
            found[head] = rest.strip()
        elif current is not None:
            found[current] = f"{found[current]} {text}".strip()
    return found


#: Double backquotes, and reST roles such as :class:`Session` or :meth:`~x.y`.
_MARKUP = re.compile(r"(?::[a-z]+:)?`{1,2}~?([^`]+?)`{1,2}")


def plain_text(text: str) -> str:
    """A docstring fragment without reST markup, for a schema's ``description``."""
    return _MARKUP.sub(r"\1", text)


def _enumeration_problems(model: Any, where: str) -> list[str]:
    """Where a value of ``model`` (nested models included) is outside its ``Literal``."""
    problems: list[str] = []
    for key, name, hint in _typed_fields(type(model)):
        _check_value(hint, getattr(model, name), f"{where}.{key}", problems)
    return problems


#: Each model class's fields with their types, worked out once (a race only repeats work).
_typed: dict[type[Any], tuple[tuple[str, str, Any], ...]] = {}


def _typed_fields(cls: type[Any]) -> tuple[tuple[str, str, Any], ...]:
    """(JSON key, attribute, type) of each field of model class ``cls``."""
    found = _typed.get(cls)
    if found is None:
        hints = get_type_hints(cls)
        found = tuple((json_name(f.name), f.name, hints[f.name]) for f in attrs.fields(cls))
        _typed[cls] = found
    return found


def _check_value(hint: Any, value: Any, where: str, problems: list[str]) -> None:
    if value is None:
        return
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, types.UnionType):
        for arg in args:
            if arg is not type(None):
                _check_value(arg, value, where, problems)
    elif origin is Literal:
        if not any(value == allowed and type(value) is type(allowed) for allowed in args):
            listed = ", ".join(repr(allowed) for allowed in args)
            problems.append(f"{value!r} is not one of {listed} @ {where}")
    elif origin is list and isinstance(value, list):
        for index, item in enumerate(value):
            _check_value(args[0], item, f"{where}[{index}]", problems)
    elif origin is dict and isinstance(value, dict) and len(args) == 2:
        for key, item in value.items():
            _check_value(args[1], item, f"{where}.{key}", problems)
    elif isinstance(hint, type) and attrs.has(hint) and isinstance(value, hint):
        problems.extend(_enumeration_problems(value, where))
