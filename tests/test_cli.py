"""The ``zep-async`` command, run for real as a subprocess against LocalZep in a thread."""

from __future__ import annotations

import json
import os
import re
import select
import shlex
import signal
import socket
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from zep_async import Session, SessionListResponse, Zep, from_dict
from zep_async.cli._main import EXTRA_HINT
from zep_async.testing import LocalZep

from .cli_support import (
    CLI,
    NOT_INSTALLED,
    SECRET,
    WAIT,
    environment,
    failing_import,
    read_line,
    run_python,
    start_cli,
    zep_cli,
)


@pytest.fixture
def server() -> Iterator[LocalZep]:
    """A running LocalZep, empty; each test seeds what it needs."""
    local = LocalZep()
    with local.run_in_thread():
        yield local


def _stored(server: LocalZep, session_id: str) -> Session:
    data = next(item for item in server.sessions if item["session_id"] == session_id)
    return from_dict(Session, data)


def _first_page(server: LocalZep, size: int) -> dict[str, Any]:
    sessions = server.sessions[:size]
    return {"sessions": sessions, "total_count": len(server.sessions), "response_count": size}


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# -- the command itself -------------------------------------------------------------


def test_console_script_points_at_main() -> None:
    """Installing the package declares the zep-async console script."""
    (script,) = entry_points(group="console_scripts", name="zep-async")
    assert script.value == "zep_async.cli:main"


def test_help_lists_the_commands() -> None:
    """--help names both commands and exits 0."""
    result = zep_cli("--help")
    assert result.returncode == 0
    assert "sessions" in result.stdout
    assert "serve" in result.stdout


def test_importing_the_cli_loads_neither_rich_nor_aiohttp() -> None:
    """import zep_async and zep_async.cli stay light; rich loads only when the command runs."""
    code = (
        "import sys, zep_async, zep_async.cli\n"
        "print(sorted({'rich', 'aiohttp'} & set(sys.modules)))"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_without_rich_the_command_names_the_extra(tmp_path: Path) -> None:
    """Without the cli extra the sessions commands say how to get it, in one line, exit 2."""
    no_rich = failing_import(tmp_path, "rich", NOT_INSTALLED)
    result = zep_cli("sessions", "list", **no_rich)
    assert result.returncode == 2
    assert result.stderr == f"zep-async: error: this command needs rich: {EXTRA_HINT}\n"


def test_the_extra_hint_names_what_the_cli_extra_installs() -> None:
    """The hint quotes pyproject.toml's cli extra, so the two cannot drift apart."""
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    (requirement,) = tomllib.loads(pyproject.read_text())["project"]["optional-dependencies"]["cli"]
    assert f"pip install '{requirement}'" in EXTRA_HINT


def test_the_extra_hint_installs_from_a_clone_or_a_wheel_not_the_index() -> None:
    """zep-async is not on the package index: the hint names a clone and a wheel instead."""
    assert "pip install '.[cli]'" in EXTRA_HINT
    assert ".whl[cli]'" in EXTRA_HINT
    assert "zep-async[" not in EXTRA_HINT
    assert "zep_async[" not in EXTRA_HINT


def test_no_install_hint_points_at_the_package_index() -> None:
    """No module or docs page says to pip install zep-async by its name (it is not there)."""
    root = Path(__file__).resolve().parent.parent
    pages = [*root.joinpath("zep_async").rglob("*.py"), *root.joinpath("docs").rglob("*.md")]
    pages += [*root.joinpath("docs").rglob("*.py"), root / "README.md"]
    hints = re.compile(r"pip install\s+[\"']?zep[-_]async\b")
    offending = [
        f"{page.relative_to(root)}: {line.strip()}"
        for page in pages
        if page.name != "changelog.md"
        for line in page.read_text(encoding="utf-8").splitlines()
        if hints.search(line) and "not on" not in line and "once it is on" not in line
    ]
    assert offending == []


@pytest.mark.parametrize("args", [["--help"], ["--version"]])
def test_help_and_version_work_without_rich(tmp_path: Path, args: list[str]) -> None:
    """--help and --version need nothing but the standard library."""
    no_rich = failing_import(tmp_path, "rich", NOT_INSTALLED)
    result = zep_cli(*args, **no_rich)
    assert result.returncode == 0, result.stderr
    assert "zep-async" in result.stdout
    assert result.stderr == ""


# -- sessions get ---------------------------------------------------------------------


def test_get_prints_one_field_per_line(server: LocalZep) -> None:
    """sessions get prints the session's fields as aligned `name  value` lines."""
    server.add_session("chat-1", user_id="ada", metadata={"topic": "billing"})
    result = zep_cli("sessions", "get", "chat-1", server=server)
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(maxsplit=1) for line in result.stdout.splitlines())
    assert lines["session_id"] == "chat-1"
    assert lines["user_id"] == "ada"
    assert lines["metadata"] == '{"topic": "billing"}'
    assert lines["ended_at"] == "-"


