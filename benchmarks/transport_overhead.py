"""Per-call CPU of get_session against raw aiohttp + orjson, interleaved, in this process.

Run: ``python -m benchmarks.transport_overhead [--n 20000] [--reps 5]``. The benchmark
server runs in a child process (its CPU is not counted); each repetition times ``n``
calls of each contender with ``time.process_time``, sequentially and 64 at a time, in
alternating order, and the ratio of medians is printed with its per-repetition range.
A quick check of the transport's overhead, not a replacement for ``make bench``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from benchmarks import contenders
from benchmarks.server import ServerProcess


async def _lanes(call: Callable[[], Awaitable[Any]], n: int, width: int) -> None:
    remaining = n

    async def lane() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await call()

    await asyncio.gather(*(lane() for _ in range(width)))


async def _cpu(name: str, base: str, n: int, width: int) -> float:
    """CPU seconds per call of contender ``name`` (``width`` calls at a time)."""
    factory = contenders.ASYNC[name]
    async with factory(base, 64) as calls:
        call = calls["get"]
        await _lanes(call, min(n, 2000), width)  # warm-up
        started = time.process_time()
        await _lanes(call, n, width)
        return (time.process_time() - started) / n


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    names = ("aiohttp_orjson", "zep_async")
    env = dict(os.environ)
    with ServerProcess([], None, cwd=Path.cwd(), env=env) as server:
        for width in (1, 64):
            runs: dict[str, list[float]] = {name: [] for name in names}
            for rep in range(args.reps):
                order = names if rep % 2 == 0 else names[::-1]
                for name in order:
                    runs[name].append(asyncio.run(_cpu(name, server.base_url, args.n, width)))
            floor, ours = (statistics.median(runs[name]) for name in names)
            ratios = [o / f for o, f in zip(runs["zep_async"], runs["aiohttp_orjson"], strict=True)]
            print(
                f"concurrency {width:2d}: raw {floor * 1e6:6.1f} us, zep_async {ours * 1e6:6.1f} us"
                f" per call (CPU): {ours / floor:.3f} x (per repetition {min(ratios):.3f}"
                f"-{max(ratios):.3f})"
            )


if __name__ == "__main__":
    main()
