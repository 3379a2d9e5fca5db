"""One call, prepared once: what every attempt of it sends, and under which rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from yarl import URL

from .._reply import Resend
from ..errors import ZepError
from ._config import Settings
from ._observe import CallWatch

__all__ = ["BIG_BODY", "Call", "Failure"]

#: aiohttp warns (``ResourceWarning``) for a ``bytes`` request body over this size; a body
#: over it goes out as a fresh ``io.BytesIO`` per attempt instead (the API takes 5 MiB).
BIG_BODY = 1 << 20


class Call:
    """The request and limits of one call, shared by its attempts (built by ``Transport``).

    Attributes:
        method: The HTTP method, as the caller named it.
        url: The request URL, query included; ``url_text`` is its text.
        headers: The request headers beyond the pool's defaults, or ``None``.
        body: The JSON body, already encoded, or ``None``.
        big_body: ``body`` when it is over ``BIG_BODY`` bytes, else ``None``.
        settings: The call's limits.
        rule: When a failed attempt may be sent again.
        write: Whether an attempt can change anything (not a read).
        deadline: The overall deadline on the policy's clock, or ``None``.
        watch: The call's hooks and raw-response recorder, or ``None``.
    """

    __slots__ = (
        "attempt",
        "big_body",
        "body",
        "deadline",
        "debug",
        "headers",
        "method",
        "rule",
        "settings",
        "url",
        "url_text",
        "watch",
        "write",
    )

    def __init__(
        self,
        method: str,
        url: URL,
        url_text: str,
        headers: Mapping[str, str] | None,
        body: bytes | None,
        settings: Settings,
        rule: Resend,
        write: bool,
    ) -> None:
        self.method, self.url, self.url_text = method, url, url_text
        self.headers, self.body, self.settings = headers, body, settings
        self.rule, self.write = rule, write
        self.big_body = body if body is not None and len(body) > BIG_BODY else None
        self.deadline: float | None = None
        self.debug = False
        self.watch: CallWatch | None = None
        #: The number of the attempt running or last run (1 for the first).
        self.attempt = 1


class Failure(NamedTuple):
    """A failed attempt: its error, and whether the server provably did not act on it."""

    error: ZepError
    unsent: bool
