"""The environments the harness runs in: the official SDK's venv and the machine."""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

OFFICIAL_PACKAGE = "zep-cloud==2.22.1"
OFFICIAL_VENV = Path(__file__).resolve().parent / ".venv-official"

_VERSIONS = """
import importlib.metadata as m, json, sys
found = {}
for name in sys.argv[1:]:
    try:
        found[name] = m.version(name)
    except m.PackageNotFoundError:
        pass
print(json.dumps(found))
"""


def versions(python: str | Path, names: list[str]) -> dict[str, str]:
    """Installed versions of ``names`` as seen by ``python``."""
    out = subprocess.run(
        [str(python), "-c", _VERSIONS, *names], capture_output=True, text=True, check=True
    ).stdout
    found: dict[str, str] = json.loads(out)
    return found


def official_python(*, create: bool, venv: Path = OFFICIAL_VENV) -> Path | None:
    """The official SDK venv's python; created (with pip) when missing and ``create``."""
    python = venv / "bin" / "python"
    wanted = OFFICIAL_PACKAGE.split("==")[1]
    if python.exists() and versions(python, ["zep-cloud"]).get("zep-cloud") == wanted:
        return python
    if not create:
        return None
    print(f"setting up {venv} with {OFFICIAL_PACKAGE} ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, OFFICIAL_PACKAGE], check=True)
    return python


def revision(repo: Path) -> str | None:
    """``git describe --always`` of the measured commit, if it is a checkout.

    Not ``--dirty``: the run's own outputs (the page, the results) make the tree
    dirty. ``uncommitted`` names what differs in the measured code instead.
    """
    try:
        out = subprocess.run(
            ["git", "-C", str(repo), "describe", "--always"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() or None


#: What a run measures: the package and the harness (not the harness's outputs).
MEASURED = ("zep_async", "benchmarks", ":!benchmarks/results")


def uncommitted(repo: Path, paths: tuple[str, ...] = MEASURED) -> list[str]:
    """Files under ``paths`` that differ from the commit (so ``revision`` is not all of it)."""
    try:
        out = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--", *paths],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return []
    return [line[3:] for line in out.stdout.splitlines() if line.strip()]


def has_module(name: str) -> bool:
    """Whether this interpreter can import ``name``."""
    import importlib.util

    return importlib.util.find_spec(name) is not None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine(official: Path | None) -> dict[str, object]:
    """What the report says about the machine and software."""
    ours = [
        "zep-async",
        "aiohttp",
        "attrs",
        "cattrs",
        "yarl",
        "orjson",
        "msgspec",
        "httpx",
        "matplotlib",
    ]
    info: dict[str, object] = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "usable_cpus": sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else [],
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "os": f"{platform.system()} {platform.release()}",
        "packages": versions(sys.executable, ours),
    }
    if official is not None:
        info["official_packages"] = versions(
            official, ["zep-cloud", "httpx", "pydantic", "pydantic-core"]
        )
    return info
