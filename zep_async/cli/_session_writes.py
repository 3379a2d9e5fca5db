"""``sessions create``, ``update``, ``end`` and ``delete``: one write each, printed for people.

A write that fails is not resent when the server may have applied it (the
SDK's write rule); the one-line error then says "may have been applied", so
check with ``sessions get`` before running the command again. ``delete`` asks
for confirmation on a terminal; ``--yes`` skips the question, and without a
terminal the command refuses to delete unless ``--yes`` is given.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from .. import AsyncZep, EndSessionResponse, Session, SuccessResponse, to_dict
from .._resource import id_segment
from ._common import CommandError, UsageError, open_client, printable, run, sdk_arguments
from ._sessions import print_fields

__all__ = ["add_write_commands"]

T = TypeVar("T")


def _json_object(text: str) -> dict[str, Any]:
    """An option value that must be a JSON object (``--metadata``, ``--classify``)."""

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    try:
        value = json.loads(text, parse_constant=refuse)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not JSON: {error}") from None
    except RecursionError:
        raise argparse.ArgumentTypeError("nested too deeply to read") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"expected a JSON object, got {text[:40]!r}")
    return value


def add_write_commands(
    sessions: argparse._SubParsersAction[argparse.ArgumentParser],
    client: argparse.ArgumentParser,
) -> None:
    """Register ``create``, ``update``, ``end`` and ``delete`` under ``sessions``."""
    create = sessions.add_parser("create", parents=[client], help="create a session")
    create.add_argument("session_id", metavar="SESSION_ID")
    create.add_argument("--user-id", metavar="USER_ID", help="the user it belongs to")
    create.add_argument("--metadata", metavar="JSON", type=_json_object, help="a JSON object")
    create.set_defaults(handler=create_session)

    update = sessions.add_parser(
        "update",
        parents=[client],
        help="merge metadata into a session",
        description="Merge a JSON object into a session's metadata: keys given are added or "
        "replaced, other keys are kept.",
    )
    update.add_argument("session_id", metavar="SESSION_ID")
    update.add_argument(
        "--metadata", metavar="JSON", type=_json_object, required=True, help="a JSON object"
    )
    update.set_defaults(handler=update_session)

    end = sessions.add_parser(
        "end",
        parents=[client],
        help="end a session (Zep Cloud; deprecated by the API)",
        description="End a session; it then refuses updates and new messages. Zep Cloud only: "
        "the Community Edition has no such call. Deprecated by the API.",
    )
    end.add_argument("session_id", metavar="SESSION_ID")
    end.add_argument(
        "--classify", metavar="JSON", type=_json_object, help='e.g. {"classes": [...], "name": ...}'
    )
    end.add_argument("--instruction", metavar="TEXT", help="extra guidance for the server")
    end.set_defaults(handler=end_session)

    delete = sessions.add_parser(
        "delete",
        parents=[client],
        help="delete a session and its messages",
        description="Delete a session and all its messages. Asks first on a terminal; "
        "elsewhere --yes is required.",
    )
    delete.add_argument("session_id", metavar="SESSION_ID")
    delete.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    delete.set_defaults(handler=delete_session)


def create_session(args: argparse.Namespace) -> None:
    """Create the session and print it."""
    client = open_client(args)

    async def call(zep: AsyncZep) -> Session:
        return await zep.memory.add_session(
            session_id=args.session_id, user_id=args.user_id, metadata=args.metadata
        )

    print_fields(to_dict(run(_write(client, call))))


def update_session(args: argparse.Namespace) -> None:
    """Merge the metadata into the session and print it."""
    client = open_client(args)

    async def call(zep: AsyncZep) -> Session:
        return await zep.memory.update_session(args.session_id, metadata=args.metadata)

    print_fields(to_dict(run(_write(client, call))))


def end_session(args: argparse.Namespace) -> None:
    """End the session and print it, with its classification if one was asked for."""
    client = open_client(args)

    async def call(zep: AsyncZep) -> EndSessionResponse:
        return await zep.memory.end_session(
            args.session_id, classify=args.classify, instruction=args.instruction
        )

    answer = run(_write(client, call))
    fields = to_dict(answer.session) if answer.session is not None else {}
    if answer.classification is not None:
        fields["classification"] = to_dict(answer.classification)
    print_fields(fields)


def delete_session(args: argparse.Namespace) -> None:
    """Delete the session once confirmed, and say so."""
    with sdk_arguments():
        id_segment("session_id", args.session_id)  # a bad id is refused before asking
    client = open_client(args)
    if not args.yes:
        _confirm(args.session_id)

    async def call(zep: AsyncZep) -> SuccessResponse:
        return await zep.memory.delete(args.session_id)

    run(_write(client, call))
    print(f"deleted session {printable(args.session_id)}")


def _confirm(session_id: str) -> None:
    """Ask on the terminal; anything but y or yes (or no terminal at all) stops here."""
    stdin = sys.stdin
    if stdin is None or not stdin.isatty():
        raise UsageError("not deleting without confirmation: pass --yes (stdin is not a terminal)")
    sys.stderr.write(f"Delete session {printable(session_id)} and all its messages? [y/N] ")
    sys.stderr.flush()
    answer = stdin.readline()
    if answer.strip().lower() not in ("y", "yes"):
        if not answer:  # end of input: end the prompt's line
            sys.stderr.write("\n")
        raise CommandError(f"session {session_id} not deleted")


async def _write(client: AsyncZep, call: Callable[[AsyncZep], Awaitable[T]]) -> T:
    async with client as zep:
        with sdk_arguments():  # the SDK's TypeError/ValueError: a bad argument, nothing sent
            return await call(zep)
