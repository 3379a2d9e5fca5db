"""HTTP for the SDK: the only library module that imports aiohttp.

It owns one ``aiohttp.ClientSession`` per client (created on first use, inside
the running loop), builds URLs and headers, runs the retry loop, and turns
everything that can go wrong into the exceptions of ``zep_async.errors``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import platform
import re
import ssl as ssl_module
from collections.abc import Mapping
from typing import Any, TypeVar

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from attrs import frozen
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from ._convert import decode
from ._options import CheckedOptions
from ._retry import IDEMPOTENT_METHODS, RETRYABLE_STATUSES, RetryPolicy, next_delay
from ._retry import parse_retry_after as _parse_retry_after
from ._version import __version__
from .errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ClientClosedError,
    ZepError,
    excerpt,
    status_error_class,
)

__all__ = ["Transport", "TransportConfig"]

T = TypeVar("T")

log = logging.getLogger("zep_async")

USER_AGENT = (
    f"zep-async/{__version__} Python/{platform.python_version()} aiohttp/{aiohttp.__version__}"
)
_REQUEST_ID_HEADERS = ("X-Zep-Request-ID", "X-Request-ID")
#: The largest response body read, after decompression. Past it a broken or hostile
#: server (an endless stream, a gzip bomb) would fill memory before any timeout fired;
#: a page of a thousand large sessions is a few megabytes.
MAX_BODY_BYTES = 64 << 20
_TAGS = re.compile(r"<[^>]*>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


@frozen(kw_only=True)
class TransportConfig:
    """Everything the transport needs, validated by the client beforehand."""

    base_url: str
    api_key: str
    timeout: float
    total_timeout: float | None
    max_retries: int
    headers: Mapping[str, str]
    retry_policy: RetryPolicy
    max_connections: int
    ssl: ssl_module.SSLContext | bool
    trust_env: bool

    def __repr__(self) -> str:
        return f"TransportConfig(base_url={self.base_url!r}, api_key='***')"


@frozen
class _Settings:
    """The resolved limits of one call."""

    timeout: float
    total_timeout: float | None
    max_retries: int
    client_timeout: aiohttp.ClientTimeout


def _settings(timeout: float, total_timeout: float | None, max_retries: int) -> _Settings:
    return _Settings(timeout, total_timeout, max_retries, aiohttp.ClientTimeout(total=timeout))


class Transport:
    """Sends requests for one client; see the module docstring."""

    def __init__(self, config: TransportConfig) -> None:
        self._config = config
        self._base = config.base_url.rstrip("/")
        self._policy = config.retry_policy
        self._headers: dict[str, str] = {
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            **config.headers,
            "Authorization": f"Api-Key {config.api_key}",
        }
        # The session's default headers, so that a call without extra headers does not
        # have aiohttp merge them again; set one by one as aiohttp merges request headers
        # (a later name replaces an earlier one in any case), so the wire sees the same.
        self._session_headers: CIMultiDict[str] = CIMultiDict()
        for name, value in self._headers.items():
            self._session_headers[name] = value
        total = config.total_timeout if config.total_timeout is not None else 2 * config.timeout
        self._defaults = _settings(config.timeout, total, config.max_retries)
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        # Set by aclose: wakes calls waiting between attempts, so they end at once.
        self._closing = asyncio.Event()

    @property
    def closed(self) -> bool:
        """Whether ``aclose`` was called."""
        return self._closed

    def _open(self) -> aiohttp.ClientSession:
        if self._closed:
            raise ClientClosedError("this client is closed; create a new one to make more calls")
        loop = asyncio.get_running_loop()
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self._config.max_connections, ssl=self._config.ssl
            )
            # trust_env stays off in aiohttp itself: there it also fetches a Basic login
            # from .netrc for the API host, which clashes with the key's Authorization
            # header and fails every call (ValueError). request() reads the proxy instead.
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers=self._session_headers,
                trust_env=False,
                timeout=self._defaults.client_timeout,
                raise_for_status=False,
            )
            # aiohttp quietly resends an idempotent request once when the server drops
            # the connection; the retry loop below is the only one, so attempt counts
            # and max_retries=0 mean what they say.
            if hasattr(self._session, "_retry_connection"):
                self._session._retry_connection = False
            self._loop = loop
        elif loop is not self._loop:
            raise RuntimeError(
                "this client was first used on another event loop, and its connections "
                "belong to that loop; create one AsyncZep per event loop (for example inside "
                "the coroutine you pass to asyncio.run), or use the sync Zep client"
            )
        return self._session

    async def open(self) -> None:
        """Create the connection pool now rather than on the first call."""
        self._open()

    async def aclose(self) -> None:
        """Close the connection pool; later calls raise ``ClientClosedError``. Idempotent.

        From here on no call or retry starts; calls in flight end with
        ``ClientClosedError`` (their connections are closed under them).
        """
        session = self._session
        if session is not None and self._loop is not None:
            loop = asyncio.get_running_loop()
            if loop is not self._loop and not self._loop.is_closed():
                raise RuntimeError("close the client on the event loop it was used on")
        self._closed = True
        self._closing.set()
        self._session = None
        if session is None or session.closed or self._loop is None or self._loop.is_closed():
            # A pool whose loop has ended cannot be closed from another loop.
            return
        await session.close()

    def detach(self) -> aiohttp.ClientSession | None:
        """Forget the pool without closing it (after fork: it belongs to the parent)."""
        session, self._session, self._loop = self._session, None, None
        self._closing = asyncio.Event()  # the old one may belong to the parent's loop
        return session

    def _resolve(self, options: CheckedOptions | None) -> tuple[_Settings, dict[str, str] | None]:
        """The call's limits, and its headers if they differ from the session's defaults."""
        if not options:
            return self._defaults, None
        defaults = self._defaults
        timeout = options.get("timeout_in_seconds", defaults.timeout)
        total = options.get("total_timeout_in_seconds")
        if total is None:
            # A client-wide total stays; a derived one follows the per-call timeout.
            explicit = self._config.total_timeout
            total = explicit if explicit is not None else 2 * timeout
        settings = _settings(timeout, total, options.get("max_retries", defaults.max_retries))
        extra = options.get("additional_headers")
        return settings, {**self._headers, **extra} if extra else None

    async def get(
        self,
        path: str,
        cls: type[T],
        *,
        query: Mapping[str, str] | None = None,
        options: CheckedOptions | None = None,
    ) -> T:
        """GET ``path`` (already percent-encoded) and decode the JSON body into ``cls``."""
        status, body, headers, url, attempts = await self.request(
            "GET", path, query=query, options=options
        )
        try:
            return decode(cls, body, status_code=status, method="GET", attempts=attempts)
        except APIResponseValidationError as error:
            # Filled in here, on the rare failure, rather than for every response.
            error.url, error.request_id = str(url), _request_id(headers)
            raise

    async def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        options: CheckedOptions | None = None,
        retry_non_idempotent: bool = False,
    ) -> tuple[int, bytes, Mapping[str, str], URL, int]:
        """Send one call, retrying as the policy allows.

        Returns:
            ``(status, body, headers, url, attempts)`` of the 2xx response.

        Raises:
            APIStatusError: A non-2xx status, after retries where they apply.
            APIConnectionError: No usable response, after retries where they apply.
        """
        session = self._open()
        settings, headers = self._resolve(options)
        url = URL(self._base + path, encoded=True)
        extra_query = options.get("additional_query_parameters") if options else None
        if query or extra_query:
            url = url.with_query({**(query or {}), **(extra_query or {})})
        may_retry = retry_non_idempotent or method in IDEMPOTENT_METHODS
        max_retries = settings.max_retries if may_retry else 0
        proxy, proxy_auth = await _env_proxy(url) if self._config.trust_env else (None, None)
        policy = self._policy
        budget = settings.total_timeout
        deadline = None if budget is None else policy.clock() + budget
        attempt = 0
        while True:
            if self._closing.is_set():  # aclose began: no attempt starts after it
                raise _closed_while_running(method, url, attempt)
            attempt += 1
            client_timeout = settings.client_timeout
            if deadline is not None:
                remaining = deadline - policy.clock()
                if remaining < settings.timeout:
                    client_timeout = aiohttp.ClientTimeout(total=max(remaining, 0.001))
            error: ZepError
            try:
                # No redirects: the key goes to base_url and nowhere else (aiohttp keeps it
                # on a same-origin hop and keeps the caller's other headers on any hop).
                async with session.request(
                    method,
                    url,
                    headers=headers,
                    timeout=client_timeout,
                    allow_redirects=False,
                    proxy=proxy,
                    proxy_auth=proxy_auth,
                ) as response:
                    body, whole = await _read_body(response)
                    status = response.status
                    if status < 300:
                        if not whole:
                            raise _too_large(response, body, method, str(url), attempt)
                        if log.isEnabledFor(logging.DEBUG):
                            log.debug("%s %s -> %d (attempt %d)", method, url, status, attempt)
                        return status, body, response.headers, url, attempt
                    error = _status_error(response, body, method, str(url))
            except asyncio.CancelledError as exc:
                # aiohttp cancels its own waits (DNS, a pool slot) when the pool closes.
                task = asyncio.current_task()
                if not self._closed or (task is not None and task.cancelling()):
                    raise
                raise _closed_while_running(method, url, attempt) from exc
            except RuntimeError as exc:  # aiohttp's "Session is closed"
                if not self._closed:
                    raise
                raise _closed_while_running(method, url, attempt) from exc
            except TimeoutError as exc:
                if self._closed:
                    raise _closed_while_running(method, url, attempt) from exc
                url_text = str(url)
                error = APITimeoutError(
                    f"{method} {url_text} timed out after {client_timeout.total:g} s",
                    method=method,
                    url=url_text,
                )
                error.__cause__ = exc
            except aiohttp.ClientError as exc:
                if self._closed:
                    raise _closed_while_running(method, url, attempt) from exc
                url_text = str(url)
                error = APIConnectionError(
                    f"{method} {url_text} failed: {_describe(exc)}", method=method, url=url_text
                )
                error.__cause__ = _without_request_headers(exc)
            error.attempts = attempt
            retryable = not isinstance(error, APIStatusError) or (
                error.status_code in RETRYABLE_STATUSES
            )
            delay = None
            if retryable:
                delay = next_delay(
                    policy,
                    retries_done=attempt - 1,
                    max_retries=max_retries,
                    retry_after=error.retry_after if isinstance(error, APIStatusError) else None,
                    remaining=None if deadline is None else deadline - policy.clock(),
                )
            if delay is None:
                if log.isEnabledFor(logging.DEBUG):
                    log.debug("%s %s failed for good: %s", method, url, _cause(error))
                raise error
            log.info(
                "retrying %s %s (attempt %d of %d) after %s in %.3f s",
                method,
                url,
                attempt + 1,
                max_retries + 1,
                _cause(error),
                delay,
            )
            await self._sleep_unless_closed(delay)

    async def _sleep_unless_closed(self, delay: float) -> None:
        """The policy's wait between attempts, cut short by ``aclose``."""
        if self._closing.is_set():
            return
        sleep = asyncio.ensure_future(self._policy.sleep(delay))
        closing = asyncio.ensure_future(self._closing.wait())
        try:
            await asyncio.wait((sleep, closing), return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleep.cancel()
            closing.cancel()
        if sleep.done() and not sleep.cancelled() and (exc := sleep.exception()) is not None:
            raise exc


def _closed_while_running(method: str, url: URL, attempts: int) -> ClientClosedError:
    url_text = str(url)
    return ClientClosedError(
        f"{method} {url_text}: the client was closed while this call ran "
        f"(after {attempts} attempt(s); a write may have been applied)",
        method=method,
        url=url_text,
        attempts=attempts,
    )


async def _env_proxy(url: URL) -> tuple[URL | None, aiohttp.BasicAuth | None]:
    """The proxy the environment names for ``url`` (its login may come from .netrc)."""
    try:
        return await asyncio.to_thread(get_env_proxy_for_url, url)
    except LookupError:  # none set, or NO_PROXY covers the host
        return None, None


async def _read_body(response: aiohttp.ClientResponse) -> tuple[bytes, bool]:
    """Read the body, decompressed, up to MAX_BODY_BYTES; say whether it came whole."""
    length = response.content_length
    if length is not None and length > MAX_BODY_BYTES:
        response.close()
        return b"", False
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    if length is not None and encoding == "identity":
        return await response.read(), True  # the common case: a known, acceptable size
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_any():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            response.close()
            return b"".join(chunks), False
        chunks.append(chunk)
    return b"".join(chunks), True


def _too_large(
    response: aiohttp.ClientResponse, body: bytes, method: str, url: str, attempts: int
) -> APIResponseValidationError:
    return APIResponseValidationError(
        f"{response.status} response body is larger than {MAX_BODY_BYTES} bytes, "
        "so it was not read to the end (ask for smaller pages)",
        status_code=response.status,
        body=excerpt(body[:2000].decode("utf-8", "replace")) or "<not read>",
        request_id=_request_id(response.headers),
        method=method,
        url=url,
        attempts=attempts,
    )


def _request_id(headers: Mapping[str, str]) -> str | None:
    for name in _REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value
    return None


def _status_error(
    response: aiohttp.ClientResponse, body: bytes, method: str, url: str
) -> APIStatusError:
    text = body.decode("utf-8", "replace")
    parsed: Any = None
    message = ""
    if text.strip():
        try:
            parsed = json.loads(text)
        except (ValueError, RecursionError):  # deep nesting overflows the decoder
            parsed = text
            title = _TITLE.search(text)
            message = excerpt(_TAGS.sub(" ", title.group(1) if title else text))
        else:
            if isinstance(parsed, dict) and isinstance(parsed.get("message"), str):
                message = parsed["message"]
            else:
                message = excerpt(text)
    headers = dict(response.headers)
    retry_after = _parse_retry_after(response.headers)
    status = response.status
    if 300 <= status < 400:
        location = response.headers.get("Location")
        where = f"redirect to {excerpt(location, 500)}" if location else "redirect"
        message = (
            f"{where} not followed: the API key is sent to base_url only; "
            "point base_url at the new address"
        )
    return status_error_class(status)(
        message or (response.reason or ""),
        status_code=status,
        body=parsed,
        request_id=_request_id(response.headers),
        headers=headers,
        retry_after=retry_after,
        method=method,
        url=url,
    )


def _without_request_headers(exc: aiohttp.ClientError) -> aiohttp.ClientError:
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


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _cause(error: ZepError) -> str:
    if isinstance(error, APIStatusError):
        return f"status {error.status_code}"
    cause = error.__cause__
    return type(cause).__name__ if cause is not None else type(error).__name__
