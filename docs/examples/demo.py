"""The demo behind ``make demo``: the ``zep-async`` command and the SDK, end to end.

It starts ``zep-async serve --seed 250`` on a free port, runs ``sessions list``,
``get`` and ``export`` against it, does the same from Python with the sync and
async clients, and stops the server, also when a step fails. Run it with
``make demo`` (or ``python docs/examples/demo.py`` where zep-async[cli] is
installed). Against Zep Cloud the same commands and code need only ZEP_API_KEY.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from zep_async import AsyncZep, NotFoundError, Session, Zep, from_dict

# What the `zep-async` script runs, with this very interpreter.
ZEP_ASYNC = [sys.executable, "-m", "zep_async"]


@contextlib.contextmanager
def local_zep(seed: int) -> Iterator[dict[str, str]]:
    """Run ``zep-async serve`` on a free port; yield the variables that point at it."""
    command = [*ZEP_ASYNC, "serve", "--port", "0", "--seed", str(seed)]
    print(f"$ zep-async {shlex.join(command[3:])} &", flush=True)
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as server:  # noqa: S603
        try:
            assert server.stdout is not None
            for line in server.stdout:
                print(line, end="", flush=True)
                if line.startswith("export "):  # its last line, once it listens
                    yield dict(word.split("=", 1) for word in shlex.split(line)[1:])
                    break
            else:
                raise RuntimeError("zep-async serve stopped before it was ready")
        finally:
            server.terminate()  # SIGTERM: the server shuts down and exits 0
            try:
                server.wait(timeout=5)
            except subprocess.TimeoutExpired:
                server.kill()


def zep_async(*args: str, cwd: str, env: dict[str, str]) -> None:
    """Run one ``zep-async`` command, shown as typed, and say when it fails."""
    print(f"\n$ zep-async {shlex.join(args)}", flush=True)
    status = subprocess.run([*ZEP_ASYNC, *args], cwd=cwd, env=env, check=False).returncode  # noqa: S603
    if status:
        print(f"(exit status {status})")


def with_the_sync_client(export: Path) -> None:
    print("\nThe same from Python, with the sync client:")
    with Zep() as zep:  # reads ZEP_API_KEY and ZEP_API_URL, as the command does
        page = zep.memory.list_sessions(page_size=3, order_by="session_id", asc=True)
        print("  the first three by id:", ", ".join(str(s.session_id) for s in page.sessions))
        session = zep.memory.get_session("session-0042")
        print(f"  session-0042 belongs to {session.user_id}; metadata {session.metadata}")
        walked = list(zep.memory.iter_sessions())
    exported = [from_dict(Session, json.loads(line)) for line in export.read_text().splitlines()]
    print(f"  the export holds exactly the {len(walked)} sessions iter_sessions walks:", end=" ")
    print(exported == walked)


async def with_the_async_client() -> None:
    print("\nAnd with the async client:")
    async with AsyncZep() as zep:
        count = 0
        async for _ in zep.memory.iter_sessions(page_size=50, prefetch=4):
            count += 1
        print(f"  iter_sessions walked {count} sessions, fetching up to 4 pages at once")
        try:
            await zep.memory.get_session("no/such session")
        except NotFoundError as error:
            print(f"  a missing session raises {type(error).__name__}: {error}")


def main() -> None:
    with local_zep(seed=250) as settings, tempfile.TemporaryDirectory() as workdir:
        env = os.environ | settings
        zep_async(
            "sessions", "list", "--page-size", "5", "--order-by", "created_at", cwd=workdir, env=env
        )
        zep_async("sessions", "get", "session-0042", cwd=workdir, env=env)
        zep_async("sessions", "get", "no/such session", cwd=workdir, env=env)
        zep_async("sessions", "export", "--out", "sessions.jsonl", cwd=workdir, env=env)
        os.environ.update(settings)
        with_the_sync_client(Path(workdir, "sessions.jsonl"))
        asyncio.run(with_the_async_client())


if __name__ == "__main__":
    main()
