"""``zep-async sessions create|update|end|delete`` and the exact JSON of ``get --json``/``export``.

Run for real as subprocesses against LocalZep in a thread, as in test_cli.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from zep_async.testing import LocalZep

from .cli_support import CLI, WAIT, environment, zep_cli

NANOS = "2024-08-07T17:56:29.000000318+02:00"
ZULU = "2024-08-07T15:56:29Z"


@pytest.fixture
def server() -> Iterator[LocalZep]:
    """A running LocalZep with user u-1 and its session s-1."""
    local = LocalZep()
    with local.run_in_thread():
        local.add_user("u-1")
        local.add_session("s-1", user_id="u-1", metadata={"a": 1})
        yield local


def _stored(server: LocalZep, session_id: str) -> dict[str, Any] | None:
    return next((s for s in server.sessions if s["session_id"] == session_id), None)


def _fields(stdout: str) -> dict[str, str]:
    return dict(line.split(maxsplit=1) for line in stdout.splitlines())


def _raw(server: LocalZep, path: str) -> str:
    """The body LocalZep sends for GET ``path``, fetched without the SDK."""
    request = urllib.request.Request(  # noqa: S310 - an http URL on loopback
        server.base_url + path, headers={"Authorization": f"Api-Key {server.api_key}"}
    )
    with urllib.request.urlopen(request, timeout=WAIT) as response:  # noqa: S310 - loopback
        body: bytes = response.read()
    return body.decode("utf-8")


# -- create, update, end ------------------------------------------------------------------


def test_create_prints_the_new_session(server: LocalZep) -> None:
    """create sends the id, user and metadata, and prints the session's fields."""
    result = zep_cli(
        "sessions", "create", "chat-42", "--user-id", "u-1", "--metadata", '{"ch": "web"}',
        server=server,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    fields = _fields(result.stdout)
    assert (fields["session_id"], fields["user_id"]) == ("chat-42", "u-1")
    assert fields["metadata"] == '{"ch": "web"}'
    (request,) = server.requests[-1:]
    assert request.json == {"session_id": "chat-42", "user_id": "u-1", "metadata": {"ch": "web"}}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["s-1"], "400 Bad Request: bad request: session already exists with session_id: s-1"),
        (["new", "--user-id", "nobody"], "400 Bad Request: user not found"),
    ],
    ids=["duplicate", "unknown user"],
)
def test_create_refused_exits_1_with_one_line(
    server: LocalZep, args: list[str], message: str
) -> None:
    """A duplicate id or an unknown user: exit 1, one line with the server's words."""
    result = zep_cli("sessions", "create", *args, server=server)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == f"zep-async: error: {message} (request id req-1)\n"


def test_update_merges_the_metadata(server: LocalZep) -> None:
    """update --metadata merges into the session's metadata and prints the result."""
    result = zep_cli("sessions", "update", "s-1", "--metadata", '{"b": [2]}', server=server)
    assert result.returncode == 0, result.stderr
    assert _fields(result.stdout)["metadata"] == '{"a": 1, "b": [2]}'
    assert _stored(server, "s-1")["metadata"] == {"a": 1, "b": [2]}  # type: ignore[index]


def test_end_prints_the_ended_session_and_its_class(server: LocalZep) -> None:
    """end --classify sends the request and prints ended_at and the classification."""
    server.add_messages("s-1", [{"role_type": "user", "content": "a billing question"}])
    classify = '{"classes": ["billing", "other"], "name": "topic"}'
    result = zep_cli(
        "sessions", "end", "s-1", "--classify", classify, "--instruction", "go", server=server
    )
    assert result.returncode == 0, result.stderr
    fields = _fields(result.stdout)
    assert fields["ended_at"] != "-"
    assert fields["classification"] == '{"class": "billing", "label": "topic"}'
    assert server.requests[-1].json["instruction"] == "go"


def test_update_after_end_exits_1(server: LocalZep) -> None:
    """An ended session refuses updates: exit 1 with the 409 in one line."""
    assert zep_cli("sessions", "end", "s-1", server=server).returncode == 0
    result = zep_cli("sessions", "update", "s-1", "--metadata", "{}", server=server)
    assert result.returncode == 1
    assert result.stderr.startswith("zep-async: error: 409 Conflict: session ended")
    assert result.stderr.count("\n") == 1


