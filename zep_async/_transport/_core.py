"""The transport's core: one aiohttp session per client and the retry loop.

It owns one ``aiohttp.ClientSession`` per client (created on first use, inside
the running loop), builds URLs and headers, runs the retry loop, and turns
everything that can go wrong into the exceptions of ``zep_async.errors``.
"""

from __future__ import annotations

import asyncio
import logging
import platform
import time
from collections.abc import Mapping
from typing import TypeVar

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from .._convert import decode
from .._failures import cause as _cause
from .._failures import note_budget_stop
from .._failures import request_id as _request_id
from .._hooks import Hooks
from .._options import CheckedOptions
from .._raw import RECORDER
from .._reply import Reply, Resend
from .._retry import (
    IDEMPOTENT_METHODS,
    READ_METHODS,
    REFUSED_STATUSES,
    RETRYABLE_STATUSES,
    next_delay,
)
from .._version import __version__
from ..errors import (
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ZepError,
)
from ._config import Settings, TransportConfig, call_settings
from ._lifetime import PoolLifetime
from ._observe import CallWatch
from ._pool import new_session, owner_closed, sleep_unless_closed
from ._responses import (
    answered_without_acting,
    attempt_failure,
    closed_while_running,
    env_proxy,
    read_body,
    read_error_body,
    response_status_error,
    too_large,
)

__all__ = ["USER_AGENT", "Transport", "TransportConfig"]

T = TypeVar("T")

log = logging.getLogger("zep_async")

USER_AGENT = (
    f"zep-async/{__version__} Python/{platform.python_version()} aiohttp/{aiohttp.__version__}"
)
#: The request headers of a call with a body and no per-call headers.
_JSON_BODY: Mapping[str, str] = CIMultiDictProxy(CIMultiDict({"Content-Type": "application/json"}))
#: The request options that change a call's limits (its ``Settings``).
_LIMIT_KEYS = frozenset(
    {
        "timeout_in_seconds",
        "total_timeout_in_seconds",
        "connect_timeout_in_seconds",
        "max_retries",
    }
)


