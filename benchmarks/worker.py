"""One repetition of one scenario for one contender, in a fresh process.

Run: ``python -m benchmarks.worker '<json spec>'``; prints ``RESULT <json>``.
The measured figures are taken around the measured loop only, after warm-up:
CPU time of the whole process (user + system, all threads) from ``getrusage``,
wall time from ``perf_counter``, and the peak RSS of the process.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import resource
import sys
import threading
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks import contenders, payloads


class UnavailableError(Exception):
    """The contender lacks the call (e.g. ours before it was written): skipped, not failed."""


class Meter:
    """CPU and wall time of a ``with`` block."""

    def __enter__(self) -> Meter:
        self._usage = resource.getrusage(resource.RUSAGE_SELF)
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall_s = time.perf_counter() - self._start
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.user_s = usage.ru_utime - self._usage.ru_utime
        self.sys_s = usage.ru_stime - self._usage.ru_stime

    def figures(self, n: int) -> dict[str, float]:
        """The measurement, for ``n`` operations."""
        return {
            "n": n,
            "wall_s": self.wall_s,
            "cpu_s": self.user_s + self.sys_s,
            "user_s": self.user_s,
            "sys_s": self.sys_s,
        }


async def _sequential(call: Callable[[], Awaitable[Any]], n: int) -> None:
    for _ in range(n):
        await call()


async def _lanes(call: Callable[[], Awaitable[Any]], n: int, width: int) -> None:
    """``n`` calls, ``width`` at a time, each lane starting the next call as one ends."""
    remaining = n

    async def lane() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await call()

    await asyncio.gather(*(lane() for _ in range(width)))


async def _fanout(call: Callable[[], Awaitable[Any]], n: int) -> None:
    await asyncio.gather(*(call() for _ in range(n)))


async def run_async(spec: dict[str, Any]) -> dict[str, float]:
    """The request-loop scenarios of an async contender (and sync_t1's reference)."""
    scenario, n, warmup = spec["scenario"], spec["n"], spec["warmup"]
    factory = contenders.ASYNC[spec["contender"]]
    async with factory(spec["base_url"], spec.get("connections")) as calls:
        op = "list100" if scenario == "list100" else spec.get("op", "get")
        if op not in calls:
            raise UnavailableError(f"{spec['contender']} has no {op} call in this version")
        call = calls[op]
        if scenario == "fanout":
            await _fanout(call, warmup)
            with Meter() as meter:
                await _fanout(call, n)
        elif scenario == "get_c64":
            await _lanes(call, warmup, spec["concurrency"])
            with Meter() as meter:
                await _lanes(call, n, spec["concurrency"])
        else:
            await _sequential(call, warmup)
            with Meter() as meter:
                await _sequential(call, n)
    return meter.figures(n)


def _threaded(call: Callable[[], Any], n: int, width: int, meter: Meter | None = None) -> int:
    """``n // width`` calls on each of ``width`` threads; returns the calls made."""
    per = n // width
    if width == 1:
        with meter or Meter():
            for _ in range(per):
                call()
        return per
    start = threading.Barrier(width + 1)
    errors: list[BaseException] = []

    def lane() -> None:
        start.wait()
        try:
            for _ in range(per):
                call()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=lane) for _ in range(width)]
    for thread in threads:
        thread.start()
    with meter or Meter():
        start.wait()
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]
    return per * width


def run_sync(spec: dict[str, Any]) -> dict[str, float]:
    """sync_t1 and sync_t8 for a sync contender."""
    width = spec["threads"]
    with contenders.SYNC[spec["contender"]](spec["base_url"]) as calls:
        _threaded(calls["get"], max(spec["warmup"], width), width)
        meter = Meter()
        done = _threaded(calls["get"], spec["n"], width, meter)
    return meter.figures(done)


async def run_walk(spec: dict[str, Any]) -> dict[str, float]:
    """Walk every session (``iter_sessions``) or every message of the benchmark session
    (``iter_session_messages``, ``kind`` "messages"); ``prefetch`` None means the default."""
    from zep_async import AsyncZep

    extra = {} if spec["prefetch"] is None else {"prefetch": spec["prefetch"]}
    async with AsyncZep(api_key=contenders.API_KEY, base_url=spec["base_url"]) as zep:
        memory = zep.memory
        if spec.get("kind") == "messages":
            if not hasattr(memory, "iter_session_messages"):
                raise UnavailableError("AsyncZep has no iter_session_messages in this version")
            walk = memory.iter_session_messages(
                payloads.SESSION_ID, page_size=spec["page_size"], **extra
            )
        else:
            walk = memory.iter_sessions(page_size=spec["page_size"], **extra)
        await memory.list_sessions(page_size=1)  # open the first connection
        count = 0
        with Meter() as meter:
            async for _ in walk:
                count += 1
    if count != spec["n"]:
        raise RuntimeError(f"walked {count} items, expected {spec['n']}")
    return meter.figures(count)


def run_decode(spec: dict[str, Any]) -> dict[str, float]:
    """Decode one page of ``page_size`` sessions (or messages) ``iterations`` times."""
    decode = contenders.decoder(spec["contender"], spec.get("kind", "sessions"))
    size = spec["page_size"]
    body = (
        payloads.messages_body(size) if spec.get("kind") == "messages" else payloads.page_body(size)
    )
    for _ in range(3):
        decode(body)
    with Meter() as meter:
        for _ in range(spec["iterations"]):
            decode(body)
    return meter.figures(spec["iterations"] * spec["page_size"])


def run_memory(spec: dict[str, Any]) -> dict[str, float]:
    """Bytes still allocated (tracemalloc) per session once a page is decoded."""
    decode = contenders.decoder(spec["contender"])
    body = payloads.page_body(spec["page_size"])
    decode(body)  # build any lazily generated code before counting
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = decode(body)
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del kept
    return {"n": spec["page_size"], "bytes_per_session": held / spec["page_size"]}


def run(spec: dict[str, Any]) -> dict[str, float]:
    """Dispatch on the scenario."""
    scenario = spec["scenario"]
    if scenario in ("sync_t1", "sync_t8") and spec["contender"] in contenders.SYNC:
        return run_sync(spec)
    if scenario in ("walk", "walk_messages"):
        return asyncio.run(run_walk(spec))
    if scenario in ("decode", "decode_messages"):
        return run_decode(spec)
    if scenario == "memory":
        return run_memory(spec)
    return asyncio.run(run_async(spec))


def main() -> None:
    """Read the spec, pin the CPU, run, print the result."""
    spec = json.loads(sys.argv[1])
    if spec.get("cpu") is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {spec["cpu"]})
    try:
        figures = run(spec)
    except UnavailableError as exc:
        print(f"SKIP {exc}", flush=True)
        return
    figures["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
