"""The three exports write each object byte for byte as LocalZep sent it, one mechanism for all.

``sessions export``, ``messages export`` and ``users export`` run for real as
subprocesses. What LocalZep stores (``add_session``, ``add_messages``,
``add_user``) it sends compactly, timestamp strings as given; the spellings it
cannot produce from stored values (``\\u003c`` escapes, ``1E2`` numbers) come
from a page body written by hand and served as it is (``LocalZep.fail`` with a
200).
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from zep_async.testing import LocalZep

from .cli_support import WAIT, zep_cli

NANOS = "2024-08-07T17:56:29.000000318+02:00"
ZULU = "2024-08-07T15:56:29Z"

#: For each export: its command, the list route, the path of its one page, the array key.
EXPORTS = {
    "sessions": (["sessions", "export"], "list_sessions", "/sessions-ordered", "sessions"),
    "messages": (
        ["messages", "export", "chat"],
        "get_session_messages",
        "/sessions/chat/messages",
        "messages",
    ),
    "users": (["users", "export"], "list_users", "/users-ordered", "users"),
}

#: Hand-written objects of each kind, spelled as LocalZep never would (but Go's encoder does).
HAND_WRITTEN = {
    "sessions": [
        f'{{"session_id": "s\\u003c1\\u003e", "created_at": "{NANOS}", '
        '"metadata": {"n": 1E2, "path": "a\\/b"}}',
        f'{{"uuid":"u-2","session_id":"plain","updated_at":"{ZULU}","metadata":{{"x":-0.0}}}}',
    ],
    "messages": [
        f'{{"uuid": "m-1", "created_at": "{NANOS}", "role_type": "user", '
        '"content": "a \\u003c b", "metadata": {"n": 1E2}}',
        f'{{"uuid":"m-2","created_at":"{ZULU}","role_type":"assistant","content":"\\u00e9"}}',
    ],
    "users": [
        f'{{"uuid": "u-1", "user_id": "j\\u003cane", "created_at": "{NANOS}", '
        '"metadata": {"score": 1E2}}',
        f'{{"uuid":"u-2","user_id":"bob","updated_at":"{ZULU}","metadata":{{"big":12.50e-1}}}}',
    ],
}


@pytest.fixture
def server() -> Iterator[LocalZep]:
    """A running LocalZep with the session ``chat`` (whose messages the messages export walks)."""
    local = LocalZep()
    with local.run_in_thread():
        local.add_session("chat")
        yield local


def _raw(server: LocalZep, path: str) -> bytes:
    """The body LocalZep sends for GET ``path``, fetched without the SDK."""
    request = urllib.request.Request(  # noqa: S310 - an http URL on loopback
        server.base_url + path, headers={"Authorization": f"Api-Key {server.api_key}"}
    )
    with urllib.request.urlopen(request, timeout=WAIT) as response:  # noqa: S310 - loopback
        body: bytes = response.read()
    return body


def _store(server: LocalZep, kind: str) -> None:
    """Store objects with nanosecond and ``Z`` timestamps and non-ASCII text."""
    if kind == "sessions":
        server.add_session("nanos", created_at=NANOS, updated_at=ZULU, metadata={"t": "<é> 🎉"})
        server.add_session("zulu", created_at=ZULU, extra={"kept": [1, 2.5]})
    elif kind == "messages":
        server.add_messages(
            "chat",
            [
                {"role_type": "user", "content": "<é> 🎉", "sent_at": NANOS},
                {"role_type": "assistant", "content": "ok", "metadata": {"at": ZULU}},
            ],
        )
    else:
        server.add_user("nanos", created_at=NANOS, updated_at=ZULU, first_name="<é> 🎉")
        server.add_user("zulu", created_at=ZULU, extra={"kept": True})


@pytest.mark.parametrize("kind", sorted(EXPORTS))
def test_stored_objects_are_exported_byte_for_byte(
    server: LocalZep, kind: str, tmp_path: Path
) -> None:
    """The file's lines, joined by commas, are the items array of LocalZep's body to the byte."""
    command, _, path, array = EXPORTS[kind]
    _store(server, kind)
    out = tmp_path / "out.jsonl"
    result = zep_cli(*command, "--out", out, server=server)
    assert result.returncode == 0, result.stderr
    body = _raw(server, path)
    exported = out.read_bytes()
    assert exported.endswith(b"\n")
    lines = exported[:-1].split(b"\n")
    assert len(lines) == len(json.loads(body)[array]) >= 2
    assert b'"' + array.encode() + b'":[' + b",".join(lines) + b"]" in body
    for text in (NANOS, ZULU, "<é> 🎉"):
        assert text.encode() in exported


@pytest.mark.parametrize("kind", sorted(EXPORTS))
@pytest.mark.parametrize("pretty", [False, True], ids=["as-written", "pretty-printed"])
def test_hand_written_spellings_survive(
    server: LocalZep, kind: str, pretty: bool, tmp_path: Path
) -> None:
    """``\\u003c``, ``1E2``, nanoseconds and ``Z`` are exported as sent; a pretty-printed body
    loses only the whitespace between its tokens."""
    command, route, _, array = EXPORTS[kind]
    items = HAND_WRITTEN[kind]
    if pretty:
        inner = ",\n".join("    " + item.replace(", ", ",\n      ") for item in items)
        body = f'{{\n  "{array}": [\n{inner}\n  ],\n  "total_count": 2\n}}\n'
        # The written text without the spaces between its tokens (none are inside strings).
        expected = [item.replace(", ", ",").replace(": ", ":") for item in items]
    else:
        body = f'{{"{array}": [{", ".join(items)}], "total_count": 2}}'
        expected = items
    server.fail(route, 200, body=body)
    out = tmp_path / "out.jsonl"
    result = zep_cli(*command, "--out", out, server=server)
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8") == "".join(line + "\n" for line in expected)
    assert "\\u003c" in out.read_text(encoding="utf-8")
    assert "1E2" in out.read_text(encoding="utf-8")
    assert NANOS in out.read_text(encoding="utf-8")
