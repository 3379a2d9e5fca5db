"""``sessions export`` and what every export shares: JSON Lines, all or nothing.

A file export is written under a temporary name in the target's directory
(so the rename cannot cross file systems) and renamed into place only after
the last session is written and synced. An error, Ctrl-C or SIGTERM deletes
the temporary file instead, and an existing FILE stays as it was. A symbolic
link is followed, so the file it points to is replaced, not the link. A FILE
that exists and is not a regular file (``/dev/stdout``, a FIFO, the
``/dev/fd/63`` of a shell's ``>(gzip > x.gz)``) is written directly: there is
nothing to rename over it.

Each line is one object (a session, a message, a user) exactly as the server
sent it (timestamps with their nanoseconds and ``Z``, escapes, numbers),
through the SDK's raw walks (``with_raw_response.iter_*``, each item a
``RawItem`` with its JSON text); only whitespace between tokens of a
pretty-printed body may differ.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .. import AsyncZep, RawItem
from ._common import UsageError, open_client, printable, run, sdk_arguments
from ._sessions import json_lines
from ._streams import OutputError, guard, say

#: Opens one export's walk: a raw walk of the SDK, each item with its exact JSON text.
Walk = Callable[[AsyncZep], AsyncGenerator[RawItem[Any], None]]
#: Asks for the total to show on the progress bar (one tiny request), or None.
Total = Callable[[AsyncZep], Awaitable[int | None]]


def export(args: argparse.Namespace) -> None:
    """Write every session as one JSON object per line, to ``--out`` or stdout."""

    def walk(zep: AsyncZep) -> AsyncGenerator[RawItem[Any], None]:
        return zep.memory.with_raw_response.iter_sessions(  # type: ignore[no-any-return]
            page_size=args.page_size, order_by=args.order_by, asc=args.asc, prefetch=args.prefetch
        )

    async def total(zep: AsyncZep) -> int | None:
        return (await zep.memory.list_sessions(page_size=1)).total_count

    export_lines(args, "sessions", walk, total)


def export_lines(args: argparse.Namespace, noun: str, walk: Walk, total: Total | None) -> None:
    """Write what ``walk`` yields, each object's text as the server sent it, one per line.

    To ``--out`` (all or nothing) or stdout, with a progress bar on a terminal
    (its total from ``total``, when given), and a summary line naming ``noun``.
    """
    out = _target(args.out)
    client = open_client(args)
    show_progress = Console(stderr=True).is_terminal
    with _destination(out) as stream:
        count = run(_export(client, walk, total, stream, show_progress=show_progress))
    where = "stdout" if out is None else printable(str(out))
    say(f"zep-async: exported {count} {noun if count != 1 else noun[:-1]} to {where}")


def _target(name: str | None) -> Path | None:
    """The file ``--out`` names, or None for stdout; refuse what cannot be one."""
    if name is None or name == "-":
        return None
    if not name:
        raise UsageError("--out needs a file name (or - for stdout), got an empty one")
    shown = printable(name)
    if name.endswith(("/", os.sep)) or Path(name).is_dir():
        raise UsageError(f"--out {shown} is a directory; name a file in it")
    return Path(name)


async def _export(
    client: AsyncZep, walk: Walk, total: Total | None, stream: TextIO, *, show_progress: bool
) -> int:
    async with client as zep:
        with sdk_arguments():
            objects = walk(zep)
        async with contextlib.aclosing(objects):
            with _progress(show_progress) as progress:
                task = progress.add_task("exporting", total=None)
                if show_progress and total is not None:
                    # The walk yields objects, not pages; one tiny request tells the total.
                    progress.update(task, total=await total(zep))
                count = 0
                write = json_lines(stream)
                async for item in objects:
                    write(item.text)
                    count += 1
                    progress.advance(task)
                return count


def _progress(show: bool) -> Progress:
    # redirect_stdout=False: the JSON Lines may be going to stdout themselves.
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        redirect_stdout=False,
        transient=False,
        disable=not show,
    )


@contextlib.contextmanager
def _destination(out: Path | None) -> Iterator[TextIO]:
    """Yield where to write: stdout, ``out`` itself if it is no regular file, or a
    temporary file renamed to ``out`` on success."""
    if out is None:
        yield sys.stdout
        return
    shown = printable(str(out))
    try:
        special = not stat.S_ISREG(os.stat(out).st_mode)
    except FileNotFoundError:  # a new file; a dangling link's target is created
        special = False
    except OSError as error:
        raise OutputError(shown, error) from None
    if special:
        with _writing(shown), open(out, "w", encoding="utf-8", newline="\n") as stream:
            yield guard(stream, shown)
        return
    real = Path(os.path.realpath(out))  # a link is followed: its target is replaced
    with _writing(shown):
        fd, temporary = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".part", dir=real.parent)
    try:
        with _writing(shown):
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as stream:
                yield guard(stream, shown)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, real)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def _writing(shown: str) -> Iterator[None]:
    """Turn a failure to open, write, sync or rename the file into one OutputError."""
    try:
        yield
    except OSError as error:
        raise OutputError(shown, error) from error
