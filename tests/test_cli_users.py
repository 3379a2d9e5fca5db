"""``zep-async users ...``, run for real as a subprocess against LocalZep in a thread."""

from __future__ import annotations

import json
import os
import pty
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from zep_async import User, from_dict
from zep_async.testing import LocalZep

from .cli_support import CLI, WAIT, environment, zep_cli


@pytest.fixture
def server() -> Iterator[LocalZep]:
    """A running LocalZep, empty; each test seeds what it needs."""
    local = LocalZep()
    with local.run_in_thread():
        yield local


def _on_a_terminal(server: LocalZep, *args: str, answer: str) -> subprocess.CompletedProcess[str]:
    """Run the command with a pseudo-terminal as stdin, typing ``answer`` into it."""
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [*CLI, *args],
            stdin=terminal,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment(server, {}),
        )
        os.close(terminal)
        os.write(controller, answer.encode())
        out, err = process.communicate(timeout=WAIT)
    finally:
        os.close(controller)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _seed_jane(server: LocalZep) -> None:
    server.add_user("jane", first_name="Jane", email="jane@example.com")
    server.add_session("chat-1", user_id="jane")
    server.add_session("chat-2", user_id="jane")
    server.add_messages("chat-1", [{"content": "hello", "role_type": "user"}])


def test_create_sends_the_fields_and_prints_the_user(server: LocalZep) -> None:
    """users create posts the options (metadata parsed as JSON) and prints the new user."""
    result = zep_cli(
        "users", "create", "jane", "--first-name", "Jane", "--metadata", '{"plan": "pro"}',
        "--json", server=server,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    user = from_dict(User, json.loads(result.stdout))
    assert (user.user_id, user.first_name, user.metadata) == ("jane", "Jane", {"plan": "pro"})
    (request,) = server.requests
    assert request.json == {"user_id": "jane", "first_name": "Jane", "metadata": {"plan": "pro"}}


def test_create_of_an_existing_user_fails_once(server: LocalZep) -> None:
    """A duplicate is exit 1 with the server's message, sent once."""
    server.add_user("jane")
    result = zep_cli("users", "create", "jane", server=server)
    assert result.returncode == 1
    assert "already exists" in result.stderr
    assert server.count("add_user") == 1


def test_create_that_failed_after_applying_is_recovered(server: LocalZep) -> None:
    """A 503 after the user was stored: resent, read back, exit 0, the user once."""
    server.fail_after_applying("add_user", 503)
    result = zep_cli("users", "create", "ann", "--first-name", "Ann", server=server)
    assert result.returncode == 0, result.stderr
    assert server.count("add_user") == 2
    assert [u["user_id"] for u in server.users] == ["ann"]


@pytest.mark.parametrize("metadata", ["not json", "[1, 2]", "NaN", "[" * 50_000 + "]" * 50_000])
def test_bad_metadata_is_a_usage_error(server: LocalZep, metadata: str) -> None:
    """--metadata must be a JSON object: exit 2, nothing sent."""
    result = zep_cli("users", "create", "jane", "--metadata", metadata, server=server)
    assert result.returncode == 2
    assert "--metadata" in result.stderr
    assert server.count() == 0


def test_get_prints_fields(server: LocalZep) -> None:
    """users get prints name-value lines, server text escaped."""
    server.add_user("jane", first_name="J\x1b[31mane")
    result = zep_cli("users", "get", "jane", server=server)
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(None, 1) for line in result.stdout.splitlines())
    assert lines["user_id"] == "jane"
    assert lines["first_name"] == "J\\x1b[31mane"


def test_get_of_an_unknown_user_is_exit_1(server: LocalZep) -> None:
    """A 404 is one line on stderr and exit status 1."""
    result = zep_cli("users", "get", "nobody", server=server)
    assert result.returncode == 1
    assert "404" in result.stderr
    assert result.stdout == ""


def test_update_changes_only_the_given_fields(server: LocalZep) -> None:
    """users update sends only the options given and prints the user as it is now."""
    server.add_user("jane", first_name="Jane")
    result = zep_cli("users", "update", "jane", "--last-name", "Doe", "--json", server=server)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["last_name"] == "Doe"
    assert server.requests[0].json == {"last_name": "Doe"}


def test_list_prints_a_page_with_the_total(server: LocalZep) -> None:
    """users list asks with camelCase paging and prints the users and the total."""
    for n in range(5):
        server.add_user(f"user-{n}")
    result = zep_cli("users", "list", "--page-size", "2", "--page-number", "2", server=server)
    assert result.returncode == 0, result.stderr
    assert "user-2" in result.stdout
    assert "user-1" in result.stdout
    assert "user-4" not in result.stdout
    assert "2 users on page 2, of 5 in all" in result.stdout
    assert server.requests[0].query == {"pageNumber": "2", "pageSize": "2"}


def test_list_as_json(server: LocalZep) -> None:
    """users list --json prints the page as the SDK decodes it."""
    server.add_user("only")
    result = zep_cli("users", "list", "--json", server=server)
    page = json.loads(result.stdout)
    assert [u["user_id"] for u in page["users"]] == ["only"]
    assert page["total_count"] == 1


