"""The options of ``sessions create``, ``update``, ``end`` and ``delete``.

Only argparse here: the parser is built before any command runs, so
``--help`` works without the cli extra; each command's module
(``_session_writes``) is imported only when it runs.
"""

from __future__ import annotations

import argparse

from ._grammar import add_delete, json_object

__all__ = ["add_write_commands"]


def add_write_commands(
    sessions: argparse._SubParsersAction[argparse.ArgumentParser],
    client: argparse.ArgumentParser,
) -> None:
    """Register ``create``, ``update``, ``end`` and ``delete`` under ``sessions``."""
    create = sessions.add_parser("create", parents=[client], help="create a session")
    create.add_argument("session_id", metavar="SESSION_ID")
    create.add_argument("--user-id", metavar="USER_ID", help="the user it belongs to")
    create.add_argument("--metadata", metavar="JSON", type=json_object, help="a JSON object")
    create.set_defaults(handler="_session_writes:create_session")

    update = sessions.add_parser(
        "update",
        parents=[client],
        help="merge metadata into a session",
        description="Merge a JSON object into a session's metadata: keys given are added or "
        "replaced, other keys are kept.",
    )
    update.add_argument("session_id", metavar="SESSION_ID")
    update.add_argument(
        "--metadata", metavar="JSON", type=json_object, required=True, help="a JSON object"
    )
    update.set_defaults(handler="_session_writes:update_session")

    end = sessions.add_parser(
        "end",
        parents=[client],
        help="end a session (Zep Cloud; deprecated by the API)",
        description="End a session; it then refuses updates and new messages. Zep Cloud only: "
        "the Community Edition has no such call. Deprecated by the API.",
    )
    end.add_argument("session_id", metavar="SESSION_ID")
    end.add_argument(
        "--classify", metavar="JSON", type=json_object, help='e.g. {"classes": [...], "name": ...}'
    )
    end.add_argument("--instruction", metavar="TEXT", help="extra guidance for the server")
    end.set_defaults(handler="_session_writes:end_session")

    add_delete(
        sessions,
        client,
        metavar="SESSION_ID",
        help="delete a session and its messages",
        description="Delete a session and all its messages. Asks first on a terminal; "
        "elsewhere --yes is required.",
        handler="_session_writes:delete_session",
    )
