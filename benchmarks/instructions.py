"""Instructions per request, counted by valgrind: A/B evidence that a loaded machine cannot blur.

Run: ``python -m benchmarks.instructions [--scenario get_seq] [--contenders a,b]
[--n 200]``. For each contender the worker of ``benchmarks.run`` runs under
``valgrind --tool=callgrind`` twice, making ``n`` and ``2 n`` requests after
the same warm-up; the difference of the two instruction counts over ``n`` is
the client's instructions per request, start-up and warm-up cancelled out. The
server runs natively in its own process. Contenders are interleaved (a, b, a, b)
over ``--rounds``. Instruction counts ignore cache misses and the kernel, so
they bound the CPU-time ratio from the Python side; they do not replace it.
Each contender first runs once natively, unmeasured, so that the counted runs
find every module's bytecode cached (a run that compiles ``.pyc`` files counts
millions of instructions that no request costs). Needs valgrind; about a minute
per contender and round (Python under callgrind is ~50x slower). Not part of
``make bench``; ``--out FILE`` merges the figures of the scenario into ``FILE``
(``benchmarks/results/instructions.json``), which ``benchmarks.report`` shows on
the page as the profile of the targets.
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks import env
from benchmarks.plan import Counts, scenarios
from benchmarks.run import REPO, Runner, _child_env
from benchmarks.server import ServerProcess

_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def count(python: str, spec: dict[str, Any]) -> int:
    """Instructions the worker process executed for ``spec``, start to exit."""
    proc = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            python,
            "-m",
            "benchmarks.worker",
            json.dumps(spec),
        ],
        cwd=REPO,
        env=_child_env(),
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    found = _COLLECTED.search(proc.stderr)
    if proc.returncode != 0 or "RESULT " not in proc.stdout or found is None:
        raise RuntimeError(f"worker under valgrind failed: {proc.stderr[-1500:]}")
    return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    """Count, print a table, and write the figures as JSON to stdout's last line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", default="get_seq")
    parser.add_argument("--contenders", default="aiohttp_orjson,zep_async")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--out", type=Path, help="merge the figures into this JSON file")
    args = parser.parse_args(argv)

    counts = Counts.full()
    scenario = next(s for s in scenarios(counts) if s.name == args.scenario)
    runner = Runner(counts, None, quiet=True)
    names = args.contenders.split(",")
    per_request: dict[str, list[float]] = {name: [] for name in names}
    with ServerProcess(runner.server_args("plain"), None, cwd=REPO, env=_child_env()) as server:
        for name in names:  # natively, unmeasured: writes the .pyc files
            spec = {**runner.spec(scenario, name, server), "cpu": None, "warmup": 5, "n": 5}
            runner.worker(name, spec)
        for _ in range(args.rounds):
            for name in names:
                spec = runner.spec(scenario, name, server)
                spec.update(cpu=None, warmup=args.warmup)
                low = count(runner.python(name), {**spec, "n": args.n})
                high = count(runner.python(name), {**spec, "n": 2 * args.n})
                per_request[name].append((high - low) / args.n)
                print(f"{name:16} {per_request[name][-1]:12,.0f} instructions/request", flush=True)
    base = statistics.median(per_request[names[0]])
    for name in names:
        median = statistics.median(per_request[name])
        print(f"{name:16} median {median:12,.0f}  ratio to {names[0]}: {median / base:.3f}")
    print(json.dumps({name: statistics.median(v) for name, v in per_request.items()}))
    if args.out is not None:
        saved = json.loads(args.out.read_text()) if args.out.exists() else {}
        saved[args.scenario] = {
            "per_request": per_request,
            "n": args.n,
            "revision": env.revision(REPO),
            "uncommitted": env.uncommitted(REPO),
            "date": datetime.date.today().isoformat(),
        }
        args.out.write_text(json.dumps(saved, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