def test_get_json_is_the_session(server: LocalZep) -> None:
    """sessions get --json prints one JSON object that reads back as the stored session."""
    server.seed(5)
    result = zep_cli("sessions", "get", "session-0003", "--json", server=server)
    assert result.returncode == 0, result.stderr
    assert from_dict(Session, json.loads(result.stdout)) == _stored(server, "session-0003")


def test_get_escapes_control_characters(server: LocalZep) -> None:
    """Terminal escape sequences in server data are printed escaped, never raw."""
    server.add_session("chat-1", user_id="\x1b]0;owned\x07\x1b[31mred")
    result = zep_cli("sessions", "get", "chat-1", server=server)
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout
    assert "\\x1b]0;owned\\x07\\x1b[31mred" in result.stdout


def test_get_sends_an_awkward_id_as_one_segment(server: LocalZep) -> None:
    """An id with a slash, a space and a question mark reaches the server unchanged."""
    server.add_session("team/a b?c=1")
    result = zep_cli("sessions", "get", "team/a b?c=1", "--json", server=server)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["session_id"] == "team/a b?c=1"


# -- sessions list --------------------------------------------------------------------


def test_list_prints_a_table_and_the_total(server: LocalZep) -> None:
    """sessions list prints a row per session of the page and the total count."""
    server.seed(30)
    result = zep_cli(
        "sessions", "list", "--page-size", "4", "--order-by", "session_id", "--asc", server=server
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["session", "id", "user", "id", "created", "(UTC)", "ended", "(UTC)"]
    assert [line.split()[0] for line in lines[2:6]] == [f"session-{n:04d}" for n in range(1, 5)]
    assert lines[-1] == "4 sessions on page 1, of 30 in all"


def test_list_prints_markup_as_text(server: LocalZep) -> None:
    """A session id that looks like rich markup is printed as it is."""
    server.add_session("[red]alert[/red]")
    result = zep_cli("sessions", "list", server=server)
    assert result.returncode == 0, result.stderr
    assert "[red]alert[/red]" in result.stdout


def test_list_json_is_the_requested_page(server: LocalZep) -> None:
    """sessions list --json prints the page that the paging and order options ask for."""
    server.seed(30)
    result = zep_cli(
        "sessions",
        "list",
        "--json",
        "--page-number",
        "2",
        "--page-size",
        "5",
        "--order-by",
        "session_id",
        "--desc",
        server=server,
    )
    assert result.returncode == 0, result.stderr
    page = from_dict(SessionListResponse, json.loads(result.stdout))
    assert page.total_count == 30
    assert [s.session_id for s in page.sessions] == [f"session-{n:04d}" for n in range(25, 20, -1)]


def test_options_work_after_the_subcommand(server: LocalZep) -> None:
    """--api-key and --base-url are accepted after the subcommand, without any environment."""
    result = zep_cli(
        "sessions", "list", "--json", "--api-key", server.api_key, "--base-url", server.base_url
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total_count"] == 0


# -- sessions export ------------------------------------------------------------------


def test_export_of_1000_sessions_round_trips(server: LocalZep, tmp_path: Path) -> None:
    """Every exported line reads back as the stored session, each session exactly once."""
    server.seed(1000)
    out = tmp_path / "sessions.jsonl"
    result = zep_cli("sessions", "export", "--out", out, server=server)
    assert result.returncode == 0, result.stderr
    exported = [from_dict(Session, json.loads(line)) for line in out.read_text().splitlines()]
    expected = [from_dict(Session, item) for item in server.sessions]
    assert len(exported) == 1000
    assert {s.uuid: s for s in exported} == {s.uuid: s for s in expected}
    assert [path.name for path in tmp_path.iterdir()] == ["sessions.jsonl"]


def test_export_writes_json_lines_to_stdout(server: LocalZep) -> None:
    """Without --out the sessions go to stdout, one JSON object per line."""
    server.seed(12)
    result = zep_cli("sessions", "export", "--page-size", "5", server=server)
    assert result.returncode == 0, result.stderr
    ids = [json.loads(line)["session_id"] for line in result.stdout.splitlines()]
    assert sorted(ids) == [f"session-{n:04d}" for n in range(1, 13)]


def test_export_without_a_terminal_prints_no_progress_bar(server: LocalZep) -> None:
    """With stderr piped, the export prints just a summary and asks for no total first."""
    server.seed(12)
    result = zep_cli("sessions", "export", "--page-size", "5", server=server)
    assert result.stderr == "zep-async: exported 12 sessions to stdout\n"
    assert server.count("list_sessions") == 3


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_export_draws_a_progress_bar_on_a_terminal(server: LocalZep, tmp_path: Path) -> None:
    """With stderr on a terminal, the export draws a progress bar that knows the total."""
    import pty

    server.seed(250)
    master, child_side = pty.openpty()
    command = [*CLI, "sessions", "export", "--out", str(tmp_path / "out.jsonl")]
    env = environment(server, {"TERM": "xterm", "COLUMNS": "100"})
    with subprocess.Popen(command, stderr=child_side, env=env) as process:  # noqa: S603
        os.close(child_side)
        drawn = b""
        while select.select([master], [], [], WAIT)[0]:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # Linux: the terminal has no writer left
                break
            if not chunk:
                break
            drawn += chunk
        os.close(master)
    assert process.returncode == 0
    assert b"250/250" in drawn


def test_failed_export_leaves_no_file(server: LocalZep, tmp_path: Path) -> None:
    """A server error after the first page exits 1 and leaves neither FILE nor a temp file."""
    server.seed(300)
    server.fail("list_sessions", 200, json=_first_page(server, 100))
    server.fail("list_sessions", 500)
    out = tmp_path / "sessions.jsonl"
    result = zep_cli(
        "--max-retries", "0", "sessions", "export", "--out", out, "--prefetch", "1", server=server
    )
    assert result.returncode == 1
    assert result.stderr.startswith("zep-async: error: 500 Internal Server Error")
    assert list(tmp_path.iterdir()) == []


def test_failed_export_keeps_the_previous_file(server: LocalZep, tmp_path: Path) -> None:
    """A failed export leaves an existing FILE exactly as it was."""
    server.seed(300)
    server.fail("list_sessions", 200, json=_first_page(server, 100))
    server.fail("list_sessions", 503)
    out = tmp_path / "sessions.jsonl"
    out.write_text("the previous export\n")
    result = zep_cli("--max-retries", "0", "sessions", "export", "--out", out, server=server)
    assert result.returncode == 1
    assert out.read_text() == "the previous export\n"
    assert [path.name for path in tmp_path.iterdir()] == ["sessions.jsonl"]


@pytest.mark.parametrize(
    ("signum", "status"),
    [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)],
    ids=["SIGINT", "SIGTERM", "SIGHUP"],
)
def test_interrupted_export_leaves_no_file(
    server: LocalZep, tmp_path: Path, signum: signal.Signals, status: int
) -> None:
    """An export stopped midway by a signal removes its temp file and exits 128 + signal."""
    server.seed(300)
    server.fail("list_sessions", 200, json=_first_page(server, 100))
    server.stall("list_sessions")  # the second page never comes
    out = tmp_path / "sessions.jsonl"
    with start_cli("sessions", "export", "--out", out, "--prefetch", "1", server=server) as cli:
        try:
            assert server.wait_for_requests(2, route="list_sessions", timeout=WAIT)
            (temporary,) = tmp_path.iterdir()
            assert temporary.name.startswith(".sessions.jsonl.")
            cli.send_signal(signum)
            _, stderr = cli.communicate(timeout=WAIT)
        finally:
            cli.kill()
    assert cli.returncode == status
    assert "Traceback" not in stderr
    assert list(tmp_path.iterdir()) == []


def test_export_to_a_missing_directory_exits_1_before_any_request(
    server: LocalZep, tmp_path: Path
) -> None:
    """An --out in a directory that does not exist fails with one line, and sends nothing."""
    result = zep_cli("sessions", "export", "--out", tmp_path / "no" / "x.jsonl", server=server)
    assert result.returncode == 1
    assert result.stderr.startswith("zep-async: error: cannot write ")
    assert server.count() == 0


# -- errors and exit statuses -----------------------------------------------------------


def test_missing_session_exits_1_with_one_line(server: LocalZep) -> None:
    """A 404 exits 1 with one line naming the status, the message and the request id."""
    result = zep_cli("sessions", "get", "nope", server=server)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == "zep-async: error: 404 Not Found: not found (request id req-1)\n"


def test_wrong_api_key_exits_1(server: LocalZep) -> None:
    """A 401 exits 1 with one line that points at the key setting."""
    result = zep_cli("sessions", "list", server=server, ZEP_API_KEY=SECRET)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "401 Unauthorized" in result.stderr
    assert "--api-key" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["-v", "sessions", "get", "x"],
        ["-v", "--max-retries", "0", "--base-url", "http://127.0.0.1:9/api/v2", "sessions", "list"],
        ["-v", "--api-key", f"{SECRET}\n", "sessions", "list"],
    ],
    ids=["401", "unreachable", "malformed key"],
)
def test_the_api_key_is_never_printed(server: LocalZep, args: list[str]) -> None:
    """Even with -v and a traceback, the API key appears in no output."""
    result = zep_cli(*args, server=server, ZEP_API_KEY=SECRET)
    assert result.returncode != 0
    assert SECRET not in result.stdout + result.stderr


