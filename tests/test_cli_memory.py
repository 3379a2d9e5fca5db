"""``zep-async memory get|add`` and ``messages list|export``, run in-process against LocalZep."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from zep_async import Message, from_dict
from zep_async.cli import _main
from zep_async.testing import LocalZep


@pytest.fixture
def server(local_zep_thread: LocalZep, monkeypatch: pytest.MonkeyPatch) -> LocalZep:
    """LocalZep in a thread, with the command pointed at it through the environment."""
    monkeypatch.setenv("ZEP_API_URL", local_zep_thread.root_url)
    monkeypatch.setenv("ZEP_API_KEY", local_zep_thread.api_key)
    local_zep_thread.add_session("chat-42")
    return local_zep_thread


def _run(*argv: str, stdin: str | None = None, monkeypatch: pytest.MonkeyPatch) -> int:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return _main.run(["--max-retries", "0", *argv])


def _seed(server: LocalZep, count: int) -> list[dict[str, object]]:
    return server.add_messages(
        "chat-42",
        [{"role_type": "user", "role": "Jane", "content": f"message {n}"} for n in range(count)],
    )


def test_memory_add_one_message_from_options(
    server: LocalZep, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--role-type, --role and --content make one message, sent in one POST."""
    status = _run(
        "memory",
        "add",
        "chat-42",
        "--role-type",
        "user",
        "--role",
        "Jane",
        "--content",
        "My card was charged twice.",
        monkeypatch=monkeypatch,
    )
    assert status == 0
    assert "added 1 message to chat-42" in capsys.readouterr().err
    (request,) = server.requests
    assert request.json["messages"][0].pop("uuid")  # the SDK's own, for recovery
    assert request.json == {
        "messages": [{"content": "My card was charged twice.", "role_type": "user", "role": "Jane"}]
    }


