"""A 2xx body to a model: the one place that decodes, bounds and words a bad body.

Two paths give identical values: msgspec straight into the models (``_compiled``,
with the ``speedups`` extra) and ``_json.loads`` then ``from_dict``. Anything the
first refuses is decoded again by the second, whose error text is the one raised.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar, get_args

import attrs

from .._reply import Reply
from ..errors import APIResponseValidationError, APITimeoutError, excerpt
from . import _compiled, _json
from ._convert import from_dict
from ._fastpath import is_model_list, json_name

__all__ = ["decode", "decode_reply", "use_compiled"]

T = TypeVar("T")

use_compiled = _compiled.use


def _type_name(cls: Any) -> str:
    """``Session``, or ``list[Session]`` for a bare array."""
    if is_model_list(cls):
        return f"list[{get_args(cls)[0].__name__}]"
    return str(getattr(cls, "__name__", cls))


@cache
def _list_keys(cls: Any) -> tuple[str, ...]:
    """The JSON keys of ``cls``'s fields that hold a list of models (a page's items).

    In the models exactly those fields default to an empty list (``field(factory=list)``).
    """
    if not attrs.has(cls):
        return ()
    factory: Any = attrs.Factory
    return tuple(
        json_name(field.name) for field in attrs.fields(cls) if isinstance(field.default, factory)
    )


def _too_long(cls: Any, data: object, max_items: int) -> str | None:
    """Why ``data`` (decoded JSON) holds more items than ``max_items``; None if it does not."""
    if isinstance(data, list):
        return _too_many("$", len(data), max_items) if len(data) > max_items else None
    longest = ("$", 0)
    for key in _list_keys(cls):
        items = data.get(key) if isinstance(data, dict) else None
        if isinstance(items, list) and len(items) > longest[1]:
            longest = (f"$.{key}", len(items))
    return _too_many(*longest, max_items) if longest[1] > max_items else None


def _too_many(where: str, count: int, max_items: int | None) -> str:
    return f"{where} holds {count} items, more than the {max_items} this request allows"


def decode(
    cls: type[T],
    body: bytes,
    *,
    status_code: int = 200,
    request_id: str | None = None,
    method: str | None = None,
    url: str | None = None,
    attempts: int = 1,
    may_have_been_applied: bool = False,
    max_items: int | None = None,
) -> T:
    """Decode a 2xx response body into ``cls`` (a model, or a list of models).

    ``max_items`` bounds a page: a body holding more items than that (a page far
    longer than asked for) is refused, before its models are built where possible.

    Raises:
        APIResponseValidationError: The body is not JSON, not of the promised shape, or
            longer than ``max_items``; it carries every argument given here.
    """
    errors: list[str]
    model = _compiled.decode(cls, body, max_items)
    if type(model) is _compiled.TooLong:
        errors = [_too_many(model.where, model.items, max_items)]
    elif model is not _compiled.REFUSED:
        return model  # type: ignore[no-any-return]
    else:
        try:
            data: Any = _json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # Recursion: too deep
            errors = [f"body is not valid JSON: {exc}"]
        else:
            reason = None if max_items is None else _too_long(cls, data, max_items)
            if reason is not None:
                errors = [reason]
            else:
                try:
                    return from_dict(cls, data)
                except ValueError as exc:
                    errors = str(exc).split("; ")
    text = excerpt(body[:2000].decode("utf-8", "replace")) or "<empty>"
    raise APIResponseValidationError(
        f"{status_code} response does not match {_type_name(cls)}: {'; '.join(errors[:5])}",
        status_code=status_code,
        body=text,
        errors=errors,
        request_id=request_id,
        method=method,
        url=url,
        attempts=attempts,
        may_have_been_applied=may_have_been_applied,
    ) from None


def decode_reply(
    cls: type[T],
    reply: Reply,
    *,
    max_items: int | None = None,
    clock: Callable[[], float] = time.monotonic,
    total_timeout: float | None = None,
) -> T:
    """Decode the body of the transport's ``reply``, counting against the call's deadline.

    Args:
        cls: The model class, or ``list[Model]``.
        reply: What ``Transport.send`` returned.
        max_items: The most items a page may hold; a longer page is refused.
        clock: The retry policy's clock, on which ``reply.deadline`` is a time.
        total_timeout: The call's overall limit, named in the timeout error.

    Raises:
        APIResponseValidationError: As ``decode``, with the reply's details.
        APITimeoutError: ``reply.deadline`` passed while the body was being decoded.
    """
    headers = reply.headers
    model = decode(
        cls,
        reply.body,
        status_code=reply.status,
        request_id=headers.get("X-Zep-Request-ID") or headers.get("X-Request-ID"),
        method=reply.method,
        url=reply.url,
        attempts=reply.attempts,
        may_have_been_applied=reply.may_have_been_applied,
        max_items=max_items,
    )
    if reply.deadline is not None and clock() > reply.deadline:
        limit = "total_timeout" if total_timeout is None else f"total_timeout={total_timeout:g} s"
        raise APITimeoutError(
            f"{reply.method} {reply.url} timed out: the overall budget {limit} ran out "
            f"while decoding the response ({len(reply.body)} bytes) of attempt {reply.attempts}",
            method=reply.method,
            url=reply.url,
            attempts=reply.attempts,
            # A 2xx to a write means it was applied; only the answer came too late.
            may_have_been_applied=reply.may_have_been_applied or reply.method != "GET",
        )
    return model
