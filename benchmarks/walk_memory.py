"""Peak memory of a walk over a million sessions: bounded dedup against keeping every key.

Run: ``python -m benchmarks.walk_memory [--items N] [--page-size N]``. A fake
source serves ``N`` real ``Session`` objects (uuid4-shaped keys) in pages, with
no HTTP; each page is dropped once walked, as in an export. ``tracemalloc``
reports the peak of memory allocated by Python since the walk started, at 10k,
100k and 1M items (and every tenfold step up to ``N``), for the walk as shipped
(``RecentKeys`` keeps the last ``DEFAULT_WINDOW`` keys) and for the same walk
keeping every key (what the walk did before), so the growth is visible.

Separate from ``benchmarks.run`` on purpose: it measures memory in one process,
not latency against a server, and takes about a minute for 1M items.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import time
import tracemalloc
from typing import Any

CHECKPOINTS = (10_000, 100_000, 1_000_000, 10_000_000)


async def _walk(items: int, page_size: int, capacity: int | None) -> tuple[dict[int, int], int]:
    from zep_async.models import Session
    from zep_async.pagination import DEFAULT_WINDOW, PageWalker, RecentKeys, unique_items

    async def fetch(number: int) -> tuple[list[Session], int]:
        start = (number - 1) * page_size
        stop = min(start + page_size, items)
        page = [
            Session(uuid=f"{i:08x}-0000-4000-8000-{i:012x}", session_id=f"session-{i}")
            for i in range(start, stop)
        ]
        return page, items

    recent = RecentKeys(DEFAULT_WINDOW if capacity is None else capacity)
    walker: PageWalker[tuple[list[Session], int]] = PageWalker(
        fetch, page_size=page_size, prefetch=4, count=lambda p: len(p[0]), total=lambda p: p[1]
    )
    checkpoints = [c for c in CHECKPOINTS if c <= items]
    peaks: dict[int, int] = {}
    count = 0
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    async for _ in unique_items(walker, lambda p: p[0], lambda s: s.uuid, recent=recent):
        count += 1
        if checkpoints and count == checkpoints[0]:
            peaks[checkpoints.pop(0)] = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peaks, len(recent)


def main(argv: list[str] | None = None) -> int:
    """Walk, print the peaks as a table, and exit 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--page-size", type=int, default=100)
    args = parser.parse_args(argv)
    rows: list[tuple[str, dict[int, int], int, float]] = []
    for label, capacity in (("bounded (shipped)", None), ("every key kept", sys.maxsize)):
        started = time.perf_counter()
        peaks, kept = asyncio.run(_walk(args.items, args.page_size, capacity))
        rows.append((label, peaks, kept, time.perf_counter() - started))
    checkpoints = sorted(rows[0][1])
    header = ["walk", *(f"peak @ {c:,}" for c in checkpoints), "keys kept", "seconds"]
    print(" | ".join(header))
    for label, peaks, kept, seconds in rows:
        cells: list[Any] = [label, *(f"{peaks[c] / 2**20:.1f} MiB" for c in checkpoints)]
        print(" | ".join(str(c) for c in [*cells, f"{kept:,}", f"{seconds:.1f}"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
