"""Per-page decode cost in microseconds: 100 sessions, messages and users, each decoder.

Run: ``python -m benchmarks.decode_pages`` (``--repeat``, ``--number``). It prints, per
page, the median microseconds per decode and the range over repetitions of:

- ``standard``: ``zep_async``'s decode with ``json`` only (no speedups);
- ``orjson``: the standard path with orjson (msgspec switched off);
- ``msgspec``: the compiled decoder (the default with the ``speedups`` extra);
- ``floor``: ``orjson.loads`` then the generated structure function of the page, with
  no type checks of their own beyond it: JSON parsing plus building the models.

It also runs against an older checkout (``PYTHONPATH=/path/to/old python -m
benchmarks.decode_pages``): where the codec has no ``_codec`` package it uses
``zep_async._convert.decode`` and ``zep_async._json.use_orjson``.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
import timeit
from collections.abc import Callable
from typing import Any

from benchmarks import payloads


def _codec() -> tuple[Callable[..., Any], Callable[[bool], Any], Callable[[bool], Any]]:
    """decode, the orjson switch and the msgspec switch of the zep_async on the path."""
    try:
        from zep_async._codec import _json, decode, use_compiled
    except ImportError:  # a checkout from before the codec package
        from zep_async._convert import decode  # type: ignore[attr-defined,no-redef]

        from zep_async import _json  # type: ignore[attr-defined,no-redef]

        def use_compiled(enabled: bool | None = None) -> bool:
            return False

    return decode, _json.use_orjson, use_compiled


def _floor(cls: Any) -> Callable[[bytes], Any]:
    import orjson

    try:
        from zep_async._codec._fastpath import fast_function
    except ImportError:
        from zep_async._fastpath import fast_function  # type: ignore[no-redef]
    build = fast_function(cls)
    assert build is not None
    return lambda body: build(orjson.loads(body))


def _measure(call: Callable[[], Any], repeat: int, number: int) -> tuple[float, float, float]:
    call()
    timer = time.process_time  # CPU time: other processes on the machine add less noise
    times = [t / number * 1e6 for t in timeit.repeat(call, timer, number=number, repeat=repeat)]
    return statistics.median(times), min(times), max(times)


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--number", type=int, default=200)
    args = parser.parse_args()
    import zep_async

    decode, use_orjson, use_compiled = _codec()
    pages = {
        "sessions": (zep_async.SessionListResponse, payloads.page_body(100)),
        "messages": (zep_async.MessageListResponse, payloads.messages_text(100).encode()),
        "users": (zep_async.UserListResponse, payloads.users_text(100, 100).encode()),
    }
    variants: dict[str, tuple[bool, bool]] = {
        "standard": (False, False),
        "orjson": (True, False),
        "msgspec": (True, True),
    }
    print(f"{'page of 100':<10} {'decoder':<9} {'median us':>10} {'range us':>16}")
    for page, (cls, body) in pages.items():
        for name, (orjson_on, compiled_on) in variants.items():
            use_orjson(orjson_on)
            if use_compiled(compiled_on) != compiled_on:
                print(f"{page:<10} {name:<9} {'(not available)':>27}")
                continue
            call = functools.partial(decode, cls, body)
            median, low, high = _measure(call, args.repeat, args.number)
            print(f"{page:<10} {name:<9} {median:>10.0f} {low:>7.0f} - {high:<7.0f}")
        floor = functools.partial(_floor(cls), body)
        median, low, high = _measure(floor, args.repeat, args.number)
        print(f"{page:<10} {'floor':<9} {median:>10.0f} {low:>7.0f} - {high:<7.0f}")
    use_orjson(True)
    use_compiled(True)


if __name__ == "__main__":
    main()
