"""``memory get``, ``memory add``, ``messages list`` and ``messages export``.

``memory add`` takes one message from its options, or many as JSON Lines on
standard input (the lines ``messages export`` writes work: the fields the
server assigns are dropped, so the messages get new ones). Zep takes at most
30 messages per call, so longer input is sent 30 at a time, in order; a batch
that fails stops the command, saying how many were added before it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import AsyncGenerator
from typing import Any, TextIO

from .. import (
    AddMemoryResponse,
    AsyncZep,
    Message,
    NotFoundError,
    RawItem,
    ZepError,
    to_dict,
)
from ..checks import check_messages
from ._common import (
    CommandError,
    UsageError,
    call_sdk,
    open_client,
    plural,
    print_json,
    printable,
    run,
    sdk_arguments,
)
from ._export import export_lines
from ._memory_grammar import BATCH
from ._streams import say

#: What the server assigns to a stored message; dropped from ``memory add``'s input lines.
_ASSIGNED = ("uuid", "created_at", "updated_at", "token_count", "processed")


def memory_get(args: argparse.Namespace) -> None:
    """Print the context, the latest messages and the facts, or JSON with ``--json``."""
    memory = call_sdk(args, lambda zep: zep.memory.get(args.session_id, lastn=args.lastn))
    if args.json:
        print_json(to_dict(memory))
        return
    if memory.context:
        print("context:")
        for line in memory.context.splitlines():
            print("  " + printable(line))
    print(f"messages ({len(memory.messages)}, oldest first):")
    for message in memory.messages:
        print("  " + _line(message))
    if memory.relevant_facts:
        print("relevant facts:")
        for fact in memory.relevant_facts:
            print("  - " + printable(fact.content or fact.fact or ""))


def _line(message: Message) -> str:
    speaker = message.role or message.role_type or "?"
    if message.role and message.role_type:
        speaker += f" ({message.role_type})"
    return printable(f"{speaker}: {message.content or ''}")


def memory_add(args: argparse.Namespace) -> None:
    """Add the message of the options, or the JSON Lines of stdin, in batches of 30."""
    messages = _messages_of(args)
    try:
        added, answer = run(_add(open_client(args), args, messages))
    except NotFoundError as error:
        from ._main import describe  # here: _main loads this module, not the other way

        if not isinstance(error.body, dict):  # not the API's answer: the URL's hint says it
            raise
        raise CommandError(
            f"{describe(error)}; the session must exist first: create it with"
            f" zep-async sessions create {printable(args.session_id)}"
        ) from error
    if args.return_context and answer is not None and answer.context:
        print(printable(answer.context))
    say(f"zep-async: added {plural(added, 'message')} to {printable(args.session_id)}")


def _messages_of(args: argparse.Namespace) -> list[Message]:
    if args.content is not None:
        if args.role_type is None:
            raise UsageError("--content needs --role-type (e.g. --role-type user)")
        fields = {"role_type": args.role_type, "role": args.role, "content": args.content}
        return [Message(**{k: v for k, v in fields.items() if v is not None})]
    if args.role_type is not None or args.role is not None:
        raise UsageError("--role-type and --role go with --content")
    if sys.stdin is None or sys.stdin.isatty():
        raise UsageError("give --role-type and --content, or messages as JSON Lines on stdin")
    return _read_lines(sys.stdin)


def _read_lines(stream: TextIO) -> list[Message]:
    """Each non-blank line a JSON object with Message's keys; checked before anything is sent."""
    messages: list[Message] = []
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        where = f"stdin line {number}"
        try:
            data: Any = json.loads(line)
        except ValueError as error:
            raise UsageError(f"{where} is not JSON: {error}") from None
        if not isinstance(data, dict):
            raise UsageError(f"{where} must be a JSON object, not {type(data).__name__}")
        for key in _ASSIGNED:
            data.pop(key, None)
        try:
            (message,) = check_messages([data], where)
        except (TypeError, ValueError) as error:
            raise UsageError(str(error).replace(f"{where}[0]", where)) from None
        messages.append(message)
    if not messages:
        raise UsageError("no messages on stdin")
    return messages


async def _add(
    client: AsyncZep, args: argparse.Namespace, messages: list[Message]
) -> tuple[int, AddMemoryResponse | None]:
    added, answer = 0, None
    async with client as zep:
        for start in range(0, len(messages), BATCH):
            batch = messages[start : start + BATCH]
            try:
                with sdk_arguments():
                    answer = await zep.memory.add(
                        args.session_id,
                        messages=batch,
                        return_context=True if args.return_context else None,
                    )
            except ZepError as error:
                if added or len(messages) > BATCH:
                    may = " (it may have been applied)" if error.may_have_been_applied else ""
                    say(
                        f"zep-async: added {added} of {len(messages)} messages; "
                        f"messages {start + 1} to {start + len(batch)} failed{may}"
                    )
                raise
            added += len(batch)
    return added, answer


def messages_list(args: argparse.Namespace) -> None:
    """Print one page of messages, one per line, and the count; or the page as JSON."""
    page = call_sdk(
        args,
        lambda zep: zep.memory.get_session_messages(
            args.session_id, limit=args.limit, cursor=args.cursor
        ),
    )
    if args.json:
        print_json(to_dict(page))
        return
    for message in page.messages:
        print(_line(message))
    total = "-" if page.total_count is None else page.total_count
    print(f"{plural(len(page.messages), 'message')} on page {args.cursor or 1}, of {total} in all")


def messages_export(args: argparse.Namespace) -> None:
    """Write every message of the session as the server sent it, one JSON object per line."""

    def walk(zep: AsyncZep) -> AsyncGenerator[RawItem[Message], None]:
        return zep.memory.with_raw_response.iter_session_messages(  # type: ignore[no-any-return]
            args.session_id, page_size=args.page_size, prefetch=args.prefetch
        )

    export_lines(args, "messages", walk, None)
