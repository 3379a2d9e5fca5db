"""HTTP for the SDK: the only package that imports aiohttp.

It owns one ``aiohttp.ClientSession`` per client (created on first use, inside
the running loop), builds URLs and headers, runs the retry loop (``_core``), and
turns everything that can go wrong into the exceptions of ``zep_async.errors``
(``_responses``).
"""

from aiohttp import ClientSession, TraceConfig

from ._core import USER_AGENT, Transport, TransportConfig
from ._pool import check_http_session, check_trace_configs
from ._responses import MAX_BODY_BYTES

__all__ = [
    "MAX_BODY_BYTES",
    "USER_AGENT",
    "ClientSession",
    "TraceConfig",
    "Transport",
    "TransportConfig",
    "check_http_session",
    "check_trace_configs",
]
