"""``sessions get`` and ``sessions list``: one request, printed for people or as JSON.

``get --json`` (like ``export``) writes the session exactly as the server sent
it, nanoseconds and ``Z`` included, through the SDK's raw responses
(``with_raw_response``, docs/raw-responses.md); the field lines for people come
from the models.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TextIO

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .. import SessionListResponse, to_dict
from ._common import call_sdk, plural, print_json, printable

_NONE = "-"
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
#: Piped or redirected, a table is not squeezed into 80 columns (rich's guess without a terminal).
_PIPE_WIDTH = 1000
#: Narrower than this, a table is drawn this wide anyway: folded, but never empty.
_MIN_WIDTH = 40


def get(args: argparse.Namespace) -> None:
    """Print one session: ``field  value`` lines, or with ``--json`` its JSON as sent."""
    raw = call_sdk(args, lambda zep: zep.memory.with_raw_response.get_session(args.session_id))
    if args.json:
        json_lines(sys.stdout)(raw.json_line)
        return
    print_fields(to_dict(raw.parsed))


def print_fields(fields: dict[str, Any]) -> None:
    """Print ``name  value`` lines, aligned, control characters escaped."""
    width = max(map(len, fields), default=0)
    for name, value in fields.items():
        print(f"{name:<{width}}  {_show(value)}")


def json_lines(stream: TextIO) -> Callable[[str], None]:
    """A function that writes one JSON text per line to ``stream``.

    On a UTF-8 stream (a file, and stdout in any UTF-8 locale) the text goes out
    exactly as given. A stream that may not carry every character (an ASCII or
    Latin-1 locale) gets each non-ASCII character as a JSON escape instead
    (``\\u00e9``): the same JSON, readable anywhere, where the stream's own
    fallback (``\\xe9``) would make it invalid. Outside strings, JSON is ASCII.
    """
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    if encoding == "utf8":

        def write_as_is(text: str) -> None:
            stream.write(text + "\n")

        return write_as_is

    def write_escaped(text: str) -> None:
        if not text.isascii():
            text = _NON_ASCII.sub(_json_escape, text)
        stream.write(text + "\n")

    return write_escaped


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code > 0xFFFF:  # a UTF-16 surrogate pair, as JSON spells characters beyond the BMP
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def _show(value: object) -> str:
    if value is None:
        return _NONE
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return printable(text)


def list_page(args: argparse.Namespace) -> None:
    """Print one page as a table with the total count, or as JSON with ``--json``."""
    page = call_sdk(
        args,
        lambda zep: zep.memory.list_sessions(
            page_number=args.page_number,
            page_size=args.page_size,
            order_by=args.order_by,
            asc=args.asc,
        ),
    )
    if args.json:
        print_json(to_dict(page))
        return
    console = table_console()
    if page.sessions:
        console.print(_table(page))
    total = _NONE if page.total_count is None else page.total_count
    shown = plural(len(page.sessions), "session")
    summary = f"{shown} on page {args.page_number or 1}, of {total} in all"
    console.print(Text(summary))


def table_console() -> Console:
    """A console for tables: piped, as wide as a line may be; never too narrow to print."""
    console = Console(highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = _PIPE_WIDTH
    # COLUMNS=0 (or a terminal that reports no width) would make rich print nothing at all.
    console.width = max(console.width, _MIN_WIDTH)
    return console


def table(*titles: str) -> Table:
    """An empty table with these column titles, long cells folded."""
    empty = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for title in titles:
        empty.add_column(title, overflow="fold")
    return empty


def _table(page: SessionListResponse) -> Table:
    # In one zone, so the column reads in order whatever offsets the server wrote.
    rows = table("session id", "user id", "created (UTC)", "ended (UTC)")
    for session in page.sessions:
        rows.add_row(
            _cell(session.session_id),
            _cell(session.user_id),
            _cell(_when(session.created_at)),
            _cell(_when(session.ended_at)),
        )
    return rows


def _cell(value: str | None) -> Text:
    # Text, not str: a session id like "[bold]" must print as itself, not as markup.
    return Text(_NONE if value is None else printable(value))


def _when(moment: datetime | None) -> str | None:
    return None if moment is None else f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S}"
