"""Helpers shared by the sync client's lifecycle tests."""

from __future__ import annotations

import re
import subprocess
import sys


def run_dev(code: str, *, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter with ``-X dev`` and ResourceWarning as an error.

    asyncio's debug mode (on under ``-X dev``) logs every callback slower than 0.1 s,
    which a loaded machine produces at random; those lines are dropped from
    ``stderr`` so that tests asserting an empty stderr see only real complaints.
    """
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-X", "dev", "-W", "error::ResourceWarning", "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    result.stderr = "".join(
        line for line in result.stderr.splitlines(keepends=True) if not _SLOW_STEP.match(line)
    )
    return result


#: asyncio's debug-mode warning of a slow step: "Executing <Task ...> took 0.119 seconds".
_SLOW_STEP = re.compile(r"Executing <.*> took \d+\.\d+ seconds$")