def test_end_on_the_community_edition_says_why() -> None:
    """CE has no end route: exit 1, one line naming the missing route."""
    local = LocalZep(flavor="ce")
    with local.run_in_thread():
        local.add_session("s-1")
        result = zep_cli("sessions", "end", "s-1", server=local)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "Community Edition lacks end_session" in result.stderr


def test_a_create_that_failed_after_applying_is_recovered(server: LocalZep) -> None:
    """A 500 after the create was stored: resent, read back, exit 0, the session once."""
    server.fail_after_applying("add_session")
    result = zep_cli("sessions", "create", "chat-9", server=server)
    assert result.returncode == 0, result.stderr
    assert _fields(result.stdout)["session_id"] == "chat-9"
    assert server.count("add_session") == 2
    assert [s["session_id"] for s in server.sessions].count("chat-9") == 1


def test_a_create_failing_every_attempt_says_it_may_have_been_applied(server: LocalZep) -> None:
    """A 500 on every attempt, the first after storing: exit 1 and the line says to check."""
    server.fail_after_applying("add_session", times=3)
    result = zep_cli("sessions", "create", "chat-9", server=server)
    assert result.returncode == 1
    assert server.count("add_session") == 3
    assert "may have been applied: check before sending it again" in result.stderr
    assert _stored(server, "chat-9") is not None


@pytest.mark.parametrize(
    "args",
    [
        ["create", ""],
        ["create", "x", "--user-id", ""],
        ["create", "x", "--metadata", "[1]"],
        ["create", "x", "--metadata", '{"a": NaN}'],
        ["create", "x", "--metadata", "{"],
        ["create", "x", "--metadata", "[" * 100_000],
        ["update", "s-1"],
        ["update", "two\nlines", "--metadata", "{}"],
        ["end", "s-1", "--classify", '{"classes": "x", "name": "n"}'],
        ["end", "s-1", "--classify", '{"bogus": 1}'],
        ["delete", "", "--yes"],
        ["delete", "s-1"],
    ],
    ids=lambda args: " ".join(args)[:40].replace("\n", "\\n"),
)
def test_bad_arguments_exit_2_before_any_request(server: LocalZep, args: list[str]) -> None:
    """Bad ids, JSON that is not an object, a missing --metadata: exit 2, nothing sent."""
    result = zep_cli("sessions", *args, server=server)
    assert result.returncode == 2
    assert "error:" in result.stderr
    assert "Traceback" not in result.stderr
    assert server.count() == 0


# -- delete ---------------------------------------------------------------------------------


def test_delete_with_yes_deletes(server: LocalZep) -> None:
    """delete --yes deletes the session and its messages without asking."""
    server.add_messages("s-1", [{"role_type": "user", "content": "hi"}])
    result = zep_cli("sessions", "delete", "s-1", "--yes", server=server)
    assert result.returncode == 0, result.stderr
    assert (result.stdout, result.stderr) == ("", "zep-async: deleted session 's-1'\n")
    assert server.sessions == []


def test_delete_without_a_terminal_needs_yes(server: LocalZep) -> None:
    """No terminal to ask on and no --yes: exit 2, say to pass --yes, send nothing."""
    result = zep_cli("sessions", "delete", "s-1", server=server)
    assert result.returncode == 2
    assert result.stderr == (
        "zep-async: error: not deleting session 's-1': stdin is not a terminal to confirm on; "
        "pass --yes to delete without asking\n"
    )
    assert server.count() == 0


def test_delete_of_a_missing_session_exits_1(server: LocalZep) -> None:
    """404: exit 1 with one line."""
    result = zep_cli("sessions", "delete", "nope", "-y", server=server)
    assert result.returncode == 1
    assert result.stderr == "zep-async: error: 404 Not Found: not found (request id req-1)\n"