def test_verbose_shows_the_traceback(server: LocalZep) -> None:
    """-v adds the traceback above the one-line error."""
    result = zep_cli("-v", "sessions", "get", "nope", server=server)
    assert result.returncode == 1
    assert result.stderr.startswith("Traceback")
    assert result.stderr.endswith("zep-async: error: 404 Not Found: not found (request id req-1)\n")


def test_unreachable_server_exits_1(server: LocalZep) -> None:
    """A server nobody listens on exits 1 with one line naming the URL."""
    base_url = f"http://127.0.0.1:{_unused_port()}/api/v2"
    result = zep_cli(
        "--max-retries", "0", "--base-url", base_url, "sessions", "list", server=server
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"zep-async: error: GET {base_url}/sessions-ordered failed")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "args",
    [
        ["sessions", "list", "--page-size", "0"],
        ["sessions", "list", "--page-number", "0"],
        ["sessions", "list", "--page-size", "ten"],
        ["sessions", "list", "--order-by", "name"],
        ["sessions", "list", "--asc", "--desc"],
        ["sessions", "list", "--bogus"],
        ["sessions", "export", "--prefetch", "0"],
        ["--timeout", "0", "sessions", "list"],
        ["--timeout", "nan", "sessions", "list"],
        ["--max-retries", "-1", "sessions", "list"],
        ["--base-url", "ftp://example.com", "sessions", "list"],
        ["sessions", "get", ""],
        ["sessions", "get", "two\nlines"],
        ["sessions"],
        ["serve", "--port", "70000"],
        ["serve", "--seed", "100001"],
        ["--timeout", "5", "serve"],
    ],
    ids=lambda args: " ".join(args).replace("\n", "\\n"),
)
def test_bad_arguments_exit_2_before_any_request(server: LocalZep, args: list[str]) -> None:
    """Options the SDK would refuse exit 2 with a message, and nothing reaches the server."""
    result = zep_cli(*args, server=server)
    assert result.returncode == 2
    assert "error:" in result.stderr
    assert "Traceback" not in result.stderr
    assert server.count() == 0


