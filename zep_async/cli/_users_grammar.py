"""The grammar of ``zep-async users ...``; ``_parser`` hangs it on the command line.

It names each command's function (``"_users:get"``) without importing it, so
building the parser needs neither rich nor the commands' modules.
"""

from __future__ import annotations

import argparse

from .. import AsyncUsers
from ._facts_grammar import add_user_node
from ._grammar import add_delete, add_export, json_object, whole

__all__ = ["add_users_commands"]


def add_users_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    client: argparse.ArgumentParser,
) -> None:
    """Add ``users`` and its actions to ``commands`` (a subparsers action).

    Args:
        commands: What ``add_subparsers`` returned for the top-level commands.
        client: The parent parser with the connection options.
    """
    users = commands.add_parser(
        "users",
        parents=[client],
        help="list, get, create, update, delete and export users; a user's node",
    ).add_subparsers(metavar="ACTION", required=True)

    listing = users.add_parser("list", parents=[client], help="print one page of users")
    listing.add_argument("--page-number", metavar="N", type=whole(1), help="from 1")
    listing.add_argument("--page-size", metavar="N", type=whole(1), help="users per page")
    listing.add_argument("--json", action="store_true", help="print the page as JSON")
    listing.set_defaults(handler="_users:list_page")

    get = users.add_parser("get", parents=[client], help="print one user")
    get.add_argument("user_id", metavar="USER_ID")
    get.add_argument("--json", action="store_true", help="print it as one JSON object")
    get.set_defaults(handler="_users:get")

    create = users.add_parser("create", parents=[client], help="create a user and print it")
    create.add_argument("user_id", metavar="USER_ID")
    _add_fields(create)
    create.set_defaults(handler="_users:create")

    update = users.add_parser(
        "update", parents=[client], help="change a user's fields (metadata is merged)"
    )
    update.add_argument("user_id", metavar="USER_ID")
    _add_fields(update)
    update.set_defaults(handler="_users:update")

    add_delete(
        users,
        client,
        metavar="USER_ID",
        help="delete a user with its sessions and their messages",
        description="Delete a user with its sessions and their messages. On a terminal it "
        "asks first; elsewhere it refuses (exit status 2) unless --yes is given.",
        handler="_users:delete",
    )

    sessions = users.add_parser("sessions", parents=[client], help="print a user's sessions")
    sessions.add_argument("user_id", metavar="USER_ID")
    sessions.add_argument("--json", action="store_true", help="print them as a JSON array")
    sessions.set_defaults(handler="_users:sessions")
    add_user_node(users, client)

    add_export(
        users,
        client,
        AsyncUsers.iter_users,
        help="write every user as JSON Lines",
        description="Write every user, newest first, as one JSON object per line, exactly "
        "as the server sent it. With --out, the file appears only when the export is complete.",
        per_request="users",
        handler="_users:export",
    )


def _add_fields(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--email", metavar="TEXT")
    parser.add_argument("--first-name", metavar="TEXT")
    parser.add_argument("--last-name", metavar="TEXT")
    parser.add_argument("--metadata", metavar="JSON", type=json_object, help="a JSON object")
    parser.add_argument("--json", action="store_true", help="print the user as one JSON object")