def test_sessions_prints_the_users_sessions(server: LocalZep) -> None:
    """users sessions lists the user's sessions; an unknown user has none (exit 0)."""
    _seed_jane(server)
    result = zep_cli("users", "sessions", "jane", "--json", server=server)
    assert result.returncode == 0, result.stderr
    assert sorted(s["session_id"] for s in json.loads(result.stdout)) == ["chat-1", "chat-2"]
    table = zep_cli("users", "sessions", "jane", server=server)
    assert "chat-1" in table.stdout
    assert "2 sessions of user jane" in table.stdout
    empty = zep_cli("users", "sessions", "nobody", server=server)
    assert empty.returncode == 0
    assert "0 sessions of user nobody" in empty.stdout


def test_delete_without_a_terminal_or_yes_refuses(server: LocalZep) -> None:
    """Piped stdin and no --yes: exit 2, nothing sent, the user and sessions stay."""
    _seed_jane(server)
    result = zep_cli("users", "delete", "jane", server=server)
    assert result.returncode == 2
    assert "--yes" in result.stderr
    assert server.count() == 0
    assert [u["user_id"] for u in server.users] == ["jane"]


def test_delete_with_yes_deletes_the_user_and_its_sessions(server: LocalZep) -> None:
    """--yes deletes at once: the user, its sessions and their messages are gone."""
    _seed_jane(server)
    server.add_user("joe")
    result = zep_cli("users", "delete", "jane", "--yes", server=server)
    assert result.returncode == 0, result.stderr
    assert "deleted user 'jane'" in result.stderr
    assert [u["user_id"] for u in server.users] == ["joe"]
    assert server.sessions == []
    assert server.messages("chat-1") == []


def test_delete_on_a_terminal_asks_and_deletes_on_yes(server: LocalZep) -> None:
    """On a terminal the command names the sessions it will delete and waits for 'y'."""
    _seed_jane(server)
    result = _on_a_terminal(server, "users", "delete", "jane", answer="y\n")
    assert result.returncode == 0, result.stderr
    assert "Delete user 'jane' with its 2 sessions and their messages? [y/N]" in result.stderr
    assert server.users == []
    assert server.count("delete_user") == 1


@pytest.mark.parametrize("answer", ["n\n", "\n", "yes please\n"])
def test_delete_on_a_terminal_keeps_the_user_unless_confirmed(
    server: LocalZep, answer: str
) -> None:
    """Anything but y or yes keeps the user: exit 1, no DELETE sent."""
    _seed_jane(server)
    result = _on_a_terminal(server, "users", "delete", "jane", answer=answer)
    assert result.returncode == 1
    assert "was not deleted" in result.stderr
    assert server.count("delete_user") == 0
    assert [u["user_id"] for u in server.users] == ["jane"]


def test_export_writes_each_user_as_the_server_sent_it(server: LocalZep, tmp_path: Path) -> None:
    """users export: JSON Lines, newest first, unknown keys and timestamps untouched."""
    server.add_user("old", created_at="2024-01-02T03:04:05.123456789Z", extra={"kept": 1})
    for n in range(25):
        server.add_user(f"user-{n:02d}")
    out = tmp_path / "users.jsonl"
    result = zep_cli("users", "export", "--out", out, "--page-size", "10", server=server)
    assert result.returncode == 0, result.stderr
    assert f"exported 26 users to {out}" in result.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [u["user_id"] for u in lines] == [f"user-{n:02d}" for n in reversed(range(25))] + ["old"]
    assert lines[-1]["created_at"] == "2024-01-02T03:04:05.123456789Z"
    assert lines[-1]["extra"] == {"kept": 1}
    assert {r.query["pageSize"] for r in server.requests} == {"10"}
    assert [p.name for p in tmp_path.iterdir()] == ["users.jsonl"]


def test_a_failed_export_leaves_the_old_file(server: LocalZep, tmp_path: Path) -> None:
    """The server fails: exit 1, the existing file untouched, no temporary file left."""
    for n in range(30):
        server.add_user(f"user-{n:02d}")
    out = tmp_path / "users.jsonl"
    out.write_text("before\n")
    server.fail("list_users", 500, json={"message": "boom"}, times=100)
    result = zep_cli("users", "export", "--out", out, "--page-size", "10", server=server)
    assert result.returncode == 1
    assert "boom" in result.stderr
    assert out.read_text() == "before\n"
    assert [p.name for p in tmp_path.iterdir()] == ["users.jsonl"]


def test_export_to_stdout(server: LocalZep) -> None:
    """Without --out the lines go to stdout and the count to stderr."""
    server.add_user("a")
    result = zep_cli("users", "export", server=server)
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["user_id"] for line in result.stdout.splitlines()] == ["a"]
    assert "exported 1 user to stdout" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["get", ""],
        ["update", " ", "--email", "a@b.c"],
        ["sessions", "a\nb"],
        ["delete", "", "--yes"],
    ],
    ids=["get", "update", "sessions", "delete"],
)
def test_an_id_the_sdk_refuses_is_a_usage_error(server: LocalZep, args: list[str]) -> None:
    """A bad user id: exit 2 with the SDK's message naming user_id, nothing sent."""
    result = zep_cli("users", *args, server=server)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("zep-async: error: user_id ")
    assert server.count() == 0
