"""The transport's core: one aiohttp session per client and the retry loop.

It owns one ``aiohttp.ClientSession`` per client (created on first use, inside
the running loop), builds URLs and headers, runs the retry loop, and turns
everything that can go wrong into the exceptions of ``zep_async.errors``.
"""

from __future__ import annotations

import asyncio
import io
import logging
import platform
import time
from collections.abc import Callable, Mapping

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from .._failures import cause as _cause
from .._failures import note_budget_stop
from .._hooks import Hooks
from .._options import CheckedOptions
from .._raw import RECORDER
from .._reply import Reply, Resend
from .._retry import (
    READ_METHODS,
    REFUSED_STATUSES,
    decide,
    resend_rule,
    still_unapplied,
)
from .._version import __version__
from ..errors import APIStatusError, APITimeoutError
from ._call import Call, Failure
from ._config import TransportConfig, call_settings, resolve
from ._lifetime import PoolLifetime
from ._observe import CallWatch
from ._pool import Dropped, new_session, owner_closed, session_middlewares, sleep_unless_closed
from ._responses import (
    attempt_failure,
    body_refused,
    closed_while_running,
    env_proxy,
    read_body,
    read_error_body,
    response_status_error,
)

__all__ = ["USER_AGENT", "Transport", "TransportConfig"]

log = logging.getLogger("zep_async")
_reply = tuple.__new__

USER_AGENT = (
    f"zep-async/{__version__} Python/{platform.python_version()} aiohttp/{aiohttp.__version__}"
)
#: The request headers of a call with a body and no per-call headers.
_JSON_BODY: Mapping[str, str] = CIMultiDictProxy(CIMultiDict({"Content-Type": "application/json"}))


