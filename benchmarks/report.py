"""docs/performance.md, generated from the results file.

Run: ``python -m benchmarks.report [results.json] [out.md]``.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any

from benchmarks.plan import LABELS, UNITS, Counts, scenarios
from benchmarks.targets import TARGETS


def num(value: float | None) -> str:
    """A figure with about three significant digits."""
    if value is None:
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def _targets(data: dict[str, Any]) -> list[str]:
    lines = [
        "| figure | target | measured ratio (of medians) | per-repetition ratios | result "
        "| official, same ratio |",
        "|---|---|---|---|---|---|",
    ]
    for row in data["targets"]:
        if row["ratio"] is None:
            measured, spread, mark = "not measured", "", "skipped"
        else:
            measured = f"{row['ratio']:.2f} x"
            spread = f"{row['paired_min']:.2f} - {row['paired_max']:.2f}"
            mark = "**PASS**" if row["passed"] else "**FAIL**"
        context = f"{row['context_ratio']:.1f} x" if "context_ratio" in row else ""
        lines.append(
            f"| {row['figure']} | {row['op']} {row['limit']:g} x | {measured} | {spread} "
            f"| {mark} | {context} |"
        )
    return lines


def _hop(data: dict[str, Any]) -> list[str]:
    hop = data.get("hop")
    if not hop:
        return ["Not measured in this run."]
    cpu, wall = hop["cpu_us"], hop["wall_us"]
    return [
        "`Zep` (sync) hands each call to its event loop thread and waits; `AsyncZep` awaited "
        "in one coroutine makes the same calls without the hop. Both ran in the `sync_t1` "
        "scenario, one caller, one call at a time, interleaved in the same run.",
        "",
        "| per call | `AsyncZep`, awaited | `Zep`, sync | hop overhead (median) "
        "| per-repetition overhead | sync / async |",
        "|---|---|---|---|---|---|",
        f"| client CPU, µs (both threads) | {num(cpu['async'])} | {num(cpu['sync'])} "
        f"| +{num(cpu['overhead'])} | {num(cpu['paired_min'])} - {num(cpu['paired_max'])} "
        f"| {cpu['ratio']:.2f} x |",
        f"| wall time (latency), µs | {num(wall['async'])} | {num(wall['sync'])} "
        f"| +{num(wall['overhead'])} | {num(wall['paired_min'])} - {num(wall['paired_max'])} "
        f"| {wall['ratio']:.2f} x |",
    ]


def _results(data: dict[str, Any], counts: Counts) -> list[str]:
    lines = [
        "| scenario | contender | main figure: median (min - max) | wall req/s | peak RSS, MB |",
        "|---|---|---|---|---|",
    ]
    for scenario in scenarios(counts):
        rows = data["scenarios"].get(scenario.name, {})
        for contender, entry in rows.items():
            figures = entry["figures"]
            main = figures[scenario.metric]
            rate = figures.get("req_s")
            rss = figures.get("rss_mb")
            lines.append(
                f"| {scenario.title} | {LABELS.get(contender, contender)} "
                f"| {num(main['median'])} ({num(main['min'])} - {num(main['max'])}) "
                f"{UNITS[scenario.metric]} "
                f"| {num(rate['median']) if rate else ''} | {num(rss['median']) if rss else ''} |"
            )
    return lines


def _server(data: dict[str, Any], counts: Counts) -> list[str]:
    lines = [
        "| scenario | server CPU per request, µs (median, worst contender) "
        "| server busy during a measured loop (max) | server CPU / wall, whole scenario |",
        "|---|---|---|---|",
    ]
    for scenario in scenarios(counts):
        rows = data["scenarios"].get(scenario.name, {})
        figures = [e["figures"] for e in rows.values() if "server_us" in e["figures"]]
        whole = data["server"].get(scenario.name)
        if not figures or not whole:
            continue
        per_request = max(f["server_us"]["median"] for f in figures)
        busy = max(f["server_util"]["max"] for f in figures)
        lines.append(
            f"| {scenario.title} | {num(per_request)} | {busy:.0%} | {whole['busy']:.0%} |"
        )
    return lines


def _official_fanout(data: dict[str, Any]) -> str:
    entry = data["scenarios"].get("fanout", {}).get("official_async")
    if not entry or "cpu_us" not in entry["figures"]:
        return ""
    cpu_ms = entry["figures"]["cpu_us"]["median"] / 1000
    return (
        f" The official client's fan-out is bound by its own CPU, {cpu_ms:.1f} ms per call: "
        "in a py-spy profile most of it is httpcore's connection pool checking each of its "
        "connections for every request (`_assign_requests_to_connections`)."
    )


def _method(data: dict[str, Any], meta: dict[str, Any], counts: Counts) -> list[str]:
    c = counts
    pinned = (
        f"The server runs on CPU {meta['server_cpu']} and every client process on CPU "
        f"{meta['client_cpu']} (`os.sched_setaffinity`)."
        if meta.get("server_cpu") is not None
        else "The machine has one usable CPU, so server and client share it."
    )
    return [
        "- **Server**: `benchmarks/server.py`, a raw `asyncio.Protocol` HTTP/1.1 keep-alive server "
        "in its own process, answering from pre-serialised responses (one ~650-byte session; "
        "cached pages of up to 100,000 sessions with correct `total_count` / `response_count`). "
        + pinned
        + " It reports its own CPU time (`getrusage`) so the table below can show it was not "
        "the bottleneck.",
        f"- **Main figure**: CPU time of the client process (user + system, all threads, "
        f"`getrusage(RUSAGE_SELF)`) around the measured loop, divided by the requests: "
        f"{c.requests:,} requests after {c.warmup:,} warm-up requests, median of {c.reps} "
        f"repetitions. Wall req/s and peak RSS (`ru_maxrss`) are beside it.",
        "- **Fresh processes, interleaved**: every repetition of every contender is a new "
        "worker process (`benchmarks/worker.py`); within a repetition the contenders run back "
        "to back, their order rotated each repetition. Targets are ratios of medians from the "
        "same run; the per-repetition ratios (repetition *i* of one contender over repetition "
        "*i* of the other) show the noise. The machine is shared with other work, which is why "
        "only ratios within one run are compared.",
        "- **Contenders**: raw aiohttp (`ClientSession` sending the same requests, the body "
        "encoded per call, the answer decoded: the floor), `AsyncZep` and `Zep` of this "
        "package, the official `AsyncZep` / `Zep` of zep-cloud (in its own virtual "
        "environment, `benchmarks/.venv-official`), raw httpx async and sync for context (in "
        "one scenario each, to keep the run short). Every client runs with its default "
        "settings, except for the fan-out's pool size (below).",
        "- **Speedups**: the bench environment installs the `speedups` extra, so `AsyncZep` "
        "decodes with msgspec (straight into the models) and encodes with orjson, and the "
        "floor it is judged against is raw aiohttp with orjson (`orjson.loads` / "
        "`orjson.dumps`). `list_sessions(100)` is measured three ways: ours with the speedups "
        "and ours with msgspec switched off (`zep_async._codec.use_compiled(False)`: orjson "
        "and the standard decoding path, `AsyncZep (ours), orjson, msgspec off`) against raw "
        "aiohttp with orjson, and ours with both switched off (`use_orjson(False)` too) "
        "against raw aiohttp with `json`. The two pages of 100 and the decode scenarios run "
        "the msgspec-off variant too.",
        "- **Allocator**: every process of the run (each contender's worker, the server, the "
        "import timings, the official client's venv alike) gets the same glibc allocator "
        "settings in its environment: "
        + ", ".join(f"`{k}={v}`" for k, v in sorted(meta.get("allocator", {}).items()))
        + ". glibc's default mmap threshold is dynamic: whether a contender's large buffers "
        "(a page's body, msgspec's scratch) are fresh mmaps, paying page faults on every "
        "page, or reused heap depends on what it freed before, which favoured one contender "
        "over another by accident; a fixed threshold makes it one rule for all.",
        f"- **The other calls**: `memory.add_session`, `memory.add` of 6 messages, "
        f"`memory.get` returning 6 messages and 3 facts, `get_session_messages(limit=100)` and "
        f"`user.list_ordered(page_size=100)`, each {c.call_requests:,} requests "
        f"({c.page_requests:,} for the two pages of 100) after {c.call_warmup} warm-up "
        "requests. The server answers a POST as a create would, from a pre-serialised answer, "
        "storing nothing.",
        f"- **Fan-out**: {c.fanout:,} concurrent `get_session` calls (`asyncio.gather`) against "
        f"{c.fanout_latency_ms:g} ms of server latency, after {c.fanout_warmup} warm-up calls; "
        f"wall time, {c.fanout_reps} repetitions. Every client's pool is sized to "
        f"{c.fanout:,} connections with its own public setting (aiohttp `TCPConnector(limit=)`, "
        "`AsyncZep(max_connections=)`, an `httpx.AsyncClient(limits=)` handed to the official "
        "client): with the default pools of 100 that all of them have, the fan-out is ten "
        "waves of 200 ms for everyone and measures the pool, not the client."
        + _official_fanout(data),
        "- **Thread hop**: `AsyncZep` runs in the 1-thread sync scenario too, awaiting the same "
        "calls one at a time, so `Zep` minus `AsyncZep` is the cost of the sync facade.",
        f"- **Walk**: `iter_sessions(page_size=100)` over {c.walk_total:,} sessions with "
        f"{c.page_latency_ms:g} ms per page, `prefetch=1` against the default; wall time, "
        f"{c.walk_reps} repetitions; the same for `iter_session_messages(page_size=100)` over "
        f"{c.walk_messages:,} messages of one session (pages by `cursor`, as the Community "
        "Edition reads it). Peak memory of a 1,000,000-session walk: "
        "`python -m benchmarks.walk_memory` (not part of this run).",
        f"- **Decode**: one {c.decode_page:,}-session page and one {c.decode_page:,}-message "
        f"page (bytes) decoded {c.decode_iterations} times in process, CPU µs per item: ours "
        "`zep_async._codec.decode(SessionListResponse, body)` (or `MessageListResponse`), "
        "with orjson and with `json` only; official `pydantic_v1.parse_obj_as(..., "
        "json.loads(body))`, what its memory client does with a response; `json.loads` and "
        "`orjson.loads` alone as the floors.",
        "- **Memory**: bytes still allocated (tracemalloc) per session after decoding that page, "
        "measured after a first decode so that lazily generated code is not counted.",
        f"- **Import**: `python -c 'import zep_async'` against `python -c 'import "
        f"zep_cloud.client'`, whole process wall time, {c.import_pairs} rounds with the order "
        "rotated, after one unmeasured run of each; a bare `python -c pass` for reference.",
    ]


def _instructions() -> list[str]:
    """The instruction counts kept by ``benchmarks.instructions --out``, if any."""
    source = Path(__file__).resolve().parent / "results" / "instructions.json"
    if not source.exists():
        return []
    kept: dict[str, Any] = json.loads(source.read_text())
    lines = [
        "",
        "## Instructions per request",
        "",
        "Client instructions per request counted by valgrind (callgrind), which the load "
        "of a shared machine cannot move: `python -m benchmarks.instructions --scenario "
        "NAME --n N --out benchmarks/results/instructions.json` runs the worker of this "
        "harness under callgrind making N and 2 N requests after the same warm-up (its "
        "bytecode cache written first, by an unmeasured native run) and takes the "
        "difference over N. Not part of `make bench`, so its revision is given. They "
        "count the Python side only (no cache misses, no kernel), so they bound the "
        "CPU-time ratio from above when the kernel's share is the same for both.",
        "",
        "| scenario | floor | instructions | AsyncZep | instructions | ratio | CPU target "
        "| measured |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for target in TARGETS:
        figures = kept.get(target.scenario)
        if target.metric != "cpu_us" or figures is None:
            continue
        per_request = figures["per_request"]
        floor, ours = target.denominator, target.numerator
        if not per_request.get(floor) or not per_request.get(ours):
            continue
        low, high = statistics.median(per_request[floor]), statistics.median(per_request[ours])
        when = f"`{figures.get('revision') or '?'}`, {figures.get('date', '?')}, N={figures['n']}"
        if figures.get("uncommitted"):
            when += " (uncommitted changes)"
        cells = [
            f"`{target.scenario}`",
            LABELS.get(floor, floor),
            f"{low / 1e3:,.0f} k",
            LABELS.get(ours, ours),
            f"{high / 1e3:,.0f} k",
            f"{high / low:.3f} x",
            f"<= {target.limit:g} x",
            when,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _analysis() -> list[str]:
    """The hand-written notes on missed targets and their profiles, if any."""
    notes = Path(__file__).resolve().parent / "analysis.md"
    if not notes.exists():
        return []
    return ["", *notes.read_text().rstrip().splitlines()]


def _machine(meta: dict[str, Any]) -> list[str]:
    packages = ", ".join(f"{k} {v}" for k, v in meta["packages"].items())
    lines = [
        f"- CPU: {meta['cpu_model']}, {meta['cores']} cores; {meta['os']}",
        f"- Python {meta['python']} ({meta['implementation']})",
        f"- Bench environment: {packages}",
    ]
    if "official_packages" in meta:
        official = ", ".join(f"{k} {v}" for k, v in meta["official_packages"].items())
        lines.append(f"- Official SDK environment: {official}")
    if meta.get("revision"):
        lines.append(f"- Measured source: `{meta['revision']}`")
    lines.append(f"- Run on {meta['date']}, took {meta['duration_s']:.0f} s")
    return lines


def render(data: dict[str, Any], plot: Path | None) -> str:
    """The whole page."""
    meta = data["meta"]
    counts = Counts(**meta["counts"])
    parts = [
        "# Performance",
        "",
        "<!-- Generated by benchmarks/report.py from benchmarks/results/latest.json; "
        "run `make bench` to refresh. Do not edit by hand. -->",
        "",
        "What the SDK costs next to raw aiohttp (the floor) and the official zep-cloud SDK, "
        "measured on one machine in one run. Absolute figures depend on the machine; the "
        "ratios between contenders of the same run are what the targets judge.",
        "",
        f"Measured source: `{meta.get('revision') or 'unknown'}`, on {meta['date']} "
        f"({meta['cpu_model']}, {meta['cores']} cores, Python {meta['python']}); the whole run "
        f"took {meta['duration_s'] / 60:.1f} minutes.",
    ]
    if meta.get("uncommitted"):
        parts.append(
            "The package or the harness had uncommitted changes when measured: "
            + ", ".join(f"`{path}`" for path in meta["uncommitted"])
            + "."
        )
    if meta.get("quick"):
        parts += ["", "> **Quick smoke run**: tiny counts, the figures mean nothing."]
    parts += ["", "## Targets", "", *_targets(data)]
    if plot is not None:
        parts += ["", f"![client CPU per request by contender and scenario]({plot.name})"]
    parts += ["", "## The sync facade's thread hop", "", *_hop(data)]
    parts += ["", "## Results", "", *_results(data, counts)]
    parts += ["", "## The server was not the bottleneck", "", *_server(data, counts)]
    parts += _instructions()
    parts += _analysis()
    parts += ["", "## Method", "", *_method(data, meta, counts)]
    parts += ["", "## Machine", "", *_machine(meta)]
    if data.get("skipped"):
        skipped = "; ".join(f"{k}: {', '.join(v)}" for k, v in data["skipped"].items())
        why = "not installed, or the call is not in this version"
        parts += ["", f"Skipped here ({why}): {skipped}."]
    if data.get("errors"):
        parts += ["", "## Errors", "", *(f"- {e}" for e in data["errors"])]
    return "\n".join(parts) + "\n"


def write(data: dict[str, Any], path: Path, plot: Path | None = None) -> Path:
    """Render to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(data, plot))
    return path


def main() -> None:
    """Render from a results file."""
    here = Path(__file__).resolve().parent
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else here / "results" / "latest.json"
    target = Path(sys.argv[2]) if len(sys.argv) > 2 else here.parent / "docs" / "performance.md"
    png = target.with_name("performance.png")
    print(write(json.loads(source.read_text()), target, png if png.exists() else None))


if __name__ == "__main__":
    main()
