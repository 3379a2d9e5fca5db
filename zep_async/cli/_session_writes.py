"""``sessions create``, ``update``, ``end`` and ``delete``: one write each, printed for people.

``create`` and ``update`` recover as the SDK does (docs/retries.md#recovered-writes);
a write that still fails when the server may have applied it says "may have been
applied" in its one-line error, so check with ``sessions get`` before running the
command again. ``delete`` asks
for confirmation on a terminal; ``--yes`` skips the question, and without a
terminal the command refuses to delete unless ``--yes`` is given. Their options
are declared in ``_session_args``, which loads without rich.
"""

from __future__ import annotations

import argparse
from typing import TypeVar

from .. import AsyncZep, EndSessionResponse, Session, SuccessResponse, to_dict
from ..checks import check_id
from ._common import (
    confirm_delete,
    deleted,
    one_call,
    open_client,
    run,
    sdk_arguments,
)
from ._sessions import print_fields

__all__ = ["create_session", "delete_session", "end_session", "update_session"]

T = TypeVar("T")


def create_session(args: argparse.Namespace) -> None:
    """Create the session and print it."""
    client = open_client(args)

    async def call(zep: AsyncZep) -> Session:
        return await zep.memory.add_session(
            session_id=args.session_id, user_id=args.user_id, metadata=args.metadata
        )

    print_fields(to_dict(run(one_call(client, call))))


def update_session(args: argparse.Namespace) -> None:
    """Merge the metadata into the session and print it."""
    client = open_client(args)

    async def call(zep: AsyncZep) -> Session:
        return await zep.memory.update_session(args.session_id, metadata=args.metadata)

    print_fields(to_dict(run(one_call(client, call))))


def end_session(args: argparse.Namespace) -> None:
    """End the session and print it, with its classification if one was asked for."""
    client = open_client(args)

    async def call(zep: AsyncZep) -> EndSessionResponse:
        return await zep.memory.end_session(
            args.session_id, classify=args.classify, instruction=args.instruction
        )

    answer = run(one_call(client, call))
    fields = to_dict(answer.session) if answer.session is not None else {}
    if answer.classification is not None:
        fields["classification"] = to_dict(answer.classification)
    print_fields(fields)


def delete_session(args: argparse.Namespace) -> None:
    """Delete the session once confirmed, and say so."""
    with sdk_arguments():
        check_id("session_id", args.session_id)  # a bad id is refused before asking
    client = open_client(args)
    confirm_delete("session", args.session_id, yes=args.yes, what=lambda: "all its messages")

    async def call(zep: AsyncZep) -> SuccessResponse:
        return await zep.memory.delete(args.session_id)

    run(one_call(client, call))
    deleted("session", args.session_id)
