"""The ``zep-async`` command: sessions, memory, messages and users, and the local Zep.

Every command but ``serve`` needs the ``cli`` extra (``pip install ".[cli]"`` in a
clone, or ``pip install 'rich>=13.7'``), which adds rich for tables and progress
bars; ``--help``, ``--version`` and ``serve`` work without it. ``python -m
zep_async`` runs the same ``main``. The SDK never imports this package, so it
never loads rich.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``zep-async`` with ``argv`` (default ``sys.argv[1:]``) and return its exit status.

    0 success, 1 an API, network, file or unexpected error, 2 a usage error (the
    cli extra missing among them), 129 SIGHUP, 130 Ctrl-C, 141 stdout closed by
    its reader (``| head``), 143 SIGTERM.
    """
    try:
        from ._main import run

        return run(argv)
    except KeyboardInterrupt:  # Ctrl-C while the command loads, or while it reports
        _last_words("interrupted")
        return 130
    except Exception as error:  # the command could not even load
        _last_words(f"cannot start: {type(error).__name__}: {error}")
        return 1


def _last_words(message: str) -> None:
    try:
        sys.stderr.write(f"zep-async: error: {message[:1000]}\n")
        sys.stderr.flush()
    except Exception:  # noqa: S110 - stderr is gone; the exit status still tells
        pass
