"""``sessions export``: every session as JSON Lines, all or nothing.

Each line is the session exactly as the server sent it (timestamps with their
nanoseconds and ``Z``, escapes, numbers), through the SDK's private raw-JSON
walk; only whitespace between tokens may differ.

A file export is written under a temporary name in the target's directory
(so the rename cannot cross file systems) and renamed into place only after
the last session is written and synced. An error, Ctrl-C or SIGTERM deletes
the temporary file instead, and an existing FILE stays as it was.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .. import AsyncZep
from ._common import CommandError, UsageError, open_client, run, sdk_arguments
from ._sessions import utf8_stdout


def export(args: argparse.Namespace) -> None:
    """Write every session as one JSON object per line, to ``--out`` or stdout."""
    out = None if args.out in (None, "-") else Path(args.out)
    if out is not None and out.is_dir():
        raise UsageError(f"--out {args.out} is a directory")
    client = open_client(args)
    stderr = Console(stderr=True)
    with _destination(out) as stream:
        count = run(_export(client, args, stream, show_progress=stderr.is_terminal))
    where = "stdout" if out is None else str(out)
    stderr.print(f"zep-async: exported {count} sessions to {where}", highlight=False, markup=False)


async def _export(
    client: AsyncZep, args: argparse.Namespace, stream: TextIO, *, show_progress: bool
) -> int:
    async with client as zep:
        with sdk_arguments():
            sessions = zep.memory._iter_session_json(
                page_size=args.page_size,
                order_by=args.order_by,
                asc=args.asc,
                prefetch=args.prefetch,
            )
        async with contextlib.aclosing(sessions):
            with _progress(show_progress) as progress:
                task = progress.add_task("exporting", total=None)
                if show_progress:
                    # iter_sessions yields sessions, not pages; one tiny request tells the total.
                    first = await zep.memory.list_sessions(page_size=1)
                    progress.update(task, total=first.total_count)
                count = 0
                async for _, text in sessions:
                    stream.write(text + "\n")
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
    """Yield where to write: stdout, or a temporary file renamed to ``out`` on success."""
    if out is None:
        yield utf8_stdout()
        return
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    except OSError as error:
        raise CommandError(f"cannot write {out}: {error.strerror or error}") from None
    try:
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as stream:
                yield stream
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, out)
        except OSError as error:
            raise CommandError(f"cannot write {out}: {error.strerror or error}") from error
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
