"""A local Zep-compatible server for tests: in-memory store, request log, scripted faults.

``LocalZep`` serves the Zep v2 chat-history API (sessions, memory and
messages, users) on 127.0.0.1 from plain JSON dicts, records every request and
can be told to fail, slow down, stall, drop or cut its answers, also after a
write was stored. ``flavor="ce"`` reproduces the Community Edition's quirks.
It imports only aiohttp and the standard library, never the SDK, so it cannot
hide an SDK bug. The pytest fixtures ``local_zep`` and ``local_zep_thread``
live in :mod:`zep_async.testing.pytest_plugin`.
"""

from ._log import RecordedRequest
from ._server import LocalZep
from ._timestamps import format_go_timestamp
from ._wire import OMIT

__all__ = ["LocalZep", "OMIT", "RecordedRequest", "format_go_timestamp"]