class Transport(PoolLifetime):
    """Sends requests for one client; see the module docstring."""

    def __init__(self, config: TransportConfig) -> None:
        self._config = config
        self._base = config.base_url.rstrip("/")
        self._policy = config.retry_policy
        # Header names are case-insensitive at every merge: the client's headers replace
        # the defaults of the same name (Authorization included), and a call's
        # additional_headers replace both (see _resolve).
        self._headers: CIMultiDict[str] = CIMultiDict(
            {
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
                "Authorization": f"Api-Key {config.api_key}",
            }
        )
        for name, value in config.headers.items():
            self._headers[name] = value
        # A body's Content-Type is a default too: the client's own wins.
        self._body_headers = None if "Content-Type" in self._headers else _JSON_BODY
        # The application's session has its own defaults: ours go with every request,
        # winning over its headers of the same names (aiohttp's merge rule).
        PoolLifetime.__init__(self, config.http_session)
        self._plain_headers: Mapping[str, str] | None = None
        if self._foreign is not None:
            self._plain_headers = self._headers
            self._body_headers = self._headers.copy()
            self._body_headers.setdefault("Content-Type", "application/json")
        self._hooks: Hooks | None = config.hooks
        # No overall budget unless one is set: max_retries then means what it says.
        self._defaults = call_settings(
            config.timeout, config.total_timeout, config.max_retries, config.connect_timeout
        )
        # Read once, here: a lookup per call would need a thread (it may read .netrc)
        # and would run before, or outside, the call's deadline.
        self._proxy = env_proxy(URL(self._base, encoded=True)) if config.trust_env else (None, None)

    def _new_session(self) -> aiohttp.ClientSession:
        # The pool's default headers: a call without extra headers then sends none of its
        # own, and aiohttp has nothing to merge.
        return new_session(self._config, self._headers, self._defaults.client_timeout)

    def _foreign_closed(self) -> bool:
        return self._foreign is not None and self._foreign.closed

    def _resolve(self, options: CheckedOptions | None) -> tuple[Settings, CIMultiDict[str] | None]:
        """The call's limits, and its headers if they differ from the session's defaults."""
        if not options:
            return self._defaults, None
        settings = defaults = self._defaults
        # Options that set no limit (retry_writes, headers, query) reuse the defaults.
        if not _LIMIT_KEYS.isdisjoint(options):
            settings = call_settings(
                options.get("timeout_in_seconds", defaults.timeout),
                options.get("total_timeout_in_seconds", defaults.total_timeout),
                options.get("max_retries", defaults.max_retries),
                options.get("connect_timeout_in_seconds", defaults.connect_timeout),
            )
        extra = options.get("additional_headers")
        if not extra:
            return settings, None
        headers = self._headers.copy()
        for name, value in extra.items():
            headers[name] = value  # replaces every spelling of the name
        return settings, headers

    async def send(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: bytes | None = None,
        options: CheckedOptions | None = None,
        resend: Resend | None = None,
    ) -> Reply:
        """The one door: send ``method`` to ``path`` and return the 2xx answer as a ``Reply``.

        ``resend`` says when the call may be sent again (``None``: by its method).
        """
        any_ = resend is Resend.ANY and method not in IDEMPOTENT_METHODS
        if resend is Resend.RECOVERABLE:  # TEMP shim: h1-transport's implementation replaces it
            recover = self._config.recover_writes
            if options and "recover_writes" in options:
                recover = options["recover_writes"]
            any_ = recover
        applied: list[bool] = []
        status, data, headers, url, attempts = await self.request(
            method,
            path,
            query=query,
            body=body,
            options=options,
            retry_non_idempotent=any_,
            _applied=applied,
        )
        return Reply(method, str(url), status, headers, data, attempts, any(applied), None)

    async def get(
        self,
        path: str,
        cls: type[T],
        *,
        query: Mapping[str, str] | None = None,
        options: CheckedOptions | None = None,
    ) -> T:
        """GET ``path`` (already percent-encoded) and decode the JSON body into ``cls``."""
        return await self.call("GET", path, cls, query=query, options=options)

    async def call(
        self,
        method: str,
        path: str,
        cls: type[T],
        *,
        query: Mapping[str, str] | None = None,
        body: bytes | None = None,
        options: CheckedOptions | None = None,
    ) -> T:
        """Send ``method`` to ``path`` and decode the 2xx JSON body into ``cls``.

        ``body`` is the request's JSON, already encoded (``_convert`` does that);
        the retry rule for each method is in ``request``.
        """
        status, data, headers, url, attempts = await self.request(
            method, path, query=query, body=body, options=options
        )
        try:
            return decode(cls, data, status_code=status, method=method, attempts=attempts)
        except APIResponseValidationError as error:
            # Filled in here, on the rare failure, rather than for every response.
            error.url, error.request_id = str(url), _request_id(headers)
            # A 2xx says the write was applied, whatever its body.
            error.may_have_been_applied = method not in READ_METHODS
            raise

    async def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: bytes | None = None,
        options: CheckedOptions | None = None,
        retry_non_idempotent: bool = False,
        _applied: list[bool] | None = None,
    ) -> tuple[int, bytes, Mapping[str, str], URL, int]:
        """Send one call, retrying as the policy allows.

        ``body`` (JSON, already encoded) is sent with ``Content-Type: application/json``.

        What is retried depends on the method. Reads and DELETE (idempotent) are
        retried after any retryable failure. A POST or PATCH (Zep's writes are not
        idempotent) is resent only when the server provably did not act on it: the
        connection could not be opened (refused, or the connect timeout ran out), or
        a 429; unless ``retry_writes`` (per call, else the client's) or
        ``retry_non_idempotent`` allows every retry. For any method but a read, an
        error after a failure that may have applied the request (5xx, timeout, connection
        lost after sending, cut body), on this attempt or an earlier one, has
        ``may_have_been_applied`` set.

        Returns:
            ``(status, body, headers, url, attempts)`` of the 2xx response.

        Raises:
            APIStatusError: A non-2xx status, after retries where they apply.
            APIConnectionError: No usable response, after retries where they apply.
        """
        session = self._open()
        settings, extra_headers = self._resolve(options)
        headers: Mapping[str, str] | None = extra_headers or self._plain_headers
        policy = self._policy
        budget = settings.total_timeout
        # The budget covers everything from here to the result: nothing above awaits.
        deadline = None if budget is None else policy.clock() + budget
        url = URL(self._base + path, encoded=True)
        extra_query = options.get("additional_query_parameters") if options else None
        if query or extra_query:
            url = url.with_query({**(query or {}), **(extra_query or {})})
        max_retries = settings.max_retries
        write = method not in READ_METHODS
        if retry_non_idempotent or method in IDEMPOTENT_METHODS:
            resend_any = True
        elif options and "retry_writes" in options:
            resend_any = options["retry_writes"]
        else:
            resend_any = self._config.retry_writes
        if body is not None:
            if extra_headers is None:
                headers = self._body_headers
            elif "Content-Type" not in extra_headers:
                extra_headers["Content-Type"] = "application/json"
        applied = False  # may an attempt so far have applied this write?
        proxy, proxy_auth = self._proxy
        last_answer: str | None = None
        last_error: ZepError | None = None
        attempt = 0
        # Read once per call: an attempt is timed only for a DEBUG line that will be written.
        debug = log.isEnabledFor(logging.DEBUG)
        # Hooks and raw responses cost nothing unless asked for: two lookups per call.
        recorder = RECORDER.get()
        watch = None
        if self._hooks is not None or recorder is not None:
            watch = CallWatch(self._hooks, recorder, method, str(url))
        try:
            while True:
                if self._closing.is_set():  # aclose began: no attempt starts after it
                    # Nothing more was sent: only the attempts made so far may have applied it.
                    raise closed_while_running(method, url, attempt, applied) from last_error
                attempt += 1
                if watch is not None:
                    watch.attempt(attempt)
                started = time.perf_counter() if debug else 0.0
                # Only the first attempt can meet the budget: a retry starts only when a
                # whole attempt still fits (next_delay), so it always gets its full timeout.
                client_timeout = settings.first_timeout if attempt == 1 else settings.client_timeout
                error: ZepError
                unsent = False  # did the server provably not act on this attempt?
                try:
                    # No redirects: the key goes to base_url and nowhere else (aiohttp keeps
                    # it on a same-origin hop and keeps the caller's other headers on any).
                    async with session.request(
                        method,
                        url,
                        headers=headers,
                        data=body,
                        timeout=client_timeout,
                        allow_redirects=False,
                        raise_for_status=False,
                        proxy=proxy,
                        proxy_auth=proxy_auth,
                    ) as response:
                        status = response.status
                        if status < 300:
                            data, whole = await read_body(response)
                            if not whole:
                                error = too_large(response, data, method, str(url), attempt)
                                error.may_have_been_applied = write
                                raise error
                            if debug:
                                log.debug(
                                    "%s %s -> %d (attempt %d) in %.1f ms",
                                    method,
                                    url,
                                    status,
                                    attempt,
                                    (time.perf_counter() - started) * 1000,
                                )
                            if _applied is not None:
                                _applied.append(applied)
                            if watch is not None:
                                watch.succeeded(status, response.headers, attempt)
                            return status, data, response.headers, url, attempt
                        data, unread = await read_error_body(response)
                        if unread is not None and (self._closed or self._foreign_closed()):
                            raise unread  # closed under it: said below
                        error = response_status_error(response, data, method, str(url), unread)
                        unsent = status in REFUSED_STATUSES
                except asyncio.CancelledError as exc:
                    # aiohttp cancels its own waits (DNS, a pool slot) when the pool closes.
                    task = asyncio.current_task()
                    if not self._closed or (task is not None and task.cancelling()):
                        raise
                    raise closed_while_running(method, url, attempt, write) from exc
                except (RuntimeError, TimeoutError, aiohttp.ClientError) as exc:
                    if self._closed:  # its pool closed under it (RuntimeError: "Session is closed")
                        raise closed_while_running(method, url, attempt, write) from exc
                    if self._foreign_closed():
                        raise owner_closed(method, str(url), attempt, write) from exc
                    if not isinstance(exc, TimeoutError | aiohttp.ClientError):
                        raise
                    error, unsent = attempt_failure(
                        exc,
                        method,
                        url,
                        attempt,
                        settings,
                        budget_limited=client_timeout is not settings.client_timeout,
                        last_answer=last_answer,
                    )
                error.attempts = attempt
                if write:
                    applied = applied or not (unsent or answered_without_acting(error))
                    error.may_have_been_applied = applied
                retryable = (resend_any or unsent) and (
                    not isinstance(error, APIStatusError) or error.status_code in RETRYABLE_STATUSES
                )
                delay = None
                if retryable:
                    delay = next_delay(
                        policy,
                        retries_done=attempt - 1,
                        max_retries=max_retries,
                        retry_after=error.retry_after
                        if isinstance(error, APIStatusError)
                        else None,
                        remaining=None if deadline is None else deadline - policy.clock(),
                        attempt_time=settings.timeout,
                    )
                if delay is None:
                    # (A timeout of an attempt the budget itself cut short already says so.)
                    clipped = client_timeout is not settings.client_timeout
                    said = clipped and isinstance(error, APITimeoutError)
                    if retryable and budget is not None and attempt <= max_retries and not said:
                        note_budget_stop(error, attempt, settings.timeout, budget, policy)
                    if debug:
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
                if watch is not None:
                    watch.retry(attempt, error, delay)
                if isinstance(error, APIStatusError):
                    last_answer = f"status {error.status_code} on attempt {attempt}"
                last_error = error
                await sleep_unless_closed(self._closing, self._policy, delay)
                # The wait may overrun (a busy loop): a retry still never starts cut short.
                late = deadline is not None and deadline - policy.clock() < settings.timeout
                if late and budget is not None:
                    note_budget_stop(error, attempt, settings.timeout, budget, policy)
                    raise error
        except BaseException as exc:
            if watch is not None:
                watch.failed(exc, attempt)
            raise
