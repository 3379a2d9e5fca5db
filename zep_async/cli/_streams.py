"""The standard streams: a failed write is one line, a closed pipe ends quietly.

While a command runs, ``sys.stdout`` is a thin guard around the real stream
that turns any ``OSError`` of a write or flush into :class:`OutputError`, so
the top-level handler can tell "stdout is full or gone" from every other
failure, whichever code wrote (``print``, rich, argparse's ``--help``, the
export loop). A descriptor the shell closed (``>&-``) becomes a stream whose
writes fail the same way; a closed stderr becomes a sink, as there is nowhere
left to complain to.

SIGPIPE stays ignored (Python's default). Restoring its default action would
also let a connection reset by the server kill the process in the middle of a
socket write, with no retry and no cleanup; instead a closed pipe is an
``EPIPE`` error like any other, unwound through every ``finally``, and only
then turned into the status a shell expects.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Iterator
from typing import Any, TextIO, cast

#: How messages name standard output.
STDOUT = "to stdout"


class OutputError(Exception):
    """Writing the command's output failed: exit status 1, or 141 for a closed pipe."""

    def __init__(self, target: str, error: OSError) -> None:
        reason = error.strerror or str(error) or type(error).__name__
        super().__init__(f"cannot write {target}: {reason}")
        #: The reader went away (``| head``): end quietly, as other Unix tools do.
        self.broken_pipe = error.errno == errno.EPIPE
        self.on_stdout = target == STDOUT


class _Writing:
    """How many writes the main thread is inside: one may block on a pipe nobody reads."""

    depth = 0


def in_write() -> bool:
    """Whether the main thread is inside a write to the command's output.

    Such a write can block for as long as the reader does not read (``| less``
    left open, a stuck consumer), and the event loop cannot run meanwhile, so a
    signal handler that sees this must raise rather than ask the loop to cancel.
    """
    return _Writing.depth > 0


class _Guarded:
    """The same stream, with write failures made an OutputError and writes marked."""

    def __init__(self, stream: TextIO, target: str) -> None:
        self._stream = stream
        self._target = target

    def write(self, text: str) -> int:
        _Writing.depth += 1
        try:
            return self._stream.write(text)
        except OSError as error:
            raise OutputError(self._target, error) from error
        finally:
            _Writing.depth -= 1

    def flush(self) -> None:
        _Writing.depth += 1
        try:
            self._stream.flush()
        except OSError as error:
            raise OutputError(self._target, error) from error
        finally:
            _Writing.depth -= 1

    def __getattr__(self, name: str) -> Any:
        # isatty, fileno, encoding and the rest, for rich and argparse.
        return getattr(self._stream, name)


class _Closed:
    """Stands in for a stream whose descriptor was closed before the command started."""

    encoding = "utf-8"
    errors = "strict"

    def write(self, text: str) -> int:
        raise OutputError(STDOUT, OSError(errno.EBADF, os.strerror(errno.EBADF)))

    def flush(self) -> None:
        """Nothing is buffered, so there is nothing to lose."""

    def isatty(self) -> bool:
        return False


def guard(stream: TextIO, target: str) -> TextIO:
    """Wrap ``stream``: its write errors become OutputError naming ``target``."""
    return cast(TextIO, _Guarded(stream, target))


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Guard ``sys.stdout`` and ``sys.stderr`` while the command runs, then put them back."""
    stdout, stderr = sys.stdout, sys.stderr
    sink = None
    for stream in (stdout, stderr):
        # A terminal or file that cannot encode a character shows it escaped instead of
        # failing; JSON output is ASCII anyway.
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    sys.stdout = cast(TextIO, _Closed()) if stdout is None else guard(stdout, STDOUT)
    if stderr is None:
        sink = sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    try:
        yield
    finally:
        sys.stdout, sys.stderr = stdout, stderr
        if sink is not None:
            sink.close()


def discard(stream: TextIO | None) -> None:
    """Point ``stream``'s descriptor at /dev/null once writing to it has failed.

    What is still buffered then goes nowhere, so the interpreter's own flush at
    exit cannot fail once more and print "Exception ignored ... BrokenPipeError",
    or turn the exit status into 120.
    """
    if stream is None:
        return
    with contextlib.suppress(OSError, ValueError, AttributeError):
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, stream.fileno())
        finally:
            os.close(null)


def say(line: str) -> None:
    """Write one line on stderr; if stderr itself fails, carry on without it."""
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        discard(sys.stderr)
