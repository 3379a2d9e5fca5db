"""The command leaves the SDK's logger as it found it, so it can run in-process."""

from __future__ import annotations

import logging

import pytest

from zep_async.cli._main import run

from .write_support import closed_port


def test_run_in_process_restores_the_sdk_logger(capsys: pytest.CaptureFixture[str]) -> None:
    """Level and handlers of the zep_async logger are the same before and after run()."""
    logger = logging.getLogger("zep_async")
    marker = logging.NullHandler()
    logger.addHandler(marker)
    logger.setLevel(logging.INFO)
    before = (logger.level, list(logger.handlers))
    try:
        base_url = f"http://127.0.0.1:{closed_port()}/api/v2"
        argv = ["--api-key", "k", "--base-url", base_url, "--max-retries", "0"]
        status = run([*argv, "sessions", "get", "x"])
        assert status == 1
        assert "failed" in capsys.readouterr().err
        assert (logger.level, list(logger.handlers)) == before
    finally:
        logger.removeHandler(marker)
        logger.setLevel(logging.NOTSET)


def test_the_cli_names_the_zep_log_handler_as_the_sdk_does() -> None:
    """The CLI finds ZEP_LOG's handler by the documented name the SDK gives it."""
    from zep_async import _logging
    from zep_async.cli import _main

    assert _main.ZEP_LOG_HANDLER == _logging.HANDLER_NAME
