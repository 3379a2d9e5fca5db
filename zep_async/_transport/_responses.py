"""What comes back over the wire: bodies read within bounds, failures as our errors.

Helpers of the request loop in ``_core``: read a body up to its cap, build the
error of a response or of an aiohttp failure (never keeping the request's headers,
the key among them), and read the proxy the environment names.
"""

from __future__ import annotations

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from .._failures import MAX_ERROR_BODY_BYTES, status_error, timeout_error
from .._failures import describe as _describe
from .._failures import request_id as _request_id
from ..errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ClientClosedError,
    ZepError,
    excerpt,
)
from ._config import Settings

__all__ = [
    "MAX_BODY_BYTES",
    "answered_without_acting",
    "attempt_failure",
    "body_refused",
    "closed_while_running",
    "connect_timeout_error",
    "env_proxy",
    "read_body",
    "read_error_body",
    "response_status_error",
    "without_request_headers",
]

#: The largest response body read, after decompression. Past it a broken or hostile
#: server (an endless stream, a gzip bomb) would fill memory before any timeout fired;
#: a page of a thousand large sessions is a few megabytes.
MAX_BODY_BYTES = 64 << 20
#: How many times its compressed size a 2xx body may grow when decompressed, past
#: ``EXPANSION_FLOOR``: JSON compresses 5-20 times, a gzip bomb a thousand times,
#: and each byte of it may become an object to build.
MAX_EXPANSION = 100
#: A compressed body may always decompress to this much, whatever its ratio.
EXPANSION_FLOOR = 1 << 20


def closed_while_running(method: str, url: URL, attempts: int, applied: bool) -> ClientClosedError:
    """The error of a call whose client was closed while it ran.

    ``applied``: whether the call may have been applied (a write cut off mid-attempt,
    or one whose earlier attempts left that open).
    """
    url_text = str(url)
    error = ClientClosedError(
        f"{method} {url_text}: the client was closed while this call ran "
        f"(after {attempts} attempt(s))",
        method=method,
        url=url_text,
        attempts=attempts,
    )
    error.may_have_been_applied = applied
    return error


def connect_timeout_error(
    method: str, url: URL, attempt: int, connect_timeout: float | None
) -> APITimeoutError:
    """The error of an attempt that ran out of its connect timeout: nothing was sent."""
    url_text = str(url)
    limit = "the connect timeout"
    if connect_timeout is not None:
        limit += f" connect_timeout={connect_timeout:g} s"
    return APITimeoutError(
        f"{method} {url_text} timed out: attempt {attempt} could not connect within {limit} "
        "(DNS, TCP and TLS set-up, or a wait for a free connection of the pool); "
        "the request was not sent",
        method=method,
        url=url_text,
        attempts=attempt,
    )


def env_proxy(url: URL) -> tuple[URL | None, aiohttp.BasicAuth | None]:
    """The proxy the environment names for ``url`` (its login may come from .netrc)."""
    try:
        return get_env_proxy_for_url(url)
    except LookupError:  # none set, or NO_PROXY covers the host
        return None, None


