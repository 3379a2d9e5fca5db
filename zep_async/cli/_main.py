"""Parse, run the command, and turn every way it can end into one exit status.

Whatever happens, stderr gets at most one line (``-v`` adds the traceback) and
the status says what kind of failure it was: nothing a command raises, not
even a ``RecursionError`` from data nested too deeply or a ``MemoryError``,
escapes as a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import logging
import signal
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence

from .. import AuthenticationError, ZepError
from ._common import CommandError, TerminatedError, UsageError, printable
from ._parser import PROG, build_parser
from ._streams import OutputError, discard, guarded, say

#: The name of the stderr handler ``ZEP_LOG`` installs (docs/configuration.md).
ZEP_LOG_HANDLER = "zep_async.ZEP_LOG"
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
#: 128 + SIGPIPE, what a shell reports for a writer whose reader went away.
EXIT_BROKEN_PIPE = 141

#: Room enough for any message of ours; a longer one is cut, so the error stays one line.
_MAX_MESSAGE = 1000
#: Frames -v shows of a traceback, the innermost: a RecursionError has thousands.
_MAX_FRAMES = 60
#: What to do when the cli extra (rich) is missing. zep-async is not on the package index, so
#: the hint installs from a clone or a built wheel, or names the one dependency itself.
#: Kept in step with pyproject.toml by a test.
EXTRA_HINT = (
    "install the cli extra from a clone (pip install '.[cli]' in its top directory)"
    " or a built wheel (pip install 'dist/zep_async-<version>-py3-none-any.whl[cli]'),"
    " or just pip install 'rich>=13.7'"
)


class _StderrHandler(logging.Handler):
    """Write to whatever ``sys.stderr`` is now, so log lines pass above a progress bar."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            say(printable(self.format(record)))
        except Exception:  # a record that cannot be formatted must not end the command
            self.handleError(record)


@contextlib.contextmanager
def _logging_for(verbosity: int) -> Iterator[None]:
    """Send the SDK's log lines to stderr at the level ``-v`` (or ``ZEP_LOG``) asks for.

    The logger is left as it was found afterwards: ``run`` may be called in-process.
    """
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter(f"{PROG}: %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("zep_async")
    before = logger.level
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    from_env = next((h for h in logger.handlers if h.get_name() == ZEP_LOG_HANDLER), None)
    if from_env is not None:  # ZEP_LOG asked for these lines: this handler writes them, once
        level = min(level, from_env.level)
        logger.removeHandler(from_env)
    logger.addHandler(handler)
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(before)
        if from_env is not None:
            logger.addHandler(from_env)


def describe(error: ZepError) -> str:
    """Say what went wrong in one line: status, message, request id, and what to try."""
    text = str(error)
    if error.attempts > 1:
        text += f" (after {error.attempts} attempts)"
    if isinstance(error, AuthenticationError):
        text += "; check --api-key or ZEP_API_KEY"
    return text


def _unexpected(error: BaseException, *, verbose: bool) -> str:
    """One line for a failure nobody planned for; no part of it may fail in turn."""
    if isinstance(error, MemoryError):
        return "out of memory"
    try:
        detail = str(error)
    except Exception:
        detail = ""
    name = type(error).__name__
    text = f"{name}: {detail}" if detail else name
    if isinstance(error, RecursionError):
        text += " (data nested too deeply?)"
    return text if verbose else f"{text}; run again with -v to see where"


def _fail(message: str) -> None:
    if len(message) > _MAX_MESSAGE:
        message = message[:_MAX_MESSAGE] + "..."
    say(f"{PROG}: error: {printable(message)}")


def _traceback(error: BaseException) -> None:
    try:
        text = "".join(traceback.format_exception(error, limit=-_MAX_FRAMES))
        sys.stderr.write(text)
    except Exception:  # stderr gone, or the traceback cannot be rendered
        discard(sys.stderr)


def _load(handler: str) -> Callable[[argparse.Namespace], None]:
    """Import the module that runs the command; only then is rich needed."""
    module_name, _, function = handler.partition(":")
    try:
        module = importlib.import_module(f".{module_name}", __package__)
    except ImportError as error:
        missing = error.name or ""
        if missing.startswith("zep_async"):
            raise
        raise UsageError(f"this command needs {missing or 'rich'}: {EXTRA_HINT}") from None
    command: Callable[[argparse.Namespace], None] = getattr(module, function)
    return command


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line; see ``zep_async.cli.main``."""
    with guarded():
        verbosity = 0
        try:
            try:
                args = build_parser().parse_args(argv)
            except SystemExit as exit:  # --help, --version, or argparse's own usage errors
                sys.stdout.flush()
                return exit.code if isinstance(exit.code, int) else EXIT_USAGE
            verbosity = getattr(args, "verbose", 0)
            with _logging_for(verbosity):
                _load(args.handler)(args)
                sys.stdout.flush()
            return EXIT_OK
        except BaseException as error:  # every way out becomes one status
            return _status(error, verbose=verbosity > 0)


def _status(error: BaseException, *, verbose: bool) -> int:
    """Report ``error`` in one line (``-v``: and its traceback); return the exit status."""
    if isinstance(error, OutputError):
        if error.on_stdout:
            discard(sys.__stdout__)
        if error.broken_pipe:  # the reader went away (`| head`): nothing to say
            return EXIT_BROKEN_PIPE
        _fail(str(error))
        return EXIT_ERROR
    if isinstance(error, UsageError):
        _fail(str(error))
        return EXIT_USAGE
    if isinstance(error, KeyboardInterrupt | TerminatedError):
        # What is still buffered for stdout may never drain (a reader that stopped
        # reading): drop it, or the interpreter's last flush would hang.
        discard(sys.__stdout__)
        if isinstance(error, KeyboardInterrupt):
            _fail("interrupted")
            return EXIT_INTERRUPTED
        _fail("terminated" if error.signum == signal.SIGTERM else f"stopped by {error}")
        return 128 + error.signum
    if isinstance(error, SystemExit):  # nothing of ours raises it; honour it all the same
        if isinstance(error.code, int):
            return error.code
        if error.code is not None:
            _fail(str(error.code))
        return EXIT_ERROR if error.code is not None else EXIT_OK
    if verbose:
        _traceback(error)
    if isinstance(error, ZepError):
        _fail(describe(error))
    elif isinstance(error, CommandError):
        _fail(str(error))
    elif isinstance(error, asyncio.CancelledError):
        _fail("cancelled")
    else:
        _fail(_unexpected(error, verbose=verbose))
    return EXIT_ERROR
