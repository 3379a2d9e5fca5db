"""``ZEP_LOG``: switch the SDK's logging to stderr on without writing code.

``ZEP_LOG=debug`` or ``ZEP_LOG=info`` (any case) is read once, when ``zep_async``
is imported, like ``OPENAI_LOG``: it sets the ``zep_async`` logger's level and
gives it one stderr handler. Importing again (or reloading) never adds a second
handler, and clients add none. Any other value is ignored with one warning; an
empty or unset variable does nothing. Records still propagate, so an application
that configures logging itself sees them too.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from typing import TextIO

__all__ = ["ENV_VAR", "HANDLER_NAME", "configure_from_env"]

ENV_VAR = "ZEP_LOG"
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}
HANDLER_NAME = "zep_async.ZEP_LOG"
_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"

log = logging.getLogger("zep_async")


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of each record (pytest swaps it)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass  # always the current sys.stderr


def configure_from_env(environ: Mapping[str, str] | None = None) -> int | None:
    """Apply ``ZEP_LOG`` from ``environ`` (default ``os.environ``); return the level set.

    Idempotent: the handler is added at most once per process, and a later call with
    another valid value only changes its level.
    """
    value = (os.environ if environ is None else environ).get(ENV_VAR, "").strip()
    if not value:
        return None
    level = _LEVELS.get(value.lower())
    if level is None:
        log.warning(
            "%s=%r is not one of %s; ignored", ENV_VAR, value[:40], ", ".join(sorted(_LEVELS))
        )
        return None
    handler = next((h for h in log.handlers if h.get_name() == HANDLER_NAME), None)
    if handler is None:
        handler = _StderrHandler()
        handler.set_name(HANDLER_NAME)
        handler.setFormatter(logging.Formatter(_FORMAT))
        log.addHandler(handler)
    handler.setLevel(level)
    log.setLevel(level)
    return level