async def read_body(response: aiohttp.ClientResponse) -> tuple[bytes, str | None]:
    """Read a 2xx body, decompressed and bounded; return it and why it was refused, if it was.

    Bounds: ``MAX_BODY_BYTES`` after decompression, and for a compressed body
    ``MAX_EXPANSION`` times its compressed size (at least ``EXPANSION_FLOOR``): the
    Content-Length, or for a body sent chunked, the compressed bytes received so far.
    """
    length = response.content_length
    limit = MAX_BODY_BYTES
    if length is not None and length > limit:
        response.close()
        return b"", f"is larger than {MAX_BODY_BYTES} bytes, so it was not read"
    # The common case: a known, acceptable size, not compressed (a compressed length
    # says nothing of what it decompresses to).
    encoding = response.headers.get("Content-Encoding")
    if encoding is None or encoding.strip().lower() == "identity":
        if length is not None:
            return await response.read(), None
        why = f"is larger than {MAX_BODY_BYTES} bytes, so it was not read to the end"
    elif length is not None and length * MAX_EXPANSION < limit:
        limit = max(EXPANSION_FLOOR, length * MAX_EXPANSION)
        why = (
            f"of {length} compressed bytes ({excerpt(encoding, 40)}) decompresses to more than "
            f"{limit} bytes, over {MAX_EXPANSION} times its size, so it was not read to the end "
            "(a compression bomb, or a page far larger than asked for)"
        )
    elif length is None:
        return await _read_unknown_ratio(response, encoding)
    else:
        why = (
            f"is larger than {MAX_BODY_BYTES} bytes once decompressed, "
            "so it was not read to the end"
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_any():
        size += len(chunk)
        chunks.append(chunk)
        if size > limit:
            response.close()
            return b"".join(chunks)[:2000], why
    return b"".join(chunks), None


async def _read_unknown_ratio(
    response: aiohttp.ClientResponse, encoding: str
) -> tuple[bytes, str | None]:
    """``read_body`` for a compressed body sent without a Content-Length (chunked).

    The ratio is checked as the body arrives, against the compressed bytes aiohttp has
    received so far (``StreamReader.total_raw_bytes``): a 4 KB gzip page of ``{},`` is
    refused after about a megabyte, not decoded into a million objects.
    """
    content = response.content
    chunks: list[bytes] = []
    size = 0
    async for chunk in content.iter_any():
        size += len(chunk)
        chunks.append(chunk)
        raw = content.total_raw_bytes
        if size > MAX_BODY_BYTES or size > max(EXPANSION_FLOOR, raw * MAX_EXPANSION):
            response.close()
            why = (
                f"sent chunked ({excerpt(encoding, 40)}) had decompressed to {size} "
                f"bytes from {raw} compressed bytes, over {MAX_EXPANSION} times its size "
                f"(or over {MAX_BODY_BYTES} bytes), so it was not read to the end "
                "(a compression bomb, or a page far larger than asked for)"
            )
            return b"".join(chunks)[:2000], why
    return b"".join(chunks), None


async def read_error_body(
    response: aiohttp.ClientResponse,
) -> tuple[bytes, TimeoutError | aiohttp.ClientPayloadError | None]:
    """Read the start of a non-2xx body (``MAX_ERROR_BODY_BYTES``), and why it stopped short.

    The status line is the server's answer whatever follows it: a body cut short, or
    one that cannot be decompressed, leaves the status standing. Returns what was
    read, and the failure that ended the read early (``None`` when it did not).
    """
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in response.content.iter_any():
            size += len(chunk)
            chunks.append(chunk)
            if size > MAX_ERROR_BODY_BYTES:
                response.close()  # an error needs only the start of its body
                break
    except (TimeoutError, aiohttp.ClientPayloadError) as exc:
        response.close()
        return b"".join(chunks)[:MAX_ERROR_BODY_BYTES], exc
    return b"".join(chunks)[:MAX_ERROR_BODY_BYTES], None


def body_refused(
    response: aiohttp.ClientResponse, body: bytes, why: str, method: str, url: str
) -> APIResponseValidationError:
    """The error of a 2xx whose body ``read_body`` refused (``why`` says which bound)."""
    return APIResponseValidationError(
        f"{response.status} response body {why} (ask for smaller pages)",
        status_code=response.status,
        body=excerpt(body[:2000].decode("utf-8", "replace")) or "<not read>",
        request_id=_request_id(response.headers),
        method=method,
        url=url,
    )


def response_status_error(
    response: aiohttp.ClientResponse,
    body: bytes,
    method: str,
    url: str,
    unread: TimeoutError | aiohttp.ClientPayloadError | None = None,
) -> APIStatusError:
    """The error of a non-2xx ``response`` with its (capped) ``body``.

    ``unread``: why the body could not be read whole; the error then says so, keeps
    what was read as its ``body`` and has the failure as its cause.
    """
    if unread is None:
        return status_error(response.status, response.reason, response.headers, body, method, url)
    error = status_error(response.status, response.reason, response.headers, b"", method, url)
    error.body = body.decode("utf-8", "replace") or None
    error.message = f"the response body could not be read ({_describe(unread)})"
    error.__cause__ = (
        without_request_headers(unread) if isinstance(unread, aiohttp.ClientError) else unread
    )
    return error


def without_request_headers(exc: aiohttp.ClientError) -> aiohttp.ClientError:
    """Blank the request headers (the key among them) that aiohttp keeps on some errors.

    A ``ClientResponseError`` (a malformed answer, for one) holds the request's
    ``RequestInfo``, headers included, and shows it in its ``repr``; chained as the
    cause of our error it would carry the key into logs and error reports.
    """
    if isinstance(exc, aiohttp.ClientResponseError):
        info = exc.request_info
        bare = info._replace(headers=CIMultiDictProxy(CIMultiDict()))
        exc.request_info = bare
        exc.args = tuple(bare if arg is info else arg for arg in exc.args)
    return exc


def answered_without_acting(error: ZepError) -> bool:
    """Whether the server's answer says it did not apply the request (a 3xx or 4xx)."""
    return isinstance(error, APIStatusError) and error.status_code < 500


def attempt_failure(
    exc: TimeoutError | aiohttp.ClientError,
    method: str,
    url: URL,
    attempt: int,
    settings: Settings,
    *,
    budget_limited: bool,
    last_answer: str | None,
) -> tuple[ZepError, bool]:
    """The error of an attempt aiohttp gave up on, and whether it provably was not sent.

    Only a connection that could not be opened (refused, DNS, TLS, or the connect
    timeout) proves the server never saw the request; a disconnect or a timeout
    later on may follow a commit.
    """
    error: ZepError
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        error, unsent = connect_timeout_error(method, url, attempt, settings.connect_timeout), True
        error.__cause__ = exc
    elif isinstance(exc, TimeoutError):
        error = timeout_error(
            method,
            str(url),
            attempt,
            settings.timeout,
            settings.total_timeout,
            budget_limited=budget_limited,
            last_answer=last_answer,
        )
        error.__cause__, unsent = exc, False
    else:
        url_text = str(url)
        error = APIConnectionError(
            f"{method} {url_text} failed: {_describe(exc)}", method=method, url=url_text
        )
        error.__cause__ = without_request_headers(exc)
        unsent = isinstance(exc, aiohttp.ClientConnectorError)
    return error, unsent
