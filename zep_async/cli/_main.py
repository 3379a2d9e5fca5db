"""Parse, run the command, and turn every way it can end into one exit status."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Sequence

from .. import AuthenticationError, ZepError
from ._common import CommandError, TerminatedError, UsageError, printable
from ._parser import PROG, build_parser

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


class _StderrHandler(logging.Handler):
    """Write to whatever ``sys.stderr`` is now, so log lines pass above a progress bar."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(printable(self.format(record)) + "\n")
        except Exception:
            self.handleError(record)


def _configure_logging(verbosity: int) -> None:
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter(f"{PROG}: %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("zep_async")
    logger.addHandler(handler)
    logger.setLevel({0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG))


def describe(error: ZepError) -> str:
    """Say what went wrong in one line: status, message, request id, and what to try."""
    text = str(error)
    if error.attempts > 1:
        text += f" (after {error.attempts} attempts)"
    if isinstance(error, AuthenticationError):
        text += "; check --api-key or ZEP_API_KEY"
    return text


def _fail(message: str) -> None:
    sys.stderr.write(f"{PROG}: error: {printable(message)}\n")


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line; see ``zep_async.cli.main``."""
    verbosity = 0
    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exit:  # --help, --version, or argparse's own usage errors
            return exit.code if isinstance(exit.code, int) else EXIT_USAGE
        verbosity = getattr(args, "verbose", 0)
        _configure_logging(verbosity)
        args.handler(args)
        sys.stdout.flush()
    except UsageError as error:
        _fail(str(error))
        return EXIT_USAGE
    except (ZepError, CommandError) as error:
        if verbosity:
            traceback.print_exc()
        _fail(describe(error) if isinstance(error, ZepError) else str(error))
        return EXIT_ERROR
    except BrokenPipeError:
        # The reader went away (`| head`): say nothing, and keep the interpreter's
        # final flush of stdout from failing once more.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    except KeyboardInterrupt:
        _fail("interrupted")
        return EXIT_INTERRUPTED
    except TerminatedError:
        _fail("terminated")
        return EXIT_TERMINATED
    return EXIT_OK
