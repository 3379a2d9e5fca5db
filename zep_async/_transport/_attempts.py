"""One attempt of a call, and the retry loop that runs after a failed first attempt.

``Attempts`` is the part of the ``Transport`` that sends an attempt whose ``Call``
is prepared (``_attempt``), reads its answer (``_answer``), turns what went wrong
into a ``Failure`` or the error of a client closed under it (``_failed``), and,
once the first attempt failed, decides (``_retry.decide``), waits and tries again
(``_retry``). ``Transport.send`` runs a plain first attempt inline and comes here
only when it did not end in a plain 2xx.
"""

from __future__ import annotations

import asyncio
import io
import logging
import time
from typing import Any

import aiohttp

from .._failures import cause as _cause
from .._failures import note_budget_stop
from .._reply import Reply
from .._retry import REFUSED_STATUSES, RetryPolicy, decide, still_unapplied
from ..errors import APIStatusError, APITimeoutError
from ._call import Call, Failure
from ._lifetime import PoolLifetime
from ._pool import Dropped, owner_closed, sleep_unless_closed
from ._responses import (
    attempt_failure,
    body_refused,
    closed_while_running,
    read_body,
    read_error_body,
    response_status_error,
)

__all__ = ["ATTEMPT_ERRORS", "Attempts", "make_reply"]

log = logging.getLogger("zep_async")
#: ``Reply`` from a tuple of its fields: the NamedTuple's own __new__ is one Python call more.
make_reply = tuple.__new__
#: What an attempt turns into a Failure, or into the error of a client closed under it.
ATTEMPT_ERRORS = (asyncio.CancelledError, RuntimeError, TimeoutError, aiohttp.ClientError)


class Attempts(PoolLifetime):
    """Attempts and retries of prepared calls; see the module docstring."""

    _policy: RetryPolicy
    #: What every attempt passes to aiohttp besides the request itself (set by Transport).
    _request_args: dict[str, Any]

    def _foreign_closed(self) -> bool:
        return self._foreign is not None and self._foreign.closed

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
        try:
            async with session.request(
                call.method,
                call.url,
                headers=call.headers,
                data=call.body if call.big_body is None else io.BytesIO(call.big_body),
                timeout=limit,
                **self._request_args,
            ) as response:
                return await self._answer(response, call, number, started)
        except ATTEMPT_ERRORS as exc:
            failed = self._failed(exc, call, number, limit, last_answer)
            if failed is None:
                raise
            return failed

    async def _answer(
        self,
        response: aiohttp.ClientResponse,
        call: Call,
        number: int,
        started: float,
    ) -> Reply | Failure:
        """Read the answer to attempt ``number``: its 2xx ``Reply``, or a status ``Failure``."""
        method, status = call.method, response.status
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
            fields = (method, call.url_text, status, response.headers, data, number)
            return make_reply(Reply, (*fields, False, call.deadline))
        try:
            data, unread = await read_error_body(response)
        finally:
            reading.discard(response)
        if unread is not None and (self._closed or self._foreign_closed()):
            raise unread  # closed under it: said in _failed
        error = response_status_error(response, data, method, call.url_text, unread)
        return Failure(error, status in REFUSED_STATUSES)

    def _failed(
        self,
        exc: BaseException,
        call: Call,
        number: int,
        limit: aiohttp.ClientTimeout,
        last_answer: str | None,
    ) -> Failure | None:
        """What attempt ``number``'s ``exc`` comes to: a ``Failure``, or ``None``: re-raise it.

        Raises the error of a client, or an application's session, closed under it.
        """
        method = call.method
        if isinstance(exc, asyncio.CancelledError):
            # aiohttp cancels its own waits (DNS, a pool slot) when the pool closes.
            task = asyncio.current_task()
            if not self._closed or (task is not None and task.cancelling()):
                return None
            raise closed_while_running(method, call.url, number, call.write) from exc
        if self._closed:  # its pool closed under it (RuntimeError: "Session is closed")
            raise closed_while_running(method, call.url, number, call.write) from exc
        if self._foreign_closed():
            raise owner_closed(method, call.url_text, number, call.write) from exc
        if not isinstance(exc, TimeoutError | aiohttp.ClientError):
            return None
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
