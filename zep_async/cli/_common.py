"""What every command shares: the client, the event loop, errors, and safe output.

The commands drive ``AsyncZep`` inside ``asyncio.run`` rather than the sync
``Zep``. A CLI process makes one walk and exits, so the sync facade's
background loop thread buys nothing, while an export through it would cross
threads once per session; on one loop the prefetching, the decoding and the
file writes share a thread. Ctrl-C cancels the running command (asyncio.run
turns SIGINT into a cancellation), so its ``finally`` blocks run: the client
closes its connections and an export deletes its temporary file.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Any, TypeVar

from .. import AsyncZep
from ._streams import in_write

T = TypeVar("T")

#: Options of the sessions commands that go straight to ``AsyncZep``.
CLIENT_OPTIONS = {"base_url": "--base-url", "timeout": "--timeout", "max_retries": "--max-retries"}

# C0 and C1 controls (ESC among them) would let data from a server drive the terminal;
# bidirectional overrides and isolates, and the line and paragraph separators, would
# let it reorder or break what is shown around it.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


class UsageError(Exception):
    """A bad option value: exit status 2, before anything is sent."""


class CommandError(Exception):
    """A failure outside the API's errors (a file, a port): exit status 1."""


class TerminatedError(Exception):
    """SIGTERM (or SIGHUP, the terminal gone) stopped the command: exit status 128 + signal."""

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def sdk_arguments() -> Iterator[None]:
    """Turn the SDK's argument errors into usage errors.

    The SDK raises ``TypeError`` or ``ValueError`` for a bad argument, and
    only then, always before sending anything.
    """
    try:
        yield
    except (TypeError, ValueError) as error:
        raise UsageError(str(error)) from None


async def one_call(client: AsyncZep, call: Callable[[AsyncZep], Awaitable[T]]) -> T:
    """Open ``client``, make one SDK call with it, and close it.

    The SDK checks a coroutine's arguments when it runs, before sending, so the
    call is awaited inside ``sdk_arguments``: a bad argument is a usage error.
    """
    async with client as zep:
        with sdk_arguments():
            return await call(zep)


def call_sdk(args: argparse.Namespace, call: Callable[[AsyncZep], Awaitable[T]]) -> T:
    """Run ``call`` with a client built from the options; return its result."""
    return run(one_call(open_client(args), call))


def open_client(args: argparse.Namespace) -> AsyncZep:
    """Build the client from the options; the SDK resolves what is not given.

    ``ZEP_API_KEY`` and ``ZEP_API_URL`` are read by the SDK itself, so the
    command and the library agree on them.
    """
    api_key: str | None = getattr(args, "api_key", None)
    if api_key is None and os.environ.get("ZEP_API_KEY") is None:
        raise UsageError("no API key: pass --api-key or set the ZEP_API_KEY environment variable")
    options = {name: getattr(args, name) for name in CLIENT_OPTIONS if hasattr(args, name)}
    with sdk_arguments():
        return AsyncZep(api_key, **options)


#: Signals that stop a command as Ctrl-C does, its ``finally`` blocks run: SIGHUP comes
#: when the terminal goes away, and would otherwise leave an export's temporary file.
_STOPPING = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` on a new event loop; Ctrl-C, SIGTERM and SIGHUP cancel it.

    A first signal cancels ``main``, so its ``finally`` blocks close the client
    and delete temporary files. The loop cannot run while the main thread is
    blocked writing to a pipe whose reader does not read, so a signal that
    arrives then, or a second one, raises at once instead.

    Raises:
        KeyboardInterrupt: Ctrl-C, once ``main`` has unwound.
        TerminatedError: SIGTERM or SIGHUP, once ``main`` has unwound.
    """
    received: list[int] = []

    async def guarded() -> T:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()

        def on_signal(signum: int, frame: object) -> None:
            received.append(signum)
            if in_write() or len(received) > 1:
                raise KeyboardInterrupt if signum == signal.SIGINT else TerminatedError(signum)
            loop.call_soon_threadsafe(task.cancel)

        previous = {}
        for signum in _STOPPING:
            # Only the main thread may set handlers; elsewhere the defaults stay.
            with contextlib.suppress(ValueError, OSError):
                previous[signum] = signal.signal(signum, on_signal)
        try:
            return await main
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    try:
        return asyncio.run(guarded())
    except asyncio.CancelledError:
        if not received:
            raise
        if received[0] == signal.SIGINT:
            raise KeyboardInterrupt from None
        raise TerminatedError(received[0]) from None


def printable(text: str) -> str:
    """Escape control characters, so server data cannot move the cursor, recolour, or
    reverse the text around it."""
    return _CONTROL.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def print_json(data: object) -> None:
    """Print ``data`` as indented JSON on stdout.

    ASCII-only, so any stdout encoding can carry it; JSON readers undo the escapes.
    """
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def stdin_is_terminal() -> bool:
    """Tell whether stdin is a terminal to ask on (not piped, replaced, closed or missing)."""
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):  # None, replaced or closed
        return False


def plural(count: int, noun: str) -> str:
    """``1 session``, ``2 sessions``, ``0 sessions``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def confirm_delete(
    kind: str, key: str, *, yes: bool, what: Callable[[], str] | None = None
) -> None:
    """The one way every delete asks: go on with ``--yes`` or a y on the terminal.

    Without a terminal and without ``--yes`` it refuses (a usage error, exit 2);
    any other answer keeps the object (exit 1). ``what()`` names what goes with
    it, asked only when there is a question to put.

    Raises:
        UsageError: No terminal to ask on, and no ``--yes``.
        CommandError: The question was answered no.
    """
    if yes:
        return
    shown = printable(repr(key))
    if not stdin_is_terminal():
        raise UsageError(
            f"not deleting {kind} {shown}: stdin is not a terminal to confirm on; "
            "pass --yes to delete without asking"
        )
    question = f"Delete {kind} {shown}" + (f" with {what()}" if what else "") + "? [y/N] "
    confirm(question, declined=f"{kind} {shown} was not deleted")


def deleted(kind: str, key: str) -> None:
    """Say on stderr, as every delete does, that it is done."""
    from ._streams import say

    say(f"zep-async: deleted {kind} {printable(repr(key))}")


def confirm(question: str, *, declined: str) -> None:
    """Ask ``question`` on stderr and go on only if stdin answers y or yes.

    Raises:
        CommandError: With ``declined``, on any other answer or at the end of input.
    """
    sys.stderr.write(question)
    sys.stderr.flush()
    answer = sys.stdin.readline()
    if answer.strip().lower() not in ("y", "yes"):
        if not answer:  # end of input: end the prompt's line
            sys.stderr.write("\n")
        raise CommandError(declined)