def test_missing_api_key_exits_2() -> None:
    """Without --api-key or ZEP_API_KEY the command says how to give one, and exits 2."""
    result = zep_cli("sessions", "list")
    assert result.returncode == 2
    assert "--api-key" in result.stderr
    assert "ZEP_API_KEY" in result.stderr


# -- serve ---------------------------------------------------------------------------


def test_serve_answers_a_client_then_stops_on_sigint() -> None:
    """serve prints where it listens, answers the SDK, and exits 0 on Ctrl-C."""
    with start_cli("serve", "--port", "0", "--seed", "7", "--api-key", "local-key") as cli:
        try:
            line = read_line(cli.stdout, "export ")  # type: ignore[arg-type]
            settings = dict(word.split("=", 1) for word in shlex.split(line)[1:])
            assert settings["ZEP_API_KEY"] == "local-key"
            with Zep(settings["ZEP_API_KEY"], base_url=settings["ZEP_API_URL"] + "/api/v2") as zep:
                assert zep.memory.list_sessions(page_size=1).total_count == 7
            cli.send_signal(signal.SIGINT)
            _, stderr = cli.communicate(timeout=WAIT)
        finally:
            cli.kill()
    assert cli.returncode == 0
    assert stderr == "zep-async serve: stopped\n"


def test_serve_on_a_busy_port_exits_1(server: LocalZep) -> None:
    """serve on a port already taken exits 1 with one line."""
    result = zep_cli("serve", "--port", str(server.port))
    assert result.returncode == 1
    assert result.stderr.startswith(f"zep-async: error: cannot listen on 127.0.0.1:{server.port}")


def test_zep_log_lines_appear_once_without_verbose(server: LocalZep) -> None:
    """ZEP_LOG=debug shows each debug line once, through the CLI's own handler, without -v."""
    server.seed(1)
    result = zep_cli("sessions", "get", "session-0001", "--json", server=server, ZEP_LOG="debug")
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "-> 200" in line]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("zep-async: DEBUG zep_async: GET ")