class Transport(PoolLifetime):
    """Sends requests for one client; see the module docstring."""

    def __init__(self, config: TransportConfig) -> None:
        self._config = config
        self._base = config.base_url.rstrip("/")
        # As yarl spells it (a default port dropped), so base + path is str(URL(base + path)).
        self._base_text = str(URL(self._base, encoded=True))
        self._policy = config.retry_policy
        # Header names are case-insensitive at every merge: the client's headers replace
        # the defaults of the same name (Authorization included), and a call's
        # additional_headers replace both (see _config.resolve).
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
        # The resend rule of a call without options, by (method, resend).
        self._rules: dict[tuple[str, Resend | None], Resend] = {}
        # The application's session would resend a request by itself: see session_middlewares.
        self._middlewares = None if self._foreign is None else session_middlewares(self._foreign)

    def _new_session(self) -> aiohttp.ClientSession:
        # The pool's default headers: a call without extra headers then sends none of its
        # own, and aiohttp has nothing to merge.
        return new_session(self._config, self._headers, self._defaults.client_timeout)

    def _foreign_closed(self) -> bool:
        return self._foreign is not None and self._foreign.closed

    def _prepare(
        self,
        method: str,
        path: str,
        query: Mapping[str, str] | None,
        body: bytes | None,
        options: CheckedOptions | None,
        resend: Resend | None,
    ) -> Call:
        """Everything the call's attempts share, worked out once, before anything awaits."""
        settings, extra_headers = resolve(self._defaults, self._headers, options)
        headers: Mapping[str, str] | None = extra_headers or self._plain_headers
        if body is not None:
            if extra_headers is None:
                headers = self._body_headers
            elif "Content-Type" not in extra_headers:
                extra_headers["Content-Type"] = "application/json"
        url = URL(self._base + path, encoded=True)
        # The text of the URL: str(URL) costs more than the rest of this method together.
        url_text = self._base_text + path
        extra_query = options.get("additional_query_parameters") if options else None
        if query or extra_query:
            url = url.with_query({**(query or {}), **(extra_query or {})})
            url_text = str(url)
        config = self._config
        if options:
            rule = resend_rule(
                method,
                resend,
                retry_writes=options.get("retry_writes", config.retry_writes),
                recover_writes=options.get("recover_writes", config.recover_writes),
            )
        else:
            cached = self._rules.get((method, resend))
            if cached is not None:
                rule = cached
            else:
                rule = self._rules[method, resend] = resend_rule(
                    method,
                    resend,
                    retry_writes=config.retry_writes,
                    recover_writes=config.recover_writes,
                )
        budget = settings.total_timeout
        # The budget covers everything from here to the decoded result.
        deadline = None if budget is None else self._policy.clock() + budget
        call = Call(
            method, url, url_text, headers, body, settings, rule, method not in READ_METHODS
        )
        call.deadline = deadline
        call.proxy, call.proxy_auth = self._proxy
        # Read once per call: an attempt is timed only for a DEBUG line that will be written.
        call.debug = log.isEnabledFor(logging.DEBUG)
        recorder = RECORDER.get()
        if self._hooks is not None or recorder is not None:
            call.watch = CallWatch(self._hooks, recorder, method, call.url_text)
        return call

    @property
    def clock(self) -> Callable[[], float]:
        """The retry policy's clock: ``Reply.deadline`` is a time on it."""
        return self._policy.clock

    def total_timeout(self, options: CheckedOptions | None) -> float | None:
        """The overall limit a call with ``options`` runs under (``None``: none)."""
        if options and "total_timeout_in_seconds" in options:
            return options["total_timeout_in_seconds"]
        return self._defaults.total_timeout

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

        ``body`` is the request's JSON, already encoded. ``resend`` says when a failed
        attempt may be sent again (``None``: by the method; see ``Resend`` and
        ``_retry.resend_rule``). For any method but a read, an error after a failure
        that may have applied the request (5xx, timeout, connection lost after sending),
        on this attempt or an earlier one, has ``may_have_been_applied`` set.

        Raises:
            APIStatusError: A non-2xx status, after retries where they apply.
            APIConnectionError: No usable response, after retries where they apply.
            APIResponseValidationError: A 2xx body over the size or expansion bounds.
            ClientClosedError: The client was closed before or during the call.
        """
        session = self._open()
        call = self._prepare(method, path, query, body, options, resend)
        if call.watch is not None:
            return await self._watched(session, call)
        outcome = await self._attempt(session, call, 1, call.settings.first_timeout, None)
        if outcome.__class__ is Reply:
            return outcome
        return await self._retry(session, call, outcome)  # type: ignore[arg-type]

    async def _watched(self, session: aiohttp.ClientSession, call: Call) -> Reply:
        """``send`` for a call with hooks or a raw-response recorder."""
        watch = call.watch
        assert watch is not None
        try:
            watch.attempt(1)
            outcome = await self._attempt(session, call, 1, call.settings.first_timeout, None)
            if outcome.__class__ is not Reply:
                outcome = await self._retry(session, call, outcome)  # type: ignore[arg-type]
            reply: Reply = outcome
            watch.succeeded(reply.status, reply.headers, reply.attempts)
            return reply
        except BaseException as exc:
            watch.failed(exc, call.attempt)
            raise

    async def _attempt(
        self,
        session: aiohttp.ClientSession,
        call: Call,
        number: int,
        limit: aiohttp.ClientTimeout,
        last_answer: str | None,
    ) -> Reply | Failure:
        """Send attempt ``number``: its 2xx ``Reply``, or the ``Failure`` to decide on.

        Raises (rather than returns) what no retry can change: the client or the
        application's session closed under it, a cancellation, a 2xx body refused.
        """
        call.attempt = number
        started = time.perf_counter() if call.debug else 0.0
        method = call.method
        try:
            # No redirects: the key goes to base_url and nowhere else (aiohttp keeps
            # it on a same-origin hop and keeps the caller's other headers on any).
            async with session.request(
                method,
                call.url,
                headers=call.headers,
                data=call.body if call.big_body is None else io.BytesIO(call.big_body),
                timeout=limit,
                allow_redirects=False,
                raise_for_status=False,
                proxy=call.proxy,
                proxy_auth=call.proxy_auth,
                middlewares=self._middlewares,
            ) as response:
                status = response.status
                reading = self._reading
                reading.add(response)  # aclose wakes its read (see PoolLifetime.aclose)
                if status < 300:
                    try:
                        data, refused = await read_body(response)
                    finally:
                        reading.discard(response)
                    if refused is not None:
                        bad = body_refused(response, data, refused, method, call.url_text)
                        bad.attempts, bad.may_have_been_applied = number, call.write
                        raise bad
                    if call.debug:
                        elapsed = (time.perf_counter() - started) * 1000
                        log.debug(
                            "%s %s -> %d (attempt %d) in %.1f ms",
                            *(method, call.url, status, number, elapsed),
                        )
                    # tuple.__new__: the NamedTuple's own __new__ is one Python call more.
                    fields = (method, call.url_text, status, response.headers, data, number)
                    return _reply(Reply, (*fields, False, call.deadline))
                try:
                    data, unread = await read_error_body(response)
                finally:
                    reading.discard(response)
                if unread is not None and (self._closed or self._foreign_closed()):
                    raise unread  # closed under it: said below
                error = response_status_error(response, data, method, call.url_text, unread)
                return Failure(error, status in REFUSED_STATUSES)
        except asyncio.CancelledError as exc:
            # aiohttp cancels its own waits (DNS, a pool slot) when the pool closes.
            task = asyncio.current_task()
            if not self._closed or (task is not None and task.cancelling()):
                raise
            raise closed_while_running(method, call.url, number, call.write) from exc
        except (RuntimeError, TimeoutError, aiohttp.ClientError) as exc:
            if self._closed:  # its pool closed under it (RuntimeError: "Session is closed")
                raise closed_while_running(method, call.url, number, call.write) from exc
            if self._foreign_closed():
                raise owner_closed(method, call.url_text, number, call.write) from exc
            if not isinstance(exc, TimeoutError | aiohttp.ClientError):
                raise
            if isinstance(exc, Dropped):  # the application's session: see session_middlewares
                exc = exc.cause
            failed, unsent = attempt_failure(
                exc,
                method,
                call.url,
                number,
                call.settings,
                budget_limited=limit is not call.settings.client_timeout,
                last_answer=last_answer,
            )
            return Failure(failed, unsent)

    async def _retry(self, session: aiohttp.ClientSession, call: Call, failure: Failure) -> Reply:
        """After the first attempt failed: decide (``_retry.decide``), wait, try again."""
        policy, settings, watch = self._policy, call.settings, call.watch
        deadline = call.deadline
        applied = False  # may an attempt so far have applied this write?
        last_answer: str | None = None
        attempt = 1
        while True:
            error, unsent = failure
            status = error.status_code if isinstance(error, APIStatusError) else None
            error.attempts = attempt
            if call.write:
                applied = not still_unapplied(applied, status, unsent)
                error.may_have_been_applied = applied
            verdict = decide(
                policy,
                rule=call.rule,
                status=status,
                unsent=unsent,
                attempt=attempt,
                max_retries=settings.max_retries,
                retry_after=error.retry_after if isinstance(error, APIStatusError) else None,
                remaining=None if deadline is None else deadline - policy.clock(),
                attempt_time=settings.timeout,
            )
            delay = verdict.delay
            if delay is None:
                # A timeout of an attempt the budget itself cut short already says so.
                clipped = attempt == 1 and settings.first_timeout is not settings.client_timeout
                said = clipped and isinstance(error, APITimeoutError)
                budget = settings.total_timeout
                if verdict.budget_stop and budget is not None and not said:
                    note_budget_stop(error, attempt, settings.timeout, budget, policy)
                if call.debug:
                    log.debug("%s %s failed for good: %s", call.method, call.url, _cause(error))
                raise error
            log.info(
                "retrying %s %s (attempt %d of %d) after %s in %.3f s",
                *(call.method, call.url, attempt + 1, settings.max_retries + 1),
                *(_cause(error), delay),
            )
            if watch is not None:
                watch.retry(attempt, error, delay)
            if status is not None:
                last_answer = f"status {status} on attempt {attempt}"
            await sleep_unless_closed(self._closing, policy, delay)
            # The wait may overrun (a busy loop): a retry still never starts cut short.
            if deadline is not None and deadline - policy.clock() < settings.timeout:
                assert settings.total_timeout is not None
                note_budget_stop(error, attempt, settings.timeout, settings.total_timeout, policy)
                raise error
            if self._closing.is_set():  # aclose began: no attempt starts after it
                # Nothing more was sent: only the attempts made so far may have applied it.
                raise closed_while_running(call.method, call.url, attempt, applied) from error
            attempt += 1
            if watch is not None:
                watch.attempt(attempt)
            limit = settings.client_timeout
            outcome = await self._attempt(session, call, attempt, limit, last_answer)
            if outcome.__class__ is Reply:
                return outcome._replace(may_have_been_applied=True) if applied else outcome
            failure = outcome  # type: ignore[assignment]
