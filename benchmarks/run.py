"""Run every benchmark; write the results file, docs/performance.md and the plot.

Usage: ``python -m benchmarks.run [--quick] [--out DIR] [--docs DIR] [--no-official]
[--no-plot]``. Each repetition of each contender is a fresh worker process;
within a repetition the contenders run back to back, in an order rotated per
repetition. The servers and workers are pinned to different CPUs when the
machine has more than one.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import env, targets
from benchmarks.plan import (
    Counts,
    Scenario,
    needs_httpx,
    needs_official,
    needs_orjson,
    scenarios,
)
from benchmarks.server import ServerProcess

REPO = Path(__file__).resolve().parent.parent
WORKER_TIMEOUT = 120.0
IMPORTS = {"python": "pass", "zep_async": "import zep_async", "official": "import zep_cloud.client"}


#: glibc's allocator, fixed for every process of the run (contenders, server, imports):
#: with its default dynamic mmap threshold, a contender's large buffers (msgspec's, a
#: page's body) may each be a fresh mmap (page faults per page) or reused heap, by the
#: accident of what ran before; fixed thresholds make it the same rule for everyone.
ALLOCATOR = {"MALLOC_MMAP_THRESHOLD_": "4194304", "MALLOC_TRIM_THRESHOLD_": "8388608"}


def _child_env() -> dict[str, str]:
    # Bytecode caching stays on: both SDKs are timed importing from their caches.
    dropped = ("ZEP_API_KEY", "ZEP_API_URL", "PYTHONDONTWRITEBYTECODE", "ZEP_ASYNC_NO_SPEEDUPS")
    child = {k: v for k, v in os.environ.items() if k not in dropped}
    child["PYTHONPATH"] = str(REPO)
    child.update(ALLOCATOR)
    return child


def _summary(values: list[float]) -> dict[str, Any]:
    return {
        "values": values,
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
    }


def derive(
    scenario: str, raw: dict[str, float], server: dict[str, float] | None, per_request: float
) -> dict[str, float]:
    """The reported figures of one repetition, from the worker's raw measurement."""
    n = raw["n"]
    if scenario == "memory":
        return {"bytes_per_session": raw["bytes_per_session"]}
    if scenario in ("decode", "decode_messages"):
        return {"us_per_session": raw["cpu_s"] / n * 1e6, "wall_s": raw["wall_s"]}
    figures = {
        "cpu_us": raw["cpu_s"] / n * 1e6,
        "wall_s": raw["wall_s"],
        "req_s": n / raw["wall_s"],
        "rss_mb": raw["max_rss_mb"],
    }
    if server and server["requests"]:
        server_us = server["cpu_s"] / server["requests"] * 1e6
        figures["server_us"] = server_us
        figures["server_util"] = server_us * 1e-6 * (n / per_request) / raw["wall_s"]
    return figures


class UnavailableError(Exception):
    """A contender cannot make the scenario's call here (a worker said ``SKIP``)."""


