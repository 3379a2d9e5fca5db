"""ZEP_LOG=debug|info turns the SDK's logging to stderr on, without code and without the key."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest

from zep_async import Zep, _logging
from zep_async.testing import LocalZep

SECRET = "z_secret-key-never-logged"

# A child process: a LocalZep in a thread, one successful call, one 404, one retried 503.
_PROGRAM = textwrap.dedent(
    f"""
    from zep_async import NotFoundError, RetryPolicy, Zep
    from zep_async.testing import LocalZep

    server = LocalZep(api_key={SECRET!r})
    server.add_session("s1", user_id="u1")
    server.fail("list_sessions", 503)
    with server.run_in_thread():
        with Zep(
            api_key={SECRET!r},
            base_url=server.base_url,
            headers={{"X-Team": "header-value-never-logged"}},
            retry_policy=RetryPolicy(initial_delay=0, max_delay=0),
        ) as zep:
            zep.memory.get_session("s1")
            try:
                zep.memory.get_session("missing")
            except NotFoundError:
                pass
            zep.memory.list_sessions(page_size=1)
        with Zep(api_key={SECRET!r}, base_url=server.base_url) as second:
            second.memory.get_session("s1")
    """
)


def _run(zep_log: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ZEP_LOG"}
    if zep_log is not None:
        env["ZEP_LOG"] = zep_log
    return subprocess.run(  # noqa: S603 - our own interpreter and program
        [sys.executable, "-c", _PROGRAM],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_debug_shows_method_url_status_attempt_and_duration() -> None:
    """ZEP_LOG=debug prints one line per request on stderr: method, URL, status, attempt, ms."""
    result = _run("debug")
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "zep_async DEBUG" in line]
    success = re.compile(
        r"zep_async DEBUG GET http://127\.0\.0\.1:\d+/api/v2/sessions/s1 -> 200 "
        r"\(attempt 1\) in \d+\.\d ms$"
    )
    assert sum(bool(success.search(line)) for line in lines) == 2, result.stderr
    assert any("sessions/missing failed for good" in line and "404" in line for line in lines)
    assert any(
        re.search(r"GET \S+/sessions-ordered\?\S+ -> 200 \(attempt 2\)", line) for line in lines
    )
    assert result.stdout == ""


def test_debug_never_shows_the_key_or_header_values() -> None:
    """Neither the key nor any header value appears anywhere in the output."""
    result = _run("DEBUG")
    assert result.returncode == 0, result.stderr
    assert "zep_async DEBUG" in result.stderr
    for secret in (SECRET, "header-value-never-logged", "Api-Key", "Authorization"):
        assert secret not in result.stderr + result.stdout


def test_info_shows_retries_but_not_the_debug_lines() -> None:
    """ZEP_LOG=info shows the retry line; the per-request debug lines stay silent."""
    result = _run(" info ")
    assert result.returncode == 0, result.stderr
    assert "DEBUG" not in result.stderr
    retries = [line for line in result.stderr.splitlines() if "zep_async INFO retrying" in line]
    assert len(retries) == 1
    assert "503" in retries[0]
    assert "(attempt 2 of 3)" in retries[0]


def test_unset_or_empty_prints_nothing() -> None:
    """Without ZEP_LOG (or with it empty) the SDK prints nothing at all."""
    for value in (None, ""):
        result = _run(value)
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        assert result.stdout == ""


def test_a_bad_value_is_ignored_with_one_warning() -> None:
    """ZEP_LOG=verbose warns once on stderr, then logs nothing else."""
    result = _run("verbose")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == ["ZEP_LOG='verbose' is not one of debug, info; ignored"], (
        result.stderr
    )


@pytest.fixture
def clean_logger() -> Iterator[logging.Logger]:
    """The zep_async logger, restored to its level and handlers afterwards."""
    logger = logging.getLogger("zep_async")
    level, handlers = logger.level, list(logger.handlers)
    yield logger
    logger.handlers[:] = handlers
    logger.setLevel(level)


def test_the_handler_is_added_once(clean_logger: logging.Logger) -> None:
    """Applying ZEP_LOG again, and building clients, never adds a second handler."""
    assert _logging.configure_from_env({"ZEP_LOG": "debug"}) == logging.DEBUG
    assert _logging.configure_from_env({"ZEP_LOG": "info"}) == logging.INFO
    with Zep(api_key="k", base_url="http://127.0.0.1:1/api/v2"), Zep(api_key="k"):
        pass
    ours = [h for h in clean_logger.handlers if h.get_name() == "zep_async.ZEP_LOG"]
    assert len(ours) == 1
    assert ours[0].level == clean_logger.level == logging.INFO


def test_the_handler_writes_to_the_current_stderr(
    clean_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    """Lines go to sys.stderr as it is when they are logged (a swapped stderr included)."""
    _logging.configure_from_env({"ZEP_LOG": "debug"})
    clean_logger.debug("hello %s", "there")
    assert "zep_async DEBUG hello there" in capsys.readouterr().err


def test_a_live_call_is_logged_in_process(
    clean_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    """Against LocalZep in this process the debug line carries status, attempt and duration."""
    _logging.configure_from_env({"ZEP_LOG": "debug"})
    server = LocalZep()
    server.add_session("s1")
    with server.run_in_thread(), Zep(api_key=server.api_key, base_url=server.base_url) as zep:
        zep.memory.get_session("s1")
    err = capsys.readouterr().err
    assert re.search(r"GET \S+/sessions/s1 -> 200 \(attempt 1\) in \d+\.\d ms", err), err
    assert server.api_key not in err
