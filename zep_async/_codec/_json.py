"""The JSON library seam: orjson when it is installed (the ``speedups`` extra), else ``json``.

Both give the same results, and the standard library decides every case where
they could differ:

- ``loads``: a body that orjson refuses (NaN or Infinity, a number beyond a
  double, a lone surrogate, a byte-order mark, UTF-16, bad UTF-8, trailing data,
  nesting past 1,024 levels...) is decoded again by ``json``, so it gives the same
  value or raises the same error, word for word; ``json`` is told to refuse NaN,
  Infinity and numbers that overflow a float, as orjson does. A body holding a run of
  19 or more digits (where an integer may be beyond 64 bits, which orjson would
  turn into a float) goes to ``json.loads`` without trying orjson. The one
  difference left: orjson decodes nesting up to 1,024 levels, where ``json``
  stops with a ``RecursionError`` at about 1,000 levels minus the caller's stack.
- ``dumps``: compact UTF-8 (``ensure_ascii=False``, no spaces, no NaN), the very
  bytes ``json`` writes. orjson writes some floats differently (``0.00001`` for
  ``1e-05``), so a body that may hold a float (a digit followed by ``.``, ``e``
  or ``E`` anywhere in orjson's output) is written by ``json`` instead, as is
  anything orjson refuses (an integer beyond 64 bits, nesting past 255 levels, a
  lone surrogate, subclasses of the JSON types), so errors are ``json``'s too.

orjson is imported on first use, not by ``import zep_async``; with the environment
variable ``ZEP_ASYNC_NO_SPEEDUPS`` set (non-empty) it is never used.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

__all__ = ["backend", "dumps", "loads", "use_orjson"]

# What every body is written with: UTF-8 text as it is, no NaN, no spaces.
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
# Digits to "0" and the float marks to ".", so that one C-speed pass and a find say
# whether a text may hold a float ("0.") or a long integer ("0" * 19).
_MARKS = bytes.maketrans(b"0123456789.eE", b"0000000000...")
_MAY_BE_FLOAT = b"0."
_LONG_NUMBER = b"0" * 19


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _finite(text: str) -> float:
    number = float(text)
    if math.isinf(number):  # 1e999: a JSON number, but no float holds it
        shown = text if len(text) <= 40 else text[:39] + "…"
        raise ValueError(f"{shown} is too large for a float")
    return number


#: ``json.loads`` as it treats bytes, but refusing ``NaN`` and ``Infinity`` (and numbers
#: that overflow to them), as orjson does: RFC 8259 has no such values, and a model
#: holding one would make ``to_json`` write invalid JSON.
_STRICT = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite)

_orjson: Any = None  # the module; False when absent or switched off; None until looked up
_OPTIONS = 0  # orjson's options: raise on what json treats differently, so that json decides


def _lookup() -> Any:
    global _orjson, _OPTIONS
    if os.environ.get("ZEP_ASYNC_NO_SPEEDUPS"):  # the suite's run without the extra
        _orjson = False
        return _orjson
    try:
        import orjson
    except ImportError:
        _orjson = False
    else:
        _OPTIONS = (
            orjson.OPT_PASSTHROUGH_DATACLASS
            | orjson.OPT_PASSTHROUGH_DATETIME
            | orjson.OPT_PASSTHROUGH_SUBCLASS
        )
        _orjson = orjson
    return _orjson


def use_orjson(enabled: bool | None = None) -> bool:
    """Switch orjson off (``False``), or back to "when installed" (``None`` or ``True``).

    For tests and for ruling orjson out; returns whether orjson is now in use.
    """
    global _orjson
    _orjson = False if enabled is False else None
    return bool(_orjson if _orjson is not None else _lookup())


def backend() -> str:
    """``"orjson"`` or ``"json"``: the library ``loads`` and ``dumps`` try first."""
    lib = _orjson if _orjson is not None else _lookup()
    return "orjson" if lib else "json"


def loads(body: bytes) -> Any:
    """Decode a response body as ``json.loads(body)`` does, refusing NaN and Infinity.

    Raises:
        ValueError: Not JSON, or a non-finite number (``NaN``, ``Infinity``, ``1e999``).
    """
    lib = _orjson if _orjson is not None else _lookup()
    if lib and body.translate(_MARKS).find(_LONG_NUMBER) < 0:
        try:
            return lib.loads(body)
        except lib.JSONDecodeError:
            pass  # json decides: it may accept it (a BOM, UTF-16...) or word the error
    return _STRICT.decode(body.decode(json.detect_encoding(body), "surrogatepass"))


def dumps(value: Any) -> bytes:
    """Encode a request body: the bytes of ``json`` with ``ensure_ascii=False``, compact.

    ``value`` must be checked JSON already (``encode_body`` checks it): orjson would
    write a NaN as ``null`` where ``json`` refuses it. Otherwise raises what ``json``
    raises: ``ValueError`` for an integer too long to print, ``RecursionError`` for
    nesting too deep, ``TypeError`` for a value that is not JSON.
    """
    lib = _orjson if _orjson is not None else _lookup()
    if lib:
        try:
            out: bytes = lib.dumps(value, option=_OPTIONS)
        except lib.JSONEncodeError:
            pass
        else:
            if out.translate(_MARKS).find(_MAY_BE_FLOAT) < 0:
                return out
    return _ENCODER.encode(value).encode("utf-8")
