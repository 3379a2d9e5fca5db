"""``zep-async facts get|list|delete``, ``sessions summaries`` and ``users node``, in-process."""

from __future__ import annotations

import io
import json

import pytest

from zep_async.cli import _main
from zep_async.testing import LocalZep

FACT = "3f0c2b1a-9d8e-4c7b-a6f5-0e1d2c3b4a59"


@pytest.fixture
def server(local_zep_thread: LocalZep, monkeypatch: pytest.MonkeyPatch) -> LocalZep:
    """LocalZep in a thread with user jane, her session chat-42, a message and two facts."""
    monkeypatch.setenv("ZEP_API_URL", local_zep_thread.root_url)
    monkeypatch.setenv("ZEP_API_KEY", local_zep_thread.api_key)
    local_zep_thread.add_user("jane", first_name="Jane")
    local_zep_thread.add_session("chat-42", user_id="jane")
    local_zep_thread.add_messages("chat-42", [{"role_type": "user", "content": "I want tea"}])
    local_zep_thread.add_fact("chat-42", "Jane likes tea", uuid=FACT, rating=0.8)
    local_zep_thread.add_fact("chat-42", "red \x1b[31m text", rating=0.1)
    return local_zep_thread


def _run(*argv: str, stdin: str | None = None, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin or ""))
    return _main.run(["--max-retries", "0", *argv])


def test_facts_list_prints_a_table_and_a_count(
    server: LocalZep, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """facts list SESSION prints each fact, control characters escaped, and '2 facts of ...'."""
    assert _run("facts", "list", "chat-42", monkeypatch=monkeypatch) == 0
    out = capsys.readouterr().out
    assert "Jane likes tea" in out
    assert "\x1b" not in out
    assert "\\x1b[31m" in out
    assert out.rstrip().endswith("2 facts of session chat-42")


def test_facts_list_min_rating_counts_one_fact(
    server: LocalZep, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--min-rating is sent as minRating, and one fact is counted in the singular."""
    assert _run("facts", "list", "chat-42", "--min-rating", "0.5", monkeypatch=monkeypatch) == 0
    assert capsys.readouterr().out.rstrip().endswith("1 fact of session chat-42")
    assert server.requests[-1].query == {"minRating": "0.5"}


def test_facts_list_user_prints_json(
    server: LocalZep, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """facts list --user USER --json prints the user's facts as a JSON array."""
    assert _run("facts", "list", "--user", "jane", "--json", monkeypatch=monkeypatch) == 0
    facts = json.loads(capsys.readouterr().out)
    assert [f["fact"] for f in facts] == ["Jane likes tea", "red \x1b[31m text"]
    assert server.requests[-1].route == "get_user_facts"


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (("facts", "list"), "one of the arguments SESSION_ID --user is required"),
        (("facts", "list", "chat-42", "--user", "jane"), "not allowed with"),
        (("facts", "list", "--user", "jane", "--min-rating", "0.5"), "not to --user"),
        (("facts", "list", "chat-42", "--min-rating", "1.5"), "from 0 to 1"),
        (("facts", "list", "chat-42", "--min-rating", "nan"), "from 0 to 1"),
        (("facts", "get", "a\nb"), "fact_uuid must not contain control characters"),
    ],
)
def test_bad_usage_exits_2_before_sending(
    server: LocalZep,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
    said: str,
) -> None:
    """A bad option or id is a usage error (status 2) naming it, and nothing is sent."""
    assert _run(*argv, monkeypatch=monkeypatch) == 2
    assert said in capsys.readouterr().err
    assert server.count() == 0


def test_facts_get_prints_the_fact(
    server: LocalZep, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """facts get prints field lines; with --json one JSON object."""
    assert _run("facts", "get", FACT, monkeypatch=monkeypatch) == 0
    assert "Jane likes tea" in capsys.readouterr().out
    assert _run("facts", "get", FACT, "--json", monkeypatch=monkeypatch) == 0
    assert json.loads(capsys.readouterr().out)["uuid"] == FACT


def test_facts_get_unknown_is_an_api_error(
    server: LocalZep, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A fact the server does not have: exit status 1 and the 404 in one line."""
    assert _run("facts", "get", "nope", monkeypatch=monkeypatch) == 1
    err = capsys.readouterr().err
    assert "404" in err
    assert len(err.strip().splitlines()) == 1


def test_facts_delete_refuses_without_a_terminal(
    server: LocalZep, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --yes and without a terminal to ask on, nothing is deleted (status 2)."""
    assert _run("facts", "delete", FACT, monkeypatch=monkeypatch) == 2
    assert "pass --yes" in capsys.readouterr().err
    assert len(server.facts("chat-42")) == 2


def test_facts_delete_yes_deletes_and_says_so(
    server: LocalZep, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """facts delete --yes deletes the fact and says so on stderr, as every delete does."""
    assert _run("facts", "delete", FACT, "--yes", monkeypatch=monkeypatch) == 0
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"zep-async: deleted fact '{FACT}'\n")
    assert [f["uuid"] for f in server.facts("chat-42")] != [FACT]
    assert len(server.facts("chat-42")) == 1


def test_facts_delete_asks_on_a_terminal(
    server: LocalZep, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a terminal it asks; anything but y keeps the fact (status 1)."""
    monkeypatch.setattr("zep_async.cli._common.stdin_is_terminal", lambda: True)
    assert _run("facts", "delete", FACT, stdin="n\n", monkeypatch=monkeypatch) == 1
    assert "Delete fact" in capsys.readouterr().err
    assert len(server.facts("chat-42")) == 2
    assert _run("facts", "delete", FACT, stdin="y\n", monkeypatch=monkeypatch) == 0
    assert len(server.facts("chat-42")) == 1


def test_sessions_summaries_prints_them_and_counts(
    server: LocalZep, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """sessions summaries prints each summary's text, then '1 summary of session ...'."""
    assert _run("sessions", "summaries", "chat-42", monkeypatch=monkeypatch) == 0
    out = capsys.readouterr().out
    assert "user: I want tea" in out
    assert out.rstrip().endswith("1 summary of session chat-42")


def test_sessions_summaries_json(
    server: LocalZep, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--json prints the SummaryListResponse."""
    assert _run("sessions", "summaries", "chat-42", "--json", monkeypatch=monkeypatch) == 0
    answer = json.loads(capsys.readouterr().out)
    assert (answer["row_count"], answer["total_count"], len(answer["summaries"])) == (1, 1, 1)


def test_users_node_prints_the_node(
    server: LocalZep, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """users node prints the node's fields, or with --json one JSON object."""
    assert _run("users", "node", "jane", monkeypatch=monkeypatch) == 0
    assert "Jane" in capsys.readouterr().out
    assert _run("users", "node", "jane", "--json", monkeypatch=monkeypatch) == 0
    assert json.loads(capsys.readouterr().out)["labels"] == ["Entity", "User"]


def test_cloud_only_command_on_ce_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On the Community Edition, sessions summaries fails (1) saying CE lacks the call."""
    local = LocalZep(flavor="ce")
    with local.run_in_thread():
        monkeypatch.setenv("ZEP_API_URL", local.root_url)
        monkeypatch.setenv("ZEP_API_KEY", local.api_key)
        assert _run("sessions", "summaries", "chat-42", monkeypatch=monkeypatch) == 1
    assert "Community Edition lacks get_summaries" in capsys.readouterr().err