def test_memory_add_from_json_lines_in_batches_of_30(
    server: LocalZep, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """65 lines on stdin: three calls of 30, 30 and 5, in order; blank lines skipped."""
    lines = [json.dumps({"role_type": "user", "content": f"m{n}"}) for n in range(65)]
    status = _run(
        "memory", "add", "chat-42", stdin="\n".join(lines) + "\n\n", monkeypatch=monkeypatch
    )
    assert status == 0
    assert [len(r.json["messages"]) for r in server.requests] == [30, 30, 5]
    assert [m["content"] for m in server.messages("chat-42")] == [f"m{n}" for n in range(65)]
    assert "added 65 messages" in capsys.readouterr().err


def test_an_exported_session_can_be_added_to_another(
    server: LocalZep,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """messages export | memory add: server-assigned fields are dropped, the rest copied."""
    server.add_messages("chat-42", [{"role_type": "user", "content": "hi", "metadata": {"a": 1}}])
    out = tmp_path / "chat.jsonl"
    assert _run("messages", "export", "chat-42", "--out", str(out), monkeypatch=monkeypatch) == 0
    server.add_session("copy")
    assert _run("memory", "add", "copy", stdin=out.read_text(), monkeypatch=monkeypatch) == 0
    (copied,) = server.messages("copy")
    (original,) = server.messages("chat-42")
    assert copied["uuid"] != original["uuid"]
    assert (copied["content"], copied["metadata"]) == ("hi", {"a": 1})


@pytest.mark.parametrize(
    ("argv", "stdin", "said"),
    [
        (["--content", "x"], None, "--content needs --role-type"),
        (["--role", "Jane"], "", "--role-type and --role go with --content"),
        ([], "not json\n", "stdin line 1 is not JSON"),
        ([], "[1]\n", "stdin line 1 must be a JSON object"),
        ([], '{"content": "x"}\n', "stdin line 1.role_type is required"),
        (
            [],
            '{"role_type": "user", "content": "x"}\n{"role_type": "bot", "content": "y"}',
            "stdin line 2.role_type must be one of",
        ),
        ([], "\n\n", "no messages on stdin"),
    ],
)
def test_memory_add_refuses_bad_input_before_sending(
    server: LocalZep,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    stdin: str | None,
    said: str,
) -> None:
    """Exit status 2, the problem named, nothing sent."""
    assert _run("memory", "add", "chat-42", *argv, stdin=stdin, monkeypatch=monkeypatch) == 2
    assert said in capsys.readouterr().err
    assert server.requests == []


def test_a_failed_batch_says_how_many_were_added(
    server: LocalZep, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The second batch fails after applying, with no retries: the count and 'may' told."""
    server.fail("add_memory", 200, json={})  # the first batch: a 2xx
    server.fail_after_applying("add_memory", status=500)
    lines = "".join(json.dumps({"role_type": "user", "content": f"m{n}"}) + "\n" for n in range(40))
    assert _run("memory", "add", "chat-42", stdin=lines, monkeypatch=monkeypatch) == 1
    err = capsys.readouterr().err
    assert "added 30 of 40 messages; messages 31 to 40 failed (it may have been applied)" in err
    assert "500" in err
    assert server.count("add_memory") == 2


def test_a_batch_that_failed_after_applying_is_recovered(
    server: LocalZep, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 500 after the batch was stored: resent, confirmed, stored once, exit 0."""
    server.fail_after_applying("add_memory", status=500)
    lines = "".join(json.dumps({"role_type": "user", "content": f"m{n}"}) + "\n" for n in range(3))
    monkeypatch.setattr("sys.stdin", io.StringIO(lines))
    assert _main.run(["--max-retries", "1", "memory", "add", "chat-42"]) == 0
    assert "added 3 messages" in capsys.readouterr().err
    assert [m["content"] for m in server.messages("chat-42")] == ["m0", "m1", "m2"]
    assert server.count("add_memory") == 2


def test_memory_get_prints_context_and_messages(
    server: LocalZep, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The context, then the latest messages oldest first; --lastn is sent as lastn."""
    _seed(server, 5)
    server.add_messages("chat-42", [{"role_type": "assistant", "content": "\x1b[31mred"}])
    assert _run("memory", "get", "chat-42", "--lastn", "2", monkeypatch=monkeypatch) == 0
    out = capsys.readouterr().out
    assert server.requests[-1].query == {"lastn": "2"}
    assert out == (
        "context:\n"
        "  Jane: message 4\n"
        "  assistant: \\x1b[31mred\n"
        "messages (2, oldest first):\n"
        "  Jane (user): message 4\n"
        "  assistant: \\x1b[31mred\n"
    )


def test_memory_get_json(
    server: LocalZep, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--json prints the Memory in the API's field names."""
    _seed(server, 1)
    assert _run("memory", "get", "chat-42", "--json", monkeypatch=monkeypatch) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["messages"][0]["content"] == "message 0"
    assert data["context"] == "Jane: message 0"


def test_memory_get_of_an_unknown_session_fails_with_status_1(
    server: LocalZep, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 404 is one line on stderr and exit status 1."""
    assert _run("memory", "get", "nobody", monkeypatch=monkeypatch) == 1
    assert "404 Not Found" in capsys.readouterr().err


def test_messages_list_one_page(
    server: LocalZep, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--limit and --cursor go on the wire; the page and the total are printed."""
    _seed(server, 5)
    argv = ["messages", "list", "chat-42", "--limit", "2", "--cursor", "2"]
    assert _run(*argv, monkeypatch=monkeypatch) == 0
    assert server.requests[-1].query == {"limit": "2", "cursor": "2"}
    assert capsys.readouterr().out == (
        "Jane (user): message 2\nJane (user): message 3\n2 messages on page 2, of 5 in all\n"
    )
    assert _run("messages", "list", "chat-42", "--json", monkeypatch=monkeypatch) == 0
    assert json.loads(capsys.readouterr().out)["total_count"] == 5


def test_messages_list_refuses_a_zero_limit(
    server: LocalZep, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--limit 0: usage error, nothing sent."""
    assert _run("messages", "list", "chat-42", "--limit", "0", monkeypatch=monkeypatch) == 2
    assert server.requests == []


def test_messages_export_writes_each_message_as_sent(
    server: LocalZep,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """Every message once, oldest first, each line the server's JSON object; 0600 file."""
    stored = _seed(server, 25)
    out = tmp_path / "chat.jsonl"
    argv = ["messages", "export", "chat-42", "--out", str(out), "--page-size", "10"]
    assert _run(*argv, monkeypatch=monkeypatch) == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["uuid"] for line in lines] == [m["uuid"] for m in stored]
    assert lines[0] == json.loads(json.dumps(server.messages("chat-42")[0], default=str))
    assert from_dict(Message, lines[0]).content == "message 0"
    assert os.stat(out).st_mode & 0o777 == 0o600
    assert "exported 25 messages to" in capsys.readouterr().err
    assert [r.query["cursor"] for r in server.requests] == ["1", "2", "3"]


def test_a_failed_export_leaves_no_file(
    server: LocalZep, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Page 2 fails: status 1, and the target neither appears nor keeps a temporary file."""
    stored = _seed(server, 25)
    first = {"messages": stored[:10], "total_count": 25, "row_count": 10}
    server.fail("get_session_messages", 200, json=json.loads(json.dumps(first, default=str)))
    server.fail("get_session_messages", 500, times=10)
    out = tmp_path / "chat.jsonl"
    out.write_text("previous\n")
    argv = ["messages", "export", "chat-42", "--out", str(out), "--page-size", "10"]
    assert _run(*argv, monkeypatch=monkeypatch) == 1
    assert out.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chat.jsonl"]