class Runner:
    """Runs the plan and collects the figures."""

    def __init__(self, counts: Counts, official: Path | None, quiet: bool) -> None:
        self.counts = counts
        self.official = official
        self.quiet = quiet
        cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
        self.client_cpu = cpus[0] if len(cpus) > 1 else None
        self.server_cpu = cpus[1] if len(cpus) > 1 else None
        self.results: dict[str, Any] = {}
        self.servers: dict[str, Any] = {}
        self.errors: list[str] = []
        self.skipped: dict[str, list[str]] = {}
        self.began = time.perf_counter()

    def python(self, contender: str) -> str:
        """The interpreter a contender runs under."""
        return str(self.official) if needs_official(contender) else sys.executable

    def available(self, scenario: Scenario) -> list[str]:
        """The contenders that can run here; the others are noted as skipped."""
        ready = []
        for contender in scenario.contenders:
            missing = (
                (needs_official(contender) and self.official is None)
                or (needs_httpx(contender) and not env.has_module("httpx"))
                or (needs_orjson(contender) and not env.has_module("orjson"))
            )
            if missing:
                self.skipped.setdefault(scenario.name, []).append(contender)
            else:
                ready.append(contender)
        return ready

    def log(self, text: str) -> None:
        """Progress with the elapsed seconds, unless quiet."""
        if not self.quiet:
            print(f"[{time.perf_counter() - self.began:5.0f} s] {text}", flush=True)

    def server_args(self, kind: str) -> list[str]:
        """Command-line arguments of a server kind."""
        c = self.counts
        if kind == "slow":
            return ["--latency-ms", str(c.fanout_latency_ms)]
        if kind == "pages":
            latency = ["--page-latency-ms", str(c.page_latency_ms)]
            messages = ["--messages", str(c.walk_messages)]
            return ["--total", str(c.walk_total), "--prebuild", "100", *messages, *latency]
        return ["--total", "100000"]

    def spec(
        self, scenario: Scenario, contender: str, server: ServerProcess | None
    ) -> dict[str, Any]:
        """The worker's instructions for one repetition."""
        c = self.counts
        spec: dict[str, Any] = {
            "scenario": scenario.name,
            "contender": contender,
            "base_url": server.base_url if server else None,
            "cpu": self.client_cpu,
            "n": c.requests,
            "warmup": c.warmup,
            **scenario.spec,
        }
        if scenario.name == "fanout":
            spec.update(n=c.fanout, warmup=c.fanout_warmup)
        elif scenario.name in ("walk", "walk_messages"):
            total = c.walk_messages if scenario.name == "walk_messages" else c.walk_total
            spec.update(n=total, page_size=100)
            spec["prefetch"] = 1 if contender == "prefetch1" else None
        elif scenario.name in ("decode", "decode_messages", "memory"):
            spec.update(page_size=c.decode_page, iterations=c.decode_iterations)
        elif scenario.spec.get("calls"):
            paged = scenario.op in ("messages100", "users100")
            spec.update(n=c.page_requests if paged else c.call_requests, warmup=c.call_warmup)
        return spec

    def worker(self, contender: str, spec: dict[str, Any]) -> dict[str, float]:
        """One repetition in a fresh process."""
        proc = subprocess.run(
            [self.python(contender), "-m", "benchmarks.worker", json.dumps(spec)],
            cwd=REPO,
            env=_child_env(),
            capture_output=True,
            text=True,
            timeout=WORKER_TIMEOUT,
        )
        for line in proc.stdout.splitlines():
            if line.startswith("RESULT ") and proc.returncode == 0:
                result: dict[str, float] = json.loads(line[7:])
                return result
            if line.startswith("SKIP ") and proc.returncode == 0:
                raise UnavailableError(line[5:])
        raise RuntimeError(f"worker exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")

    def rounds(
        self, scenario: Scenario, reps: int, measure: Callable[[str], dict[str, float]]
    ) -> None:
        """``reps`` rounds of every contender back to back, the order rotated per round."""
        contenders = self.available(scenario)
        figures: dict[str, list[dict[str, float]]] = {c: [] for c in contenders}
        for rep in range(reps):
            shift = rep % len(contenders) if contenders else 0
            for contender in contenders[shift:] + contenders[:shift]:
                label = f"  {scenario.name:8} {contender:15} rep {rep + 1}:"
                try:
                    measured = measure(contender)
                except UnavailableError as exc:
                    if contender not in self.skipped.get(scenario.name, []):
                        self.skipped.setdefault(scenario.name, []).append(contender)
                    self.log(f"{label} skipped: {exc}")
                    continue
                except (RuntimeError, subprocess.SubprocessError) as exc:
                    self.errors.append(f"{scenario.name}/{contender}: {exc}")
                    self.log(f"{label} FAILED {exc}")
                    continue
                figures[contender].append(measured)
                self.log(f"{label} {measured[scenario.metric]:.4g} {scenario.metric}")
        self.results[scenario.name] = {
            c: {"figures": {k: _summary([f[k] for f in done]) for k in done[0]}}
            for c, done in figures.items()
            if done
        }

    def run_scenario(self, scenario: Scenario, server: ServerProcess | None) -> None:
        """All repetitions of one scenario, each in a fresh worker process."""
        # A walk's figures are per item, 100 to a request.
        per_request = 100 if scenario.name in ("walk", "walk_messages") else 1

        def measure(contender: str) -> dict[str, float]:
            before = server.stats() if server else None
            raw = self.worker(contender, self.spec(scenario, contender, server))
            delta = None
            if server and before:
                after = server.stats()
                delta = {k: after[k] - before[k] for k in ("cpu_s", "requests")}
            return derive(scenario.name, raw, delta, per_request)

        reps = self.counts.reps_of(scenario.name)
        start = server.stats() if server else None
        began = time.perf_counter()
        self.rounds(scenario, reps, measure)
        if server and start:
            end = server.stats()
            cpu = end["cpu_s"] - start["cpu_s"]
            wall = time.perf_counter() - began
            self.servers[scenario.name] = {
                "cpu_s": cpu,
                "wall_s": wall,
                "busy": cpu / wall,
                "requests": end["requests"] - start["requests"],
            }

    def run_imports(self, scenario: Scenario) -> None:
        """Whole-process import times, after one unmeasured run of each contender."""
        for contender in self.available(scenario):  # warm the page cache and __pycache__
            self.time_import(contender)
        self.rounds(scenario, self.counts.import_pairs, self.time_import)

    def time_import(self, contender: str) -> dict[str, float]:
        """Wall and CPU time of ``python -c 'import ...'``, start to exit."""
        cpu = self.client_cpu

        def pin() -> None:
            if cpu is not None:
                os.sched_setaffinity(0, {cpu})

        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        subprocess.run(
            [self.python(contender), "-c", IMPORTS[contender]],
            cwd=REPO,
            env=_child_env(),
            check=True,
            timeout=WORKER_TIMEOUT,
            preexec_fn=pin,
        )
        wall = time.perf_counter() - began
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        return {"wall_ms": wall * 1000, "cpu_ms": used * 1000}

    def run_all(self, only: set[str] | None = None) -> None:
        """Every scenario (or those named in ``only``), one server kind at a time."""
        plan = [s for s in scenarios(self.counts) if only is None or s.name in only]
        for kind in ("plain", "slow", "pages"):
            group = [s for s in plan if s.server == kind]
            if not group:
                continue
            args = self.server_args(kind)
            with ServerProcess(args, self.server_cpu, cwd=REPO, env=_child_env()) as server:
                for scenario in group:
                    self.log(f"{scenario.name}: {scenario.title}")
                    self.run_scenario(scenario, server)
            self.servers[f"{kind}_final"] = server.final
        for scenario in plan:
            if scenario.server is None:
                self.log(f"{scenario.name}: {scenario.title}")
                if scenario.name == "import":
                    self.run_imports(scenario)
                else:
                    self.run_scenario(scenario, None)


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run, write everything; non-zero exit if any repetition failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny counts, for the smoke test")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    parser.add_argument("--docs", type=Path, default=REPO / "docs")
    parser.add_argument("--no-official", action="store_true", help="skip the official SDK")
    parser.add_argument("--official-python", type=Path, help="use this zep-cloud interpreter")
    parser.add_argument("--no-plot", action="store_true", help="skip the PNG")
    parser.add_argument("--revision", help="what was measured (default: git describe)")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument(
        "--scenarios", help="only these, comma-separated (a partial run: not for the page)"
    )
    args = parser.parse_args(argv)

    began = time.perf_counter()
    counts = Counts.quick() if args.quick else Counts.full()
    if args.no_official:
        official = None
    elif args.official_python:
        official = args.official_python.absolute()
    else:
        official = env.official_python(create=not args.quick)
    runner = Runner(counts, official, args.quiet)
    runner.run_all(set(args.scenarios.split(",")) if args.scenarios else None)
    data = {
        "meta": {
            **env.machine(official),
            "revision": args.revision or env.revision(REPO),
            "uncommitted": [] if args.revision else env.uncommitted(REPO),
            "quick": args.quick,
            "counts": counts.as_dict(),
            "client_cpu": runner.client_cpu,
            "server_cpu": runner.server_cpu,
            "duration_s": time.perf_counter() - began,
            "allocator": ALLOCATOR,
        },
        "scenarios": runner.results,
        "targets": targets.evaluate(runner.results),
        "hop": targets.hop(runner.results),
        "server": runner.servers,
        "skipped": runner.skipped,
        "errors": runner.errors,
    }
    write_json(args.out / "latest.json", data)

    from benchmarks import report

    plot_path = None
    if not args.no_plot and env.has_module("matplotlib"):
        from benchmarks import plot

        plot_path = plot.write(data, args.docs / "performance.png")
    report.write(data, args.docs / "performance.md", plot_path)
    runner.log(f"wrote {args.out / 'latest.json'} and {args.docs / 'performance.md'}")
    return 1 if runner.errors else 0


if __name__ == "__main__":
    sys.exit(main())
