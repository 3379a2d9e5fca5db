"""Helpers shared by the sync client's lifecycle tests."""

from __future__ import annotations

import re
import subprocess
import sys

from zep_async._runner import Runner, loop_users


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


def assert_gave_the_loop_back(runner: Runner) -> None:
    """``runner`` holds no lease on the shared loop, and its thread ended unless others hold it.

    The loop thread is shared by every sync client of the process, so a client's close
    ends it only when no other client (another test's, say) still holds it.
    """
    assert not runner.holds_loop
    thread = runner.loop_thread
    assert thread is not None
    if loop_users()[1] is not thread:
        thread.join(10)
        assert not thread.is_alive()
