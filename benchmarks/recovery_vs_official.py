"""The three rows where the official SDK did better, run with both SDKs against LocalZep.

The rows: a 503 or 500 answered to ``memory.add_session``, ``memory.add`` and
``memory.update_session``. Each is run with the failure *after* the server applied the
write (the answer is lost) and *before* it (nothing stored), on both LocalZep flavors,
with ``zep_async`` (its defaults; and with ``recover_writes=False``, the rule before
recovery) and with ``zep-cloud`` 2.22.1 (its defaults, in its own virtual environment,
as a subprocess). Each run records what the caller got
and what the server holds afterwards.

Usage (from the repository root; the official SDK in a separate venv)::

    python3 -m venv /tmp/zcvenv && /tmp/zcvenv/bin/pip install zep-cloud==2.22.1
    .venv/bin/python -m benchmarks.recovery_vs_official --official-python /tmp/zcvenv/bin/python

(``make bench`` keeps the official SDK in benchmarks/.venv-official: its python works too.)

It prints a Markdown table; ``--json FILE`` also writes the rows as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
from typing import Any

from zep_async import AsyncZep, Message, ZepError
from zep_async.testing import LocalZep

CALLS = ("add_session", "memory.add", "update_session")
#: zep_async with its defaults, and with recovery off (the rule before recovery).
SDKS = ("zep-cloud", "zep_async", "zep_async recover_writes=False")
ROUTES = {
    "add_session": "add_session",
    "memory.add": "add_memory",
    "update_session": "update_session",
}

#: The official SDK's side of one run: the call, then one JSON line with the outcome.
_OFFICIAL = """
import json, sys
from zep_cloud.client import Zep
from zep_cloud.types import Message
call, base_url, api_key = sys.argv[1:4]
zep = Zep(api_key=api_key, base_url=base_url)
try:
    if call == "add_session":
        zep.memory.add_session(session_id="s-new", user_id="u-1")
    elif call == "memory.add":
        zep.memory.add(session_id="s-1", messages=[Message(role_type="user", content="Hi")])
    else:
        zep.memory.update_session(session_id="s-1", metadata={"k": "v"})
    print(json.dumps({"ok": True, "error": None}))
except Exception as error:
    said = f"{type(error).__name__} {getattr(error, 'status_code', '')}".strip()
    print(json.dumps({"ok": False, "error": said}))
"""


async def _ours(call: str, server: LocalZep, recover: bool) -> dict[str, Any]:
    async with AsyncZep(
        api_key=server.api_key, base_url=server.base_url, recover_writes=recover
    ) as zep:
        try:
            if call == "add_session":
                await zep.memory.add_session(session_id="s-new", user_id="u-1")
            elif call == "memory.add":
                await zep.memory.add("s-1", messages=[Message(role_type="user", content="Hi")])
            else:
                await zep.memory.update_session("s-1", metadata={"k": "v"})
        except ZepError as error:
            status = getattr(error, "status_code", "")
            applied = " may_have_been_applied" if error.may_have_been_applied else ""
            return {"ok": False, "error": f"{type(error).__name__} {status}{applied}".strip()}
    return {"ok": True, "error": None}


def _official(call: str, server: LocalZep, python: str) -> dict[str, Any]:
    done = subprocess.run(
        [python, "-c", _OFFICIAL, call, server.base_url, server.api_key],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0 or not done.stdout.strip():
        return {"ok": False, "error": f"crashed: {done.stderr.strip()[-200:]}"}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _held(call: str, server: LocalZep) -> str:
    """What the server holds of the write: how many sessions, messages, the metadata."""
    if call == "add_session":
        return f"{[s['session_id'] for s in server.sessions].count('s-new')} session"
    if call == "memory.add":
        return f"{len(server.messages('s-1'))} message(s)"
    (session,) = [s for s in server.sessions if s["session_id"] == "s-1"]
    return f"metadata {json.dumps(session['metadata'])}"


def run_one(
    sdk: str, call: str, status: int, applied: bool, flavor: str, python: str
) -> dict[str, Any]:
    """One scenario, one SDK, a fresh LocalZep: what the caller got, what the server holds."""
    server = LocalZep(flavor=flavor)  # type: ignore[arg-type]
    with server.run_in_thread():
        server.add_user("u-1")
        server.add_session("s-1", user_id="u-1", metadata={})
        server.fail(ROUTES[call], status, after_applying=applied)
        if sdk.startswith("zep_async"):
            outcome = asyncio.run(_ours(call, server, recover=sdk == "zep_async"))
        else:
            outcome = _official(call, server, python)
        return {
            "sdk": sdk,
            "call": call,
            "status": status,
            "applied": applied,
            "flavor": flavor,
            "requests": server.count(ROUTES[call]),
            "held": _held(call, server),
            **outcome,
        }


def main(argv: list[str] | None = None) -> int:
    """Run every scenario with both SDKs and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--official-python", required=True, help="python with zep-cloud 2.22.1")
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args(argv)
    rows = [
        run_one(sdk, call, status, applied, flavor, args.official_python)
        for call in CALLS
        for status in (503, 500)
        for applied in (True, False)
        for flavor in ("cloud", "ce")
        for sdk in SDKS
    ]
    print("| call | answer | when | flavor | SDK | caller got | requests | server holds |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        when = "after applying" if row["applied"] else "before applying"
        got = "success" if row["ok"] else row["error"]
        print(
            f"| {row['call']} | {row['status']} | {when} | {row['flavor']} | {row['sdk']} "
            f"| {got} | {row['requests']} | {row['held']} |"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(rows, out, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
