"""The grammar of ``memory get|add`` and ``messages list|export`` (run by ``_memory``).

Kept apart from the commands so that building the parser loads neither rich
nor the SDK's resources: each leaf names its handler as ``"module:function"``.
"""

from __future__ import annotations

import argparse
from typing import get_args

from .. import AsyncMemory, RoleType
from ._grammar import add_export, whole

#: Zep's documented limit of messages per ``memory.add`` call; ``memory add`` sends batches of it.
BATCH = 30


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    client: argparse.ArgumentParser,
) -> None:
    """Add the ``memory`` and ``messages`` commands to the parser."""
    memory = commands.add_parser(
        "memory", parents=[client], help="read a session's memory, add messages"
    ).add_subparsers(metavar="ACTION", required=True)
    get = memory.add_parser("get", parents=[client], help="print a session's memory")
    get.add_argument("session_id", metavar="SESSION_ID")
    get.add_argument("--lastn", metavar="N", type=whole(1), help="latest messages (server: 6)")
    get.add_argument("--json", action="store_true", help="print it as one JSON object")
    get.set_defaults(handler="_memory:memory_get")

    add = memory.add_parser(
        "add",
        parents=[client],
        help="add messages to a session",
        description="Add one message (--role-type and --content), or messages as JSON Lines "
        "on standard input, one object per line with Message's keys. More than "
        f"{BATCH} are sent {BATCH} at a time.",
    )
    add.add_argument("session_id", metavar="SESSION_ID")
    add.add_argument("--role-type", choices=get_args(RoleType), help="who wrote it")
    add.add_argument("--role", metavar="NAME", help="the speaker's name, e.g. Jane")
    add.add_argument("--content", metavar="TEXT", help="the message (else: stdin)")
    add.add_argument(
        "--return-context", action="store_true", help="print the context Zep answers with"
    )
    add.set_defaults(handler="_memory:memory_add")

    messages = commands.add_parser(
        "messages", parents=[client], help="list and export a session's messages"
    ).add_subparsers(metavar="ACTION", required=True)
    listing = messages.add_parser("list", parents=[client], help="print one page of messages")
    listing.add_argument("session_id", metavar="SESSION_ID")
    listing.add_argument("--limit", metavar="N", type=whole(1), help="messages per page")
    listing.add_argument("--cursor", metavar="N", type=whole(1), help="which page, from 1")
    listing.add_argument("--json", action="store_true", help="print the page as JSON")
    listing.set_defaults(handler="_memory:messages_list")

    export = add_export(
        messages,
        client,
        AsyncMemory.iter_session_messages,
        help="write every message of a session as JSON Lines",
        description="Write every message of a session, oldest first, one JSON object per "
        "line exactly as the server sent it. With --out, the file appears only when the "
        "export is complete.",
        per_request="messages",
        handler="_memory:messages_export",
    )
    export.add_argument("session_id", metavar="SESSION_ID")
