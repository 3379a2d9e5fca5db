"""The ``users`` commands: list, get, create, update, delete, export, and a user's sessions.

Each runs one or two requests through ``AsyncZep.user``. ``delete`` asks first
on a terminal; elsewhere it needs ``--yes``, so a script never deletes by
accident. ``export`` writes the users exactly as the server sent them, through
the sessions export's all-or-nothing file machinery.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncGenerator
from typing import Any

from rich.table import Table
from rich.text import Text

from .. import AsyncZep, RawItem, User, to_dict
from ._common import (
    UsageError,
    call_sdk,
    confirm_delete,
    deleted,
    one_call,
    open_client,
    plural,
    print_json,
    printable,
    run,
)
from ._export import export_lines
from ._sessions import _cell, _when, print_fields, table, table_console

_NONE = "-"


def get(args: argparse.Namespace) -> None:
    """Print one user: ``field  value`` lines, or one JSON object with ``--json``."""
    _print_user(call_sdk(args, lambda zep: zep.user.get(args.user_id)), args)


def create(args: argparse.Namespace) -> None:
    """Create a user and print it as ``get`` does."""
    fields = _fields(args)
    _print_user(call_sdk(args, lambda zep: zep.user.add(user_id=args.user_id, **fields)), args)


def update(args: argparse.Namespace) -> None:
    """Change the given fields of a user and print it as it is now."""
    fields = _fields(args)
    if all(value is None for value in fields.values()):
        raise UsageError("nothing to change: pass --email, --first-name, --last-name or --metadata")
    user = call_sdk(args, lambda zep: zep.user.update(args.user_id, **fields))
    _print_user(user, args)


def delete(args: argparse.Namespace) -> None:
    """Delete a user with its sessions, after a confirmation on a terminal (or ``--yes``)."""
    client = open_client(args)

    def what() -> str:
        sessions = run(one_call(client, lambda zep: zep.user.get_sessions(args.user_id)))
        return f"its {plural(len(sessions), 'session')} and their messages"

    confirm_delete("user", args.user_id, yes=args.yes, what=what)
    if not args.yes:
        client = open_client(args)  # the first one closed with its loop
    run(one_call(client, lambda zep: zep.user.delete(args.user_id)))
    deleted("user", args.user_id)


def list_page(args: argparse.Namespace) -> None:
    """Print one page of users as a table with the total count, or as JSON with ``--json``."""

    page = call_sdk(
        args,
        lambda zep: zep.user.list_ordered(page_number=args.page_number, page_size=args.page_size),
    )
    if args.json:
        print_json(to_dict(page))
        return
    console = table_console()
    if page.users:
        console.print(_users_table(page.users))
    total = _NONE if page.total_count is None else page.total_count
    summary = (
        f"{plural(len(page.users), 'user')} on page {args.page_number or 1}, of {total} in all"
    )
    console.print(Text(summary))


def sessions(args: argparse.Namespace) -> None:
    """Print a user's sessions as a table, or as a JSON array with ``--json``."""
    found = call_sdk(args, lambda zep: zep.user.get_sessions(args.user_id))
    if args.json:
        print_json([to_dict(session) for session in found])
        return
    console = table_console()
    if found:
        rows = table("session id", "created (UTC)", "ended (UTC)")
        for session in found:
            rows.add_row(
                _cell(session.session_id),
                _cell(_when(session.created_at)),
                _cell(_when(session.ended_at)),
            )
        console.print(rows)
    console.print(Text(f"{plural(len(found), 'session')} of user {printable(args.user_id)}"))


def export(args: argparse.Namespace) -> None:
    """Write every user as one JSON object per line, as the server sent it."""

    def walk(zep: AsyncZep) -> AsyncGenerator[RawItem[User], None]:
        walk = zep.user.with_raw_response.iter_users
        return walk(page_size=args.page_size, prefetch=args.prefetch)  # type: ignore[no-any-return]

    async def total(zep: AsyncZep) -> int | None:
        return (await zep.user.list_ordered(page_size=1)).total_count

    export_lines(args, "users", walk, total)


def _fields(args: argparse.Namespace) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "email": args.email,
        "first_name": args.first_name,
        "last_name": args.last_name,
    }
    if args.metadata is not None:
        fields["metadata"] = args.metadata
    return fields


def _print_user(user: User, args: argparse.Namespace) -> None:
    fields = to_dict(user)
    if args.json:
        print_json(fields)
        return
    print_fields(fields)


def _users_table(users: list[User]) -> Table:
    rows = table("user id", "email", "name", "sessions", "created (UTC)")
    for user in users:
        name = " ".join(part for part in (user.first_name, user.last_name) if part) or None
        count = None if user.session_count is None else str(user.session_count)
        rows.add_row(
            _cell(user.user_id),
            _cell(user.email),
            _cell(name),
            _cell(count),
            _cell(_when(user.created_at)),
        )
    return rows
