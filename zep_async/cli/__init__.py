"""The ``zep-async`` command: inspect and export sessions, and serve the local Zep.

It comes with the ``cli`` extra (``pip install "zep-async[cli]"``), which adds
rich for tables and progress bars; ``python -m zep_async`` runs the same
``main``. The SDK never imports this package, so it never loads rich.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``zep-async`` with ``argv`` (default ``sys.argv[1:]``) and return its exit status.

    0 success, 1 an API, network or file error, 2 a usage error, 130 Ctrl-C,
    143 SIGTERM.
    """
    try:
        import rich  # noqa: F401
    except ImportError:
        print(
            "zep-async: error: the command needs the cli extra: pip install 'zep-async[cli]'",
            file=sys.stderr,
        )
        return 1
    from ._main import run

    return run(argv)