def _delete_on_a_terminal(server: LocalZep, answer: bytes) -> subprocess.CompletedProcess[str]:
    """Run delete with stdin on a pseudo-terminal that types ``answer``."""
    import pty

    master, child_side = pty.openpty()
    command = [*CLI, "sessions", "delete", "s-1"]
    try:
        with subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command,
            stdin=child_side,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment(server, {}),
        ) as process:
            os.close(child_side)
            os.write(master, answer)
            stdout, stderr = process.communicate(timeout=WAIT)
    finally:
        os.close(master)
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
@pytest.mark.parametrize("answer", [b"y\n", b"YES\n"])
def test_delete_on_a_terminal_asks_and_deletes_on_yes(server: LocalZep, answer: bytes) -> None:
    """On a terminal delete asks first; y or yes deletes."""
    result = _delete_on_a_terminal(server, answer)
    assert result.returncode == 0, result.stderr
    assert result.stderr == (
        "Delete session 's-1' with all its messages? [y/N] zep-async: deleted session 's-1'\n"
    )
    assert result.stdout == ""
    assert server.sessions == []


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
@pytest.mark.parametrize(
    "answer", [b"n\n", b"\n", b"yep\n", b"\x04"], ids=["n", "enter", "yep", "EOF"]
)
def test_delete_on_a_terminal_keeps_it_otherwise(server: LocalZep, answer: bytes) -> None:
    """Any other answer (or end of input) deletes nothing and exits 1."""
    result = _delete_on_a_terminal(server, answer)
    assert result.returncode == 1
    assert result.stderr.startswith("Delete session 's-1' with all its messages? [y/N] ")
    assert result.stderr.endswith("zep-async: error: session 's-1' was not deleted\n")
    assert server.count() == 0
    assert _stored(server, "s-1") is not None


# -- get --json and export: exactly as the server sent it ------------------------------------


def test_get_json_is_the_body_as_sent(server: LocalZep) -> None:
    """get --json writes the server's object byte for byte: nanoseconds, Z, raw UTF-8."""
    server.add_session("nanos", created_at=NANOS, ended_at=ZULU, metadata={"t": "<é> \u2028"})
    result = zep_cli("sessions", "get", "nanos", "--json", server=server)
    assert result.returncode == 0, result.stderr
    assert result.stdout == _raw(server, "/sessions/nanos") + "\n"
    assert f'"created_at":"{NANOS}"' in result.stdout
    assert f'"ended_at":"{ZULU}"' in result.stdout


def test_export_writes_each_session_as_sent(server: LocalZep, tmp_path: Path) -> None:
    """Every exported line is one session's text from a page body, nothing changed."""
    server.seed(25)
    server.add_session("nanos", created_at=NANOS, updated_at=ZULU, metadata={"t": "<é>"})
    out = tmp_path / "sessions.jsonl"
    result = zep_cli("sessions", "export", "--out", out, "--page-size", "7", server=server)
    assert result.returncode == 0, result.stderr
    pages = [_raw(server, f"/sessions-ordered?page_number={n}&page_size=7") for n in range(1, 5)]
    lines = out.read_text(encoding="utf-8").split("\n")
    assert lines.pop() == ""
    assert len(lines) == 27
    for line in lines:
        assert sum(line in page for page in pages) == 1, line
    assert sorted(json.loads(line)["session_id"] for line in lines) == sorted(
        s["session_id"] for s in server.sessions
    )
    (nanos,) = [line for line in lines if '"session_id":"nanos"' in line]
    assert f'"created_at":"{NANOS}"' in nanos
    assert f'"updated_at":"{ZULU}"' in nanos


@pytest.mark.parametrize("command", [["get", "nanos", "--json"], ["export"]])
def test_an_ascii_stdout_gets_json_escapes(server: LocalZep, command: list[str]) -> None:
    """A stdout that cannot carry UTF-8 gets non-ASCII as JSON escapes: still the same JSON."""
    server.remove_session("s-1")
    server.add_session("nanos", created_at=NANOS, metadata={"t": "é🎉"})
    result = zep_cli("sessions", *command, server=server, PYTHONIOENCODING="ascii")
    assert result.returncode == 0, result.stderr
    assert result.stdout.isascii()
    assert '"t":"\\u00e9\\ud83c\\udf89"' in result.stdout
    assert json.loads(result.stdout) == json.loads(_raw(server, "/sessions/nanos"))
    assert f'"created_at":"{NANOS}"' in result.stdout
