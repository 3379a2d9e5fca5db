"""Turning a failed answer into an error value, at a cost bounded whatever the server sends.

Pure functions over bytes, text and headers (no I/O, no aiohttp), so the transport
stays small and each rule here is tested directly. Nothing computed here grows
with the body beyond one linear pass over a bounded prefix of it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import Any

from ._retry import RetryPolicy, parse_retry_after
from .errors import APIStatusError, APITimeoutError, ZepError, excerpt, status_error_class

__all__ = [
    "MAX_ERROR_BODY_BYTES",
    "cause",
    "describe",
    "note_budget_stop",
    "page_message",
    "request_id",
    "status_error",
    "timeout_error",
]

log = logging.getLogger("zep_async")

#: The most of an error body that is read and kept: an error page only needs its start,
#: and nothing computed from it may grow with what a hostile server chooses to send.
MAX_ERROR_BODY_BYTES = 1 << 20
#: How much of a non-JSON error page is searched for a message (its <title>, or its text).
PAGE_CHARS = 16_384
#: The longest server message kept in an error's text.
MESSAGE_CHARS = 2_000
_REQUEST_ID_HEADERS = ("X-Zep-Request-ID", "X-Request-ID")
# Literal patterns only: each search is one linear scan (nothing to backtrack over).
_TITLE_OPEN = re.compile("<title", re.IGNORECASE)
_TITLE_CLOSE = re.compile("</title", re.IGNORECASE)


def request_id(headers: Mapping[str, str]) -> str | None:
    """The server's request id, from ``X-Zep-Request-ID`` or ``X-Request-ID``."""
    for name in _REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value
    return None


def status_error(
    status: int,
    reason: str | None,
    headers: Mapping[str, str],
    body: bytes,
    method: str,
    url: str,
) -> APIStatusError:
    """The typed error for a non-2xx answer, its message taken from (a prefix of) ``body``.

    Every step is one linear pass over at most ``MAX_ERROR_BODY_BYTES`` of the body,
    and the search of a non-JSON page over its first ``PAGE_CHARS`` characters.
    """
    # utf-8-sig: a byte-order mark some servers put first would otherwise spoil the JSON.
    text = body[:MAX_ERROR_BODY_BYTES].decode("utf-8-sig", "replace")
    parsed: Any = None
    message = ""
    if text and not text.isspace():
        try:
            parsed = json.loads(text)
        except (ValueError, RecursionError):  # deep nesting overflows the decoder
            parsed = text
            message = page_message(text[:PAGE_CHARS])
        else:
            if isinstance(parsed, dict) and isinstance(parsed.get("message"), str):
                message = parsed["message"]
                if len(message) > MESSAGE_CHARS:
                    message = message[: MESSAGE_CHARS - 1] + "…"
            else:
                message = excerpt(text[:PAGE_CHARS])
    if 300 <= status < 400:
        location = headers.get("Location")
        where = f"redirect to {excerpt(location, 500)}" if location else "redirect"
        message = (
            f"{where} not followed: the API key is sent to base_url only; "
            "point base_url at the new address"
        )
    elif status == 404 and not isinstance(parsed, dict):
        # The API answers a 404 with its JSON error; anything else came from a server or
        # router with no such route, which is what a wrong base_url looks like.
        message = (
            f"{message or 'not found'} (not the API's JSON error, so no API route answered "
            f"{method} {url}: the URL may be wrong; check base_url)"
        )
    return status_error_class(status, message)(
        message or (reason or ""),
        status_code=status,
        body=parsed,
        request_id=request_id(headers),
        headers=dict(headers),
        retry_after=parse_retry_after(headers),
        method=method,
        url=url,
    )


def page_message(page: str) -> str:
    """A short message from a non-JSON error page: its title, or its text; ``""`` if none.

    Linear in ``len(page)``: each search starts where the last one stopped, and no
    pattern can backtrack (100,000 ``<`` or 20,000 ``<title>`` cost one pass).
    """
    opened = _TITLE_OPEN.search(page)
    if opened is not None:
        start = page.find(">", opened.end())
        closed = _TITLE_CLOSE.search(page, start) if start >= 0 else None
        if closed is not None:
            title = excerpt(_strip_tags(page[start + 1 : closed.start()]))
            if _readable(title):
                return title
    text = excerpt(_strip_tags(page))
    return text if _readable(text) else ""


def _strip_tags(page: str) -> str:
    """``page`` with each ``<...>`` replaced by a space, in one pass."""
    if "<" not in page:
        return page
    parts: list[str] = []
    position = 0
    while True:
        opened = page.find("<", position)
        closed = page.find(">", opened) if opened >= 0 else -1
        if closed < 0:  # no more tags (a lone "<" stays, as text)
            parts.append(page[position:])
            return "".join(parts)
        parts.append(page[position:opened])
        parts.append(" ")
        position = closed + 1


def _readable(text: str) -> bool:
    """Whether ``text`` says something (a run of ``<`` or punctuation does not)."""
    return any(char.isalnum() for char in text)


def timeout_error(
    method: str,
    url: str,
    attempt: int,
    timeout: float,
    total_timeout: float | None,
    *,
    budget_limited: bool,
    last_answer: str | None,
) -> APITimeoutError:
    """Say which limit ran out, with its configured value (never the time that was left).

    Args:
        budget_limited: The attempt was given the overall budget, shorter than ``timeout``.
        last_answer: The last status seen on an earlier attempt, if any.
    """
    if budget_limited and total_timeout is not None:
        text = (
            f"{method} {url} timed out: the overall budget total_timeout={total_timeout:g} s "
            f"ran out during attempt {attempt} (per-attempt timeout {timeout:g} s)"
        )
    else:
        text = (
            f"{method} {url} timed out: attempt {attempt} took longer than "
            f"the per-attempt timeout of {timeout:g} s"
        )
    if last_answer is not None:
        text += f"; the last answer was {last_answer}"
    return APITimeoutError(text, method=method, url=url, attempts=attempt)


def note_budget_stop(
    error: ZepError, attempts: int, timeout: float, total_timeout: float, policy: RetryPolicy
) -> None:
    """Say that the overall budget, not ``max_retries``, ended the call after ``error``.

    A timeout's text says so; a status error keeps the server's message as its text,
    so an INFO log line says it instead.
    """
    if isinstance(error, APITimeoutError):
        plural = "s" if attempts > 1 else ""
        error.message += (
            f"; no retry: the overall budget total_timeout={total_timeout:g} s leaves no "
            f"room for another attempt of {timeout:g} s ({attempts} attempt{plural} made)"
        )
        error.args = (error.message,)
        return
    if isinstance(error, APIStatusError):
        hint = error.retry_after
        if hint is not None and hint > policy.max_retry_after:
            return  # the server asked for too long a wait: not the budget's doing
    log.info(
        "not retrying %s %s after %s: total_timeout=%g s leaves no room for another "
        "attempt of %g s (%d made)",
        error.method,
        error.url,
        cause(error),
        total_timeout,
        timeout,
        attempts,
    )


def describe(exc: BaseException) -> str:
    """``Type: text`` of an exception, or just its type when it has no text."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def cause(error: ZepError) -> str:
    """A few words on what made an attempt fail, for log lines."""
    if isinstance(error, APIStatusError):
        return f"status {error.status_code}"
    reason = error.__cause__
    return type(reason).__name__ if reason is not None else type(error).__name__
