"""What a live sync client costs a process: threads, file descriptors and memory.

A framework makes one client per conversation. This starts LocalZep in a process of
its own, then for each count N (1, 100, 300, 1,000) and each SDK runs a fresh worker
process that makes N sync clients, makes one call with each (``get_session``), keeps
them all alive, and reports the process's OS threads, open fds and RSS against the
same figures taken before the first client. Workers run under ``ulimit -n 1024``
(``RLIMIT_NOFILE`` soft limit), the common default, so a design that needs more fds
than that fails here as it would there; failures are reported, not hidden.

Run: ``python -m benchmarks.client_cost`` (``--counts 1 100``, ``--no-official``).
The official SDK (``zep-cloud==2.22.1``) runs from ``benchmarks/.venv-official``,
made on first use as for ``make bench``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from benchmarks.env import official_python

ROOT = Path(__file__).resolve().parent.parent
API_KEY = "test-api-key"
SESSION = "conversation"

_SERVER = textwrap.dedent(
    """
    import resource, sys
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # it serves every client
    from zep_async.testing import LocalZep
    server = LocalZep()
    server.add_session(sys.argv[1])
    with server.run_in_thread():
        print(server.base_url, flush=True)
        sys.stdin.read()
    """
)

# Runs in either venv: it must import nothing of this repository but the SDK measured.
_WORKER = textwrap.dedent(
    """
    import gc, json, os, resource, sys, threading
    sdk, count, base, key, session = sys.argv[1], int(sys.argv[2]), *sys.argv[3:6]
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))

    def status():
        fields = {}
        with open("/proc/self/status") as f:
            for line in f:
                name, _, value = line.partition(":")
                fields[name] = value.split()[0] if value.split() else ""
        return {
            "threads": int(fields["Threads"]),
            "fds": len(os.listdir("/proc/self/fd")) - 1,  # less listdir's own
            "rss_kib": int(fields["VmRSS"]),
        }

    if sdk == "zep-async":
        from zep_async import Zep
        make = lambda: Zep(api_key=key, base_url=base)
        close = lambda client: client.close()
    else:
        from zep_cloud.client import Zep
        make = lambda: Zep(api_key=key, base_url=base)
        close = lambda client: client._client_wrapper.httpx_client.httpx_client.close()
    gc.collect()
    before = status()  # after the imports: the first client's figures include its loop
    clients, error, first = [], None, None
    try:
        for _ in range(count):
            client = make()
            client.memory.get_session(session)
            clients.append(client)
            if first is None:
                first = status()
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    gc.collect()
    after = status()
    print(json.dumps({"sdk": sdk, "count": count, "made": len(clients), "error": error,
                      "before": before, "first": first, "after": after}))
    for client in clients:
        close(client)
    """
)


def _worker(
    python: Path | str, sdk: str, count: int, base: str, source: Path = ROOT
) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(source)}
    out = subprocess.run(
        [str(python), "-c", _WORKER, sdk, str(count), base, API_KEY, SESSION],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=source,
        env=env,
    )
    lines = out.stdout.strip().splitlines()
    if out.returncode != 0 or not lines:
        return {"sdk": sdk, "count": count, "made": 0, "error": out.stderr.strip()[-300:]}
    result: dict[str, object] = json.loads(lines[-1])
    return result


def _row(result: dict[str, object]) -> str:
    if "after" not in result:
        error = result["error"]
        return f"| {result['sdk']} | {result['count']} | - | - | - | - | - | failed: {error} |"
    before, first, after = result["before"], result["first"], result["after"]
    assert isinstance(before, dict)
    assert isinstance(after, dict)
    made = int(str(result["made"]))
    threads = after["threads"] - before["threads"]
    fds = after["fds"] - before["fds"]
    first_rss = further = "-"
    if isinstance(first, dict):
        first_rss = f"{(first['rss_kib'] - before['rss_kib']) / 1024:.1f} MiB"
        if made > 1:
            further = f"{(after['rss_kib'] - first['rss_kib']) / (made - 1):.0f} KiB"
    note = "ok" if result["error"] is None else f"{made} made, then {result['error']}"
    return (
        f"| {result['sdk']} | {result['count']} | +{threads} | +{fds} | "
        f"{after['rss_kib'] / 1024:.1f} | {first_rss} | {further} | {note} |"
    )


def main(argv: list[str] | None = None) -> int:
    """Measure, print a Markdown table, and exit 1 when one of our runs failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[1, 100, 300, 1000])
    parser.add_argument("--no-official", action="store_true", help="measure zep-async only")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument(
        "--also",
        type=Path,
        metavar="SOURCE",
        help="also measure the zep_async package found in this directory (an older checkout)",
    )
    args = parser.parse_args(argv)
    sdks: list[tuple[str, Path | str, Path]] = [("zep-async", sys.executable, ROOT)]
    if args.also is not None:
        sdks.append((f"zep-async ({args.also.name})", sys.executable, args.also.resolve()))
    if not args.no_official:
        official = official_python(create=True)
        if official is not None:
            sdks.append(("zep-cloud 2.22.1", official, ROOT))
    server = subprocess.Popen(
        [sys.executable, "-c", _SERVER, SESSION],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    results = []
    try:
        assert server.stdout is not None
        base = server.stdout.readline().strip()
        print(
            "| SDK | clients | extra threads | extra fds | RSS MiB | RSS of the first client "
            "| RSS per further client | outcome |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---|")
        for count in args.counts:
            for name, python, source in sdks:
                sdk = "zep-cloud" if name.startswith("zep-cloud") else "zep-async"
                result = _worker(python, sdk, count, base, source)
                result["sdk"] = name
                results.append(result)
                print(_row(result), flush=True)
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(30)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    ours = [r for r in results if r["sdk"] == "zep-async"]
    return 0 if all(r.get("error") is None and "after" in r for r in ours) else 1


if __name__ == "__main__":
    sys.exit(main())
