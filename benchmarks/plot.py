"""The PNG of CPU per request by contender and call, from the results file.

Every call measured in a request loop, side by side: raw aiohttp (the floor, with
orjson and, for list_sessions, with json), ours and the official SDK.

Run: ``python -m benchmarks.plot [results.json] [out.png]`` (needs matplotlib).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

from benchmarks.plan import LABELS

SCENARIOS = {
    "get_seq": "get_session\nsequential",
    "get_c64": "get_session\nconcurrency 64",
    "list100": "list_sessions\n(100)",
    "add_session": "add_session",
    "memory_add": "memory.add\n(6 messages)",
    "memory_get": "memory.get\n(6 messages)",
    "messages100": "get_session_\nmessages(100)",
    "users100": "user.list_\nordered(100)",
    "sync_t1": "sync get_session\n1 thread",
    "sync_t8": "sync get_session\n8 threads",
}
ORDER = (
    "aiohttp",
    "aiohttp_orjson",
    "zep_async_json",
    "zep_async_orjson",
    "zep_async",
    "zep_sync",
    "httpx_async",
    "httpx_sync",
    "official_async",
    "official_sync",
)
COLORS = {
    "aiohttp": "#b0b0b0",
    "aiohttp_orjson": "#7f7f7f",
    "zep_async_json": "#9ecae1",
    "zep_async_orjson": "#4a98c9",
    "zep_async": "#1f77b4",
    "zep_sync": "#6baed6",
    "httpx_async": "#bcbd22",
    "httpx_sync": "#dbdb8d",
    "official_async": "#d62728",
    "official_sync": "#ff9896",
}


def _floor(value: float) -> float:
    """The largest of 1, 2, 5 x 10**k below ``value``: where the log axis starts."""
    decade = 10 ** math.floor(math.log10(value))
    return max(step * decade for step in (1, 2, 5) if step * decade <= value)


def write(data: dict[str, Any], path: Path) -> Path:
    """Draw the grouped bar chart (log scale, min-max whiskers) to ``path``."""
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = data["scenarios"]
    present = [s for s in SCENARIOS if results.get(s)]
    fig, ax = plt.subplots(figsize=(15, 6), dpi=110)
    labelled: set[str] = set()
    lowest = math.inf
    for x, scenario in enumerate(present):
        here = [c for c in ORDER if "cpu_us" in results[scenario].get(c, {}).get("figures", {})]
        width = 0.8 / max(len(here), 1)
        for i, contender in enumerate(here):
            figure = results[scenario][contender]["figures"]["cpu_us"]
            median = figure["median"]
            lowest = min(lowest, figure["min"])
            where = x - 0.4 + width * (i + 0.5)
            ax.bar(
                where,
                median,
                width * 0.92,
                yerr=[[median - figure["min"]], [figure["max"] - median]],
                capsize=2,
                color=COLORS[contender],
                label=None if contender in labelled else LABELS[contender],
            )
            labelled.add(contender)
            ax.annotate(
                f"{median:.0f}",
                (where, figure["max"]),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=6,
                rotation=90 if len(here) > 3 else 0,
            )
    ax.set_yscale("log")
    if lowest < math.inf:
        # Bars on a log axis start at an arbitrary floor: put it well below the lowest
        # bar, so that bar lengths compare sensibly (and say where it is).
        ax.set_ylim(bottom=_floor(lowest / 2))
    ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
    ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xticks(range(len(present)))
    ax.set_xticklabels([SCENARIOS[s] for s in present], fontsize=8)
    ax.set_ylabel("client CPU per request, µs (log scale; median, min-max)")
    meta = data["meta"]
    ax.set_title(
        f"zep_async vs raw clients and zep-cloud: {meta['cpu_model']}, {meta['cores']} cores, "
        f"Python {meta['python']}\nsource {meta.get('revision') or 'unknown'}, {meta['date']}",
        fontsize=10,
    )
    ax.legend(fontsize=8, ncols=2, loc="upper left")
    ax.grid(axis="y", alpha=0.3, which="both")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def main() -> None:
    """Plot from a results file."""
    here = Path(__file__).resolve().parent
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else here / "results" / "latest.json"
    target = Path(sys.argv[2]) if len(sys.argv) > 2 else here.parent / "docs" / "performance.png"
    print(write(json.loads(source.read_text()), target))


if __name__ == "__main__":
    main()
