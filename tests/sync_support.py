"""Helpers shared by the sync client's lifecycle tests."""

from __future__ import annotations

import subprocess
import sys


def run_dev(code: str, *, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter with ``-X dev`` and ResourceWarning as an error."""
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-X", "dev", "-W", "error::ResourceWarning", "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
