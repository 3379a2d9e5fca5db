"""The targets of issues 7, 19 and 22, as ratios between two contenders of one run."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Target:
    """``numerator / denominator`` of ``metric`` in ``scenario`` must satisfy ``op limit``."""

    figure: str
    scenario: str
    metric: str
    numerator: str
    denominator: str
    op: str
    limit: float
    context: str | None = None  # a third contender's ratio to the same denominator, if any

    def passes(self, ratio: float) -> bool:
        """Whether ``ratio`` meets the target."""
        return ratio <= self.limit if self.op == "<=" else ratio >= self.limit


TARGETS = [
    Target("get_session sequential, CPU/request, vs raw aiohttp + orjson", "get_seq", "cpu_us",
           "zep_async", "aiohttp_orjson", "<=", 1.10, "official_async"),
    Target("get_session at concurrency 64, CPU/request, vs raw aiohttp + orjson", "get_c64",
           "cpu_us", "zep_async", "aiohttp_orjson", "<=", 1.15, "official_async"),
    Target("list_sessions(100) with speedups, CPU/request, vs raw aiohttp + orjson", "list100",
           "cpu_us", "zep_async", "aiohttp_orjson", "<=", 1.35, "official_async"),
    Target("list_sessions(100) without speedups, CPU/request, vs raw aiohttp + json", "list100",
           "cpu_us", "zep_async_json", "aiohttp", "<=", 1.8, "official_async"),
    Target("memory.add_session, CPU/request, vs raw aiohttp + orjson", "add_session", "cpu_us",
           "zep_async", "aiohttp_orjson", "<=", 1.12, "official_async"),
    Target("memory.add of 6 messages, CPU/request, vs raw aiohttp + orjson", "memory_add",
           "cpu_us", "zep_async", "aiohttp_orjson", "<=", 1.15, "official_async"),
    Target("memory.get of 6 messages, CPU/request, vs raw aiohttp + orjson", "memory_get",
           "cpu_us", "zep_async", "aiohttp_orjson", "<=", 1.3, "official_async"),
    # Pages of 100 messages or users (issue 22): smaller items than sessions, so the call's
    # fixed cost weighs more against the floor.
    Target("get_session_messages(100), CPU/request, vs raw aiohttp + orjson", "messages100",
           "cpu_us", "zep_async", "aiohttp_orjson", "<=", 1.6, "official_async"),
    Target("user.list_ordered(100), CPU/request, vs raw aiohttp + orjson", "users100",
           "cpu_us", "zep_async", "aiohttp_orjson", "<=", 1.6, "official_async"),
    Target("sync get_session (1 thread), CPU/request, vs official Zep", "sync_t1", "cpu_us",
           "zep_sync", "official_sync", "<=", 0.5),
    Target("sync get_session (8 threads), CPU/request, vs official Zep", "sync_t8", "cpu_us",
           "zep_sync", "official_sync", "<=", 0.6),
    Target("fan-out 1,000 x 200 ms, wall, vs raw aiohttp + orjson", "fanout", "wall_s",
           "zep_async", "aiohttp_orjson", "<=", 1.2, "official_async"),
    Target("decode 1,000 sessions, time/session, vs official parse", "decode", "us_per_session",
           "zep_async", "official", "<=", 0.33),
    Target("decode 1,000 messages, time/message, vs official parse", "decode_messages",
           "us_per_session", "zep_async", "official", "<=", 0.33),
    Target("memory per Session, vs official model", "memory", "bytes_per_session",
           "zep_async", "official", "<=", 0.55),
    Target("import zep_async, wall, vs import zep_cloud.client", "import", "wall_ms",
           "zep_async", "official", "<=", 0.45),
    Target("walk 100,000 sessions: prefetch=1 wall / default wall", "walk", "wall_s",
           "prefetch1", "default", ">=", 3.5),
    # The same walker and prefetch over pages that cost less to decode: the same bound.
    Target("walk 20,000 messages: prefetch=1 wall / default wall", "walk_messages", "wall_s",
           "prefetch1", "default", ">=", 3.5),
]  # fmt: skip


def _figure(results: dict[str, Any], scenario: str, contender: str, metric: str) -> Any:
    return results.get(scenario, {}).get(contender, {}).get("figures", {}).get(metric)


def evaluate(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target's ratio of medians, the range of per-repetition ratios, and pass/fail.

    Repetition ``i`` of both contenders ran back to back, so their ratio is a
    paired figure; its min and max show how much the noise moves the ratio.
    """
    rows = []
    for target in TARGETS:
        top = _figure(results, target.scenario, target.numerator, target.metric)
        bottom = _figure(results, target.scenario, target.denominator, target.metric)
        row: dict[str, Any] = {
            "figure": target.figure,
            "scenario": target.scenario,
            "metric": target.metric,
            "numerator": target.numerator,
            "denominator": target.denominator,
            "op": target.op,
            "limit": target.limit,
        }
        if top and bottom and bottom["median"]:
            ratio = top["median"] / bottom["median"]
            paired = [a / b for a, b in zip(top["values"], bottom["values"], strict=False) if b]
            row.update(
                ratio=ratio,
                paired_min=min(paired),
                paired_max=max(paired),
                passed=target.passes(ratio),
            )
            other = target.context and _figure(
                results, target.scenario, target.context, target.metric
            )
            if other:
                row["context"] = target.context
                row["context_ratio"] = other["median"] / bottom["median"]
        else:
            row.update(ratio=None, passed=None)
        rows.append(row)
    return rows


def hop(results: dict[str, Any]) -> dict[str, Any] | None:
    """The sync facade's thread hop: ``Zep`` against ``AsyncZep`` making the same calls.

    Both ran in ``sync_t1``, one caller, one call at a time, interleaved. The
    figures are per call: client CPU (both threads of the sync client) and wall
    time (the latency a caller sees), with the per-repetition differences.
    """
    sync = results.get("sync_t1", {}).get("zep_sync", {}).get("figures")
    direct = results.get("sync_t1", {}).get("zep_async", {}).get("figures")
    if not sync or not direct:
        return None
    out: dict[str, Any] = {}
    for name, per_call in (
        ("cpu_us", lambda f, i: f["cpu_us"]["values"][i]),
        ("wall_us", lambda f, i: 1e6 / f["req_s"]["values"][i]),
    ):
        reps = min(len(sync["cpu_us"]["values"]), len(direct["cpu_us"]["values"]))
        ours = [per_call(sync, i) for i in range(reps)]
        ref = [per_call(direct, i) for i in range(reps)]
        diff = [a - b for a, b in zip(ours, ref, strict=True)]
        out[name] = {
            "sync": statistics.median(ours),
            "async": statistics.median(ref),
            "overhead": statistics.median(ours) - statistics.median(ref),
            "ratio": statistics.median(ours) / statistics.median(ref),
            "paired_min": min(diff),
            "paired_max": max(diff),
        }
    return out
