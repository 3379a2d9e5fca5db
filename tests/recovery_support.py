"""The recoverable writes and the faults of the recovery tests, shared by async and sync.

``WRITES`` names each write that recovers: how to seed LocalZep for it, how to call
it (the same arguments for ``AsyncZep`` and ``Zep``: the sync call returns the value,
the async one a coroutine) and how many of its results the server must hold.
``APPLIED`` scripts a failure after the server stored the write, ``UNAPPLIED`` one
before; each is scripted once, so the resend gets the route's normal answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from zep_async.models import Message
from zep_async.testing import LocalZep

#: Per-attempt timeout of the stalled case: short, the test waits it once.
STALL_TIMEOUT = 0.2

HI = Message(role_type="user", role="Jane", content="Hi")
BYE = Message(role_type="assistant", role="Bot", content="Bye")


@dataclass(frozen=True)
class Write:
    """One recoverable write: its LocalZep route, seed, call and the 'held once' check."""

    route: str
    seed: Callable[[LocalZep], Any]
    call: Callable[[Any, Any], Any]  # (client, seeded) -> result or coroutine
    held: Callable[[LocalZep, Any], object]  # what must equal ``expected``
    expected: object


def _message_uuid(server: LocalZep) -> str:
    server.add_session("s-1")
    (stored,) = server.add_messages("s-1", [{"content": "x", "role_type": "user"}])
    return str(stored["uuid"])


def _session_metadata(server: LocalZep, _: Any) -> object:
    return [s["metadata"] for s in server.sessions if s["session_id"] == "s-1"]


def _message_metadata(server: LocalZep, _: Any) -> object:
    return [m.get("metadata") for m in server.messages("s-1")]


def _user_metadata(server: LocalZep, _: Any) -> object:
    return [u.get("metadata") for u in server.users if u["user_id"] == "u-1"]


WRITES: dict[str, Write] = {
    "add_session": Write(
        "add_session",
        lambda server: server.add_user("u-1"),
        lambda zep, _: zep.memory.add_session(session_id="s-new", user_id="u-1"),
        lambda server, _: [s["user_id"] for s in server.sessions if s["session_id"] == "s-new"],
        ["u-1"],
    ),
    "user.add": Write(
        "add_user",
        lambda server: None,
        lambda zep, _: zep.user.add(user_id="u-new", first_name="Ann"),
        lambda server, _: [u["first_name"] for u in server.users if u["user_id"] == "u-new"],
        ["Ann"],
    ),
    "memory.add": Write(
        "add_memory",
        lambda server: server.add_session("s-1"),
        lambda zep, _: zep.memory.add("s-1", messages=[HI, BYE]),
        lambda server, _: [m["content"] for m in server.messages("s-1")],
        ["Hi", "Bye"],
    ),
    "update_session": Write(
        "update_session",
        lambda server: server.add_session("s-1", metadata={"old": 1}),
        lambda zep, _: zep.memory.update_session("s-1", metadata={"k": "v"}),
        _session_metadata,
        [{"old": 1, "k": "v"}],
    ),
    "update_message_metadata": Write(
        "update_message_metadata",
        _message_uuid,
        lambda zep, uuid: zep.memory.update_message_metadata("s-1", uuid, metadata={"k": "v"}),
        _message_metadata,
        [{"k": "v"}],
    ),
    "user.update": Write(
        "update_user",
        lambda server: server.add_user("u-1", metadata={"old": 1}),
        lambda zep, _: zep.user.update("u-1", metadata={"k": "v"}),
        _user_metadata,
        [{"old": 1, "k": "v"}],
    ),
}

#: The server stores the write, then the answer is lost.
APPLIED: dict[str, Callable[[LocalZep, str], None]] = {
    "503-after-applying": lambda server, route: server.fail_after_applying(route, 503),
    "500-after-applying": lambda server, route: server.fail_after_applying(route, 500),
    "dropped-after-applying": lambda server, route: server.drop_connection(
        route, after_applying=True
    ),
    "cut-body": lambda server, route: server.cut_body(route),
}

#: The write never reaches the store, but the client cannot know it.
UNAPPLIED: dict[str, Callable[[LocalZep, str], None]] = {
    "503": lambda server, route: server.fail(route, 503),
    "500": lambda server, route: server.fail(route, 500),
    "dropped": lambda server, route: server.drop_connection(route),
    "timeout": lambda server, route: server.stall(route),
}

FAULTS = {**APPLIED, **UNAPPLIED}


def options_for(fault: str) -> dict[str, Any]:
    """Request options that make ``fault`` quick: a short attempt timeout for a stall."""
    if fault == "timeout":
        return {"timeout_in_seconds": STALL_TIMEOUT}
    return {}
