"""``facts get|list|delete``, ``sessions summaries`` and ``users node``: one request each.

Printed for people (``field  value`` lines, or a table and a count), or as JSON
with ``--json``. ``facts delete`` asks first on a terminal, as ``sessions
delete`` does; elsewhere it needs ``--yes``. The lists, the summaries and the
node are Zep Cloud's: on the Community Edition the one-line error says so.
"""

from __future__ import annotations

import argparse

from rich.table import Table
from rich.text import Text

from .. import AsyncZep, Fact, FactsResponse, SuccessResponse, to_dict
from ..checks import check_id
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
    sdk_arguments,
)
from ._sessions import _cell, _when, print_fields, table, table_console

__all__ = ["delete", "get", "list_facts", "summaries", "user_node"]


def get(args: argparse.Namespace) -> None:
    """Print one fact: ``field  value`` lines, or one JSON object with ``--json``."""
    answer = call_sdk(args, lambda zep: zep.memory.get_fact(args.fact_uuid))
    fields = {} if answer.fact is None else to_dict(answer.fact)
    if args.json:
        print_json(fields)
        return
    print_fields(fields)


def list_facts(args: argparse.Namespace) -> None:
    """Print a session's facts (or a user's, with ``--user``) as a table and a count."""
    user_id: str | None = args.user_id
    if user_id is not None and args.min_rating is not None:
        raise UsageError("--min-rating applies to a session's facts, not to --user")

    async def call(zep: AsyncZep) -> FactsResponse:
        if user_id is not None:
            return await zep.user.get_facts(user_id)
        return await zep.memory.get_session_facts(args.session_id, min_rating=args.min_rating)

    facts = call_sdk(args, call).facts
    if args.json:
        print_json([to_dict(fact) for fact in facts])
        return
    console = table_console()
    if facts:
        console.print(_facts_table(facts))
    whose = f"user {user_id}" if user_id is not None else f"session {args.session_id}"
    console.print(Text(f"{plural(len(facts), 'fact')} of {printable(whose)}"))


def _facts_table(facts: list[Fact]) -> Table:
    rows = table("uuid", "fact", "rating", "created (UTC)")
    for fact in facts:
        rating = None if fact.rating is None else f"{fact.rating:g}"
        rows.add_row(
            _cell(fact.uuid),
            _cell(fact.content if fact.content is not None else fact.fact),
            _cell(rating),
            _cell(_when(fact.created_at)),
        )
    return rows


def delete(args: argparse.Namespace) -> None:
    """Delete one fact once confirmed (or with ``--yes``), and say so."""
    with sdk_arguments():
        check_id("fact_uuid", args.fact_uuid)  # a bad uuid is refused before asking
    client = open_client(args)
    confirm_delete("fact", args.fact_uuid, yes=args.yes)

    async def call(zep: AsyncZep) -> SuccessResponse:
        return await zep.memory.delete_fact(args.fact_uuid)

    run(one_call(client, call))
    deleted("fact", args.fact_uuid)


def summaries(args: argparse.Namespace) -> None:
    """Print a session's summaries, oldest first, each as its time and text."""
    answer = call_sdk(args, lambda zep: zep.memory.get_summaries(args.session_id))
    if args.json:
        print_json(to_dict(answer))
        return
    for summary in answer.summaries:
        print(f"[{_when(summary.created_at) or '-'}]")
        print(printable(summary.content or ""))
        print()
    total = len(answer.summaries) if answer.total_count is None else answer.total_count
    counted = f"{total} summary" if total == 1 else f"{total} summaries"
    print(f"{counted} of session {printable(args.session_id)}")


def user_node(args: argparse.Namespace) -> None:
    """Print a user's node of the knowledge graph: ``field  value`` lines, or JSON."""
    answer = call_sdk(args, lambda zep: zep.user.get_node(args.user_id))
    fields = {} if answer.node is None else to_dict(answer.node)
    if args.json:
        print_json(fields)
        return
    print_fields(fields)
