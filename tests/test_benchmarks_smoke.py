"""The benchmark harness, end to end with tiny counts, so that it cannot rot.

Runs ``python -m benchmarks.run --quick`` into a temporary directory without the
official SDK (httpx and matplotlib are used only if installed) and checks the
results file and the generated page. About 20 seconds.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
#: The calls of issues 19 and 26: ours is measured once the call is in the package, else skipped.
CALLS = (
    "add_session",
    "memory_add",
    "memory_get",
    "messages100",
    "users100",
    "session_facts",
    "add_facts",
)
SCENARIOS = {
    "get_seq",
    "get_c64",
    "list100",
    *CALLS,
    "sync_t1",
    "sync_t8",
    "fanout",
    "walk",
    "decode",
    "decode_messages",
    "memory",
    "import",
}
#: Walks that need a call not every version has: measured, or skipped (issue 19).
WALKS = ("walk_messages",)
OURS = {
    "get_seq": "zep_async",
    "get_c64": "zep_async",
    "list100": "zep_async",
    "sync_t1": "zep_sync",
    "sync_t8": "zep_sync",
    "fanout": "zep_async",
    "walk": "default",
    "decode": "zep_async",
    "decode_messages": "zep_async",
    "memory": "zep_async",
    "import": "zep_async",
}


# Its workers are processes of their own, never under -X dev, so the dev-mode run of
# `make test` would only repeat the plain run's check, at a quarter of the suite's time.
@pytest.mark.skipif(bool(sys.flags.dev_mode), reason="runs once, in the plain run of the suite")
def test_quick_run_writes_every_scenario(tmp_path: Path) -> None:
    """The quick run writes every scenario's figures, the targets and the page."""
    command = [sys.executable, "-m", "benchmarks.run", "--quick", "--no-official", "--quiet"]
    command += ["--out", str(tmp_path), "--docs", str(tmp_path)]
    proc = subprocess.run(  # noqa: S603 - our own interpreter, our own module
        command, cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr

    data = json.loads((tmp_path / "latest.json").read_text())
    counts = data["meta"]["counts"]

    def counts_of(scenario: str) -> int:
        walks = {"walk": counts["walk_reps"], "walk_messages": counts["walk_reps"]}
        walks["import"] = counts["import_pairs"]
        return int({"fanout": counts["fanout_reps"], **walks}.get(scenario, counts["reps"]))

    assert data["errors"] == []
    assert data["meta"]["quick"] is True
    assert SCENARIOS <= set(data["scenarios"]) <= SCENARIOS | set(WALKS)
    for scenario, contender in OURS.items():
        assert contender in data["scenarios"][scenario], scenario
    for scenario, contenders in data["scenarios"].items():
        for contender, entry in contenders.items():
            for metric, figure in entry["figures"].items():
                where = f"{scenario}/{contender}/{metric}"
                assert len(figure["values"]) == counts_of(scenario), where
                assert 0 < figure["min"] <= figure["median"] <= figure["max"], where

    for scenario in WALKS:
        measured = "default" in data["scenarios"].get(scenario, {})
        assert measured != ("default" in data["skipped"].get(scenario, [])), scenario
    for scenario in CALLS:
        assert "aiohttp_orjson" in data["scenarios"][scenario], scenario
        ours = "zep_async" in data["scenarios"][scenario]
        assert ours != ("zep_async" in data["skipped"].get(scenario, [])), scenario
    # list_sessions(100) with and without the speedups, each over its own floor.
    assert {"aiohttp", "aiohttp_orjson", "zep_async", "zep_async_json"} <= set(
        data["scenarios"]["list100"]
    )

    by_figure = {(row["scenario"], row["denominator"]): row for row in data["targets"]}
    for scenario, floor in [
        ("get_seq", "aiohttp_orjson"),
        ("get_c64", "aiohttp_orjson"),
        ("list100", "aiohttp_orjson"),
        ("list100", "aiohttp"),
        ("fanout", "aiohttp_orjson"),
        ("walk", "default"),
    ]:
        assert by_figure[scenario, floor]["ratio"] > 0, scenario
    assert "official_async" in data["skipped"]["get_seq"]
    # The sync facade's thread hop (issue 4): Zep against AsyncZep in the same scenario.
    assert "zep_async" in data["scenarios"]["sync_t1"]
    for figure in ("cpu_us", "wall_us"):
        assert data["hop"][figure]["sync"] > 0
        assert data["hop"][figure]["async"] > 0

    page = (tmp_path / "performance.md").read_text()
    assert "## Targets" in page
    assert "## The server was not the bottleneck" in page
    assert "## The sync facade's thread hop" in page
    if importlib.util.find_spec("matplotlib") is not None:
        assert (tmp_path / "performance.png").stat().st_size > 0
