"""``sessions get`` and ``sessions list``: one request, printed for people or as JSON."""

from __future__ import annotations

import argparse
import json
import os
from datetime import UTC, datetime

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .. import AsyncZep, Session, SessionListResponse, to_dict
from ._common import open_client, print_json, printable, run, sdk_arguments

_NONE = "-"
#: Piped or redirected, a table is not squeezed into 80 columns (rich's guess without a terminal).
_PIPE_WIDTH = 1000
#: Narrower than this, a table is drawn this wide anyway: folded, but never empty.
_MIN_WIDTH = 40


def get(args: argparse.Namespace) -> None:
    """Print one session: ``field  value`` lines, or one JSON object with ``--json``."""
    fields = to_dict(run(_get(open_client(args), args.session_id)))
    if args.json:
        print_json(fields)
        return
    width = max(map(len, fields))
    for name, value in fields.items():
        print(f"{name:<{width}}  {_show(value)}")


async def _get(client: AsyncZep, session_id: str) -> Session:
    async with client as zep:
        with sdk_arguments():
            return await zep.memory.get_session(session_id)


def _show(value: object) -> str:
    if value is None:
        return _NONE
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return printable(text)


def list_page(args: argparse.Namespace) -> None:
    """Print one page as a table with the total count, or as JSON with ``--json``."""
    page = run(_list(open_client(args), args))
    if args.json:
        print_json(to_dict(page))
        return
    console = Console(highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = _PIPE_WIDTH
    # COLUMNS=0 (or a terminal that reports no width) would make rich print nothing at all.
    console.width = max(console.width, _MIN_WIDTH)
    if page.sessions:
        console.print(_table(page))
    total = _NONE if page.total_count is None else page.total_count
    summary = f"{len(page.sessions)} sessions on page {args.page_number or 1}, of {total} in all"
    console.print(Text(summary))


async def _list(client: AsyncZep, args: argparse.Namespace) -> SessionListResponse:
    async with client as zep:
        with sdk_arguments():
            return await zep.memory.list_sessions(
                page_number=args.page_number,
                page_size=args.page_size,
                order_by=args.order_by,
                asc=args.asc,
            )


def _table(page: SessionListResponse) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    # In one zone, so the column reads in order whatever offsets the server wrote.
    for title in ("session id", "user id", "created (UTC)", "ended (UTC)"):
        table.add_column(title, overflow="fold")
    for session in page.sessions:
        table.add_row(
            _cell(session.session_id),
            _cell(session.user_id),
            _cell(_when(session.created_at)),
            _cell(_when(session.ended_at)),
        )
    return table


def _cell(value: str | None) -> Text:
    # Text, not str: a session id like "[bold]" must print as itself, not as markup.
    return Text(_NONE if value is None else printable(value))


def _when(moment: datetime | None) -> str | None:
    return None if moment is None else f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S}"
