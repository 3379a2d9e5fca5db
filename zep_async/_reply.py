"""What the transport's one door returns: one frozen reply per call."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import NamedTuple

__all__ = ["Reply", "Resend"]


class Resend(enum.Enum):
    """When a call may be sent again after a retryable failure.

    ``ANY``: after any retryable failure (reads, deletes, the searches).
    ``IF_UNSENT``: only when the server provably did not act (refused connection,
    connect timeout, 429), unless ``retry_writes`` allows every retry.
    ``RECOVERABLE``: a write whose resource confirms the outcome itself (a natural key or
    client-set uuids), so it is resent after an ambiguous failure too; ``IF_UNSENT`` when
    ``recover_writes`` is off (per call, else the client's). See ``_retry.resend_rule``.
    """

    ANY = "any"
    IF_UNSENT = "if_unsent"
    RECOVERABLE = "recoverable"


class Reply(NamedTuple):
    """A call's 2xx answer, as the transport read it.

    Attributes:
        method: The HTTP method sent.
        url: The request's URL, query included.
        status: The HTTP status (2xx).
        headers: The response headers (case-insensitive lookups).
        body: The response body, decompressed and bounded.
        attempts: Attempts made, retries included.
        may_have_been_applied: Whether an attempt before the answered one may have
            applied the request (always ``False`` for reads).
        deadline: The call's overall deadline on the policy's clock, or ``None``; decoding
            counts against it.
    """

    method: str
    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    attempts: int
    may_have_been_applied: bool
    deadline: float | None
