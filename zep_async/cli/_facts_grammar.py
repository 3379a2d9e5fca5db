"""The grammar of ``facts get|delete|list``, ``sessions summaries`` and ``users node``.

Kept apart from the commands (``_facts``) so that building the parser loads
neither rich nor the SDK's resources: each leaf names its handler.
"""

from __future__ import annotations

import argparse
import math

from ._grammar import add_delete

__all__ = ["add_session_summaries", "add_user_node", "register"]


def _rating(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {text!r}") from None
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be a number from 0 to 1, got {text!r}")
    return value


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    client: argparse.ArgumentParser,
) -> None:
    """Add ``facts`` and its actions to the top-level commands."""
    facts = commands.add_parser(
        "facts", parents=[client], help="list a session's or a user's facts, get or delete one"
    ).add_subparsers(metavar="ACTION", required=True)

    get = facts.add_parser("get", parents=[client], help="print one fact")
    get.add_argument("fact_uuid", metavar="FACT_UUID")
    get.add_argument("--json", action="store_true", help="print it as one JSON object")
    get.set_defaults(handler="_facts:get")

    listing = facts.add_parser(
        "list",
        parents=[client],
        help="print the facts of a session, or of a user with --user",
        description="Print the facts of SESSION_ID, or with --user those of a user (the "
        "facts of all its sessions). Zep Cloud only: the Community Edition lacks both lists.",
    )
    whose = listing.add_mutually_exclusive_group(required=True)
    whose.add_argument("session_id", metavar="SESSION_ID", nargs="?")
    whose.add_argument("--user", metavar="USER_ID", dest="user_id", help="a user's facts")
    listing.add_argument(
        "--min-rating", metavar="R", type=_rating, help="only facts rated at least R (0 to 1)"
    )
    listing.add_argument("--json", action="store_true", help="print them as a JSON array")
    listing.set_defaults(handler="_facts:list_facts")

    add_delete(
        facts,
        client,
        metavar="FACT_UUID",
        help="delete one fact",
        description="Delete one fact. On a terminal it asks first; elsewhere it refuses "
        "(exit status 2) unless --yes is given.",
        handler="_facts:delete",
    )


def add_session_summaries(
    sessions: argparse._SubParsersAction[argparse.ArgumentParser],
    client: argparse.ArgumentParser,
) -> None:
    """Add ``sessions summaries`` to the ``sessions`` actions."""
    summaries = sessions.add_parser(
        "summaries", parents=[client], help="print a session's summaries (Zep Cloud)"
    )
    summaries.add_argument("session_id", metavar="SESSION_ID")
    summaries.add_argument("--json", action="store_true", help="print them as JSON")
    summaries.set_defaults(handler="_facts:summaries")


def add_user_node(
    users: argparse._SubParsersAction[argparse.ArgumentParser],
    client: argparse.ArgumentParser,
) -> None:
    """Add ``users node`` to the ``users`` actions."""
    node = users.add_parser(
        "node", parents=[client], help="print a user's node of the knowledge graph (Zep Cloud)"
    )
    node.add_argument("user_id", metavar="USER_ID")
    node.add_argument("--json", action="store_true", help="print it as one JSON object")
    node.set_defaults(handler="_facts:user_node")
