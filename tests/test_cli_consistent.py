"""The command line agrees with itself: deletes, plurals, empty updates, hints, signals."""

from __future__ import annotations

import shlex
import signal
from collections.abc import Iterator

import pytest

from zep_async import Zep
from zep_async.testing import LocalZep

from .cli_support import WAIT, read_line, start_cli, zep_cli


@pytest.fixture
def server() -> Iterator[LocalZep]:
    """A running LocalZep with user jane, her one session s-1, and a session of nobody."""
    local = LocalZep()
    local.add_user("jane")
    local.add_session("s-1", user_id="jane")
    local.add_session("lone")
    with local.run_in_thread():
        yield local


@pytest.mark.parametrize(
    ("kind", "args"),
    [("session", ["sessions", "delete", "lone"]), ("user", ["users", "delete", "jane"])],
)
def test_every_delete_confirms_on_stderr_in_one_wording(
    server: LocalZep, kind: str, args: list[str]
) -> None:
    """Both deletes say "zep-async: deleted KIND 'ID'" on stderr and leave stdout empty."""
    result = zep_cli(*args, "--yes", server=server)
    assert result.returncode == 0, result.stderr
    assert (result.stdout, result.stderr) == ("", f"zep-async: deleted {kind} '{args[2]}'\n")


@pytest.mark.parametrize(
    ("kind", "args"),
    [("session", ["sessions", "delete", "lone"]), ("user", ["users", "delete", "jane"])],
)
def test_every_delete_refuses_without_a_terminal_in_one_wording(
    server: LocalZep, kind: str, args: list[str]
) -> None:
    """Without a terminal or --yes, both deletes refuse with exit 2, the same line, nothing sent."""
    result = zep_cli(*args, server=server)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"zep-async: error: not deleting {kind} '{args[2]}': stdin is not a terminal to confirm"
        " on; pass --yes to delete without asking\n"
    )
    assert server.count() == 0


def test_users_update_with_nothing_to_change_is_a_usage_error(server: LocalZep) -> None:
    """users update with no option exits 2 and sends nothing, as sessions update does."""
    result = zep_cli("users", "update", "jane", server=server)
    assert result.returncode == 2
    assert "nothing to change" in result.stderr
    assert server.count() == 0
    assert zep_cli("sessions", "update", "lone", server=server).returncode == 2


def test_one_session_of_a_user_is_singular(server: LocalZep) -> None:
    """users sessions says "1 session of user jane"."""
    result = zep_cli("users", "sessions", "jane", server=server)
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("1 session of user jane")


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["sessions", "list", "--page-size", "1"], "1 session on page 1, of 2 in all"),
        (["users", "list"], "1 user on page 1, of 1 in all"),
    ],
)
def test_page_summaries_are_singular_for_one(server: LocalZep, args: list[str], line: str) -> None:
    """A page of one says "1 session" / "1 user", not "1 sessions"."""
    result = zep_cli(*args, server=server)
    assert result.returncode == 0, result.stderr
    assert line in result.stdout


def test_adding_one_message_is_singular(server: LocalZep) -> None:
    """memory add of one message says "added 1 message"."""
    args = ["memory", "add", "lone", "--role-type", "user", "--content", "hi"]
    result = zep_cli(*args, server=server)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "zep-async: added 1 message to lone\n"


def test_memory_add_to_an_unknown_session_says_to_create_it(server: LocalZep) -> None:
    """A 404 from memory add ends with the hint that the session must be created first."""
    args = ["memory", "add", "nope", "--role-type", "user", "--content", "hi"]
    result = zep_cli(*args, server=server)
    assert result.returncode == 1
    assert result.stderr.startswith("zep-async: error: 404 Not Found: not found")
    assert result.stderr.endswith(
        "the session must exist first: create it with zep-async sessions create nope\n"
    )


def test_memory_add_to_a_wrong_url_keeps_the_url_hint(server: LocalZep) -> None:
    """A router's 404 (wrong URL) gets the URL hint, not the create-the-session one."""
    args = ["memory", "add", "lone", "--role-type", "user", "--content", "hi"]
    result = zep_cli(*args, server=server, ZEP_API_URL=server.root_url + "/v2")
    assert result.returncode == 1
    assert "the URL may be wrong" in result.stderr
    assert "must exist first" not in result.stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_serve_exits_0_on_sigterm_and_sighup(signum: signal.Signals) -> None:
    """serve stops cleanly with status 0 on SIGTERM and SIGHUP, as docs/cli.md's table says."""
    with start_cli("serve", "--port", "0", "--seed", "3") as cli:
        try:
            line = read_line(cli.stdout, "export ")  # type: ignore[arg-type]
            settings = dict(word.split("=", 1) for word in shlex.split(line)[1:])
            with Zep(settings["ZEP_API_KEY"], base_url=settings["ZEP_API_URL"] + "/api/v2") as zep:
                assert zep.memory.list_sessions(page_size=1).total_count == 3
            cli.send_signal(signum)
            _, stderr = cli.communicate(timeout=WAIT)
        finally:
            cli.kill()
    assert cli.returncode == 0
    assert stderr == "zep-async serve: stopped\n"
