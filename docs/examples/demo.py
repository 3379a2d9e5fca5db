"""The demo behind ``make demo``: an agent's memory, told in a minute.

It starts ``zep-async serve`` on a free port (with some sample sessions), then
tells the story an agent lives every day:

1. a user signs up: ``zep-async users create``;
2. a conversation starts and goes on, from the async client:
   ``memory.add_session``, ``memory.add``, and memory read back with ``memory.get``;
3. the next turn, from the sync client (in another thread, as a web framework
   would call it): the user, their sessions, the memory for the prompt;
4. the data, with the command line: the user's sessions, a page of users, and
   JSON Lines exports of users and sessions, checked against ``iter_users``;
5. the user asks to be forgotten: ``zep-async users delete --yes`` takes the
   sessions and messages with it.

The server stops at the end, also when a step fails. Run it with ``make demo``
(or ``python docs/examples/demo.py`` where the cli extra is installed).
Against Zep Cloud the same commands and code need only ZEP_API_KEY.
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

from zep_async import AsyncZep, Message, NotFoundError, User, Zep, from_dict

# What the `zep-async` script runs, with this very interpreter.
ZEP_ASYNC = [sys.executable, "-m", "zep_async"]
USER = "jane"
SESSION = "jane-billing-1"
CONVERSATION = [
    Message(role_type="user", role="Jane", content="My card was charged twice for March."),
    Message(role_type="assistant", role="Support", content="Sorry! I see two charges of $12."),
    Message(role_type="user", role="Jane", content="Please refund one, to the same card."),
    Message(role_type="assistant", role="Support", content="Done: the refund takes 3-5 days."),
]


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


def zep_async(*args: str, cwd: str, env: dict[str, str]) -> int:
    """Run one ``zep-async`` command, shown as typed; return its exit status."""
    print(f"\n$ zep-async {shlex.join(args)}", flush=True)
    status = subprocess.run([*ZEP_ASYNC, *args], cwd=cwd, env=env, check=False).returncode  # noqa: S603
    if status:
        print(f"(exit status {status})", flush=True)
    return status


def chapter(title: str) -> None:
    print(f"\n== {title}", flush=True)


async def a_conversation() -> None:
    """Start a session for the user and add the conversation, turn by turn."""
    async with AsyncZep() as zep:  # reads ZEP_API_KEY and ZEP_API_URL, as the command does
        session = await zep.memory.add_session(
            session_id=SESSION, user_id=USER, metadata={"channel": "web"}
        )
        print(f"  memory.add_session: {session.session_id} for {session.user_id}")
        for turn in range(0, len(CONVERSATION), 2):
            await zep.memory.add(SESSION, messages=CONVERSATION[turn : turn + 2])
            print(f"  memory.add: turn {turn // 2 + 1}, 2 messages")
        memory = await zep.memory.get(SESSION, lastn=4)
        print("  memory.get(lastn=4) gives the prompt its context:")
        for message in memory.messages or []:
            print(f"    {message.role}: {message.content}")


def the_next_turn() -> None:
    """From the sync client: who is this, what did we talk about?"""
    with Zep() as zep:
        user = zep.user.get(USER)
        sessions = zep.user.get_sessions(USER)
        print(f"  user.get: {user.first_name} <{user.email}>, created {user.created_at:%H:%M:%S}")
        print(f"  user.get_sessions: {', '.join(str(s.session_id) for s in sessions)}")
        memory = zep.memory.get(SESSION, lastn=2)
        context = memory.context or " / ".join(
            f"{m.role}: {m.content}" for m in memory.messages or []
        )
        print(f"  memory.get(lastn=2): {context}")


def check_the_export(users_file: Path) -> None:
    """The export holds, line for line, the users iter_users walks."""
    with Zep() as zep:
        walked = list(zep.user.iter_users(page_size=20))
    exported = [from_dict(User, json.loads(line)) for line in users_file.read_text().splitlines()]
    print(f"  users.jsonl holds exactly the {len(walked)} users iter_users walks:", end=" ")
    print(exported == walked)


async def after_forgetting() -> None:
    async with AsyncZep() as zep:
        try:
            await zep.memory.get_session(SESSION)
        except NotFoundError as error:
            print(f"  {SESSION} is gone too: {type(error).__name__}: {error}")
        print(f"  user.get_sessions({USER!r}) = {await zep.user.get_sessions(USER)}")


def main() -> None:
    with local_zep(seed=40) as settings, tempfile.TemporaryDirectory() as workdir:
        env = os.environ | settings
        os.environ.update(settings)

        def cli(*args: str) -> int:
            return zep_async(*args, cwd=workdir, env=env)

        chapter("1. A user signs up (the command line)")
        cli("users", "create", USER, "--first-name", "Jane", "--email", "jane@example.com")

        chapter("2. A conversation (the async client)")
        asyncio.run(a_conversation())

        chapter("3. The next turn (the sync client)")
        the_next_turn()

        chapter("4. Lists and exports (the command line)")
        cli("users", "sessions", USER)
        cli("users", "list", "--page-size", "5")
        cli("users", "export", "--out", "users.jsonl")
        cli("sessions", "export", "--out", "sessions.jsonl")
        check_the_export(Path(workdir, "users.jsonl"))

        chapter("5. Jane asks to be forgotten")
        cli("users", "delete", USER, "--yes")
        asyncio.run(after_forgetting())


if __name__ == "__main__":
    main()
