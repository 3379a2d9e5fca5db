"""The transport's core: one aiohttp session per client and the one door, ``send``.

It owns one ``aiohttp.ClientSession`` per client (created on first use, inside
the running loop) and builds URLs and headers. ``send`` runs a call's first
attempt inline when nothing watches it (no per-call options, hooks, raw-response
recorder, overall budget or DEBUG logging) and prepares the call (``Call``) only
when that attempt does not end in a plain 2xx; ``_attempts`` then takes over
(the retry loop), turning everything that can go wrong into the exceptions of
``zep_async.errors``.
"""

from __future__ import annotations

import logging
import platform
from asyncio import get_running_loop
from collections.abc import Callable, Mapping
from logging import DEBUG
from typing import Any

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from .._hooks import Hooks
from .._options import CheckedOptions
from .._raw import RECORDER
from .._reply import Reply, Resend
from .._retry import READ_METHODS, resend_rule
from .._version import __version__
from ._attempts import ATTEMPT_ERRORS, Attempts, make_reply
from ._call import BIG_BODY, Call
from ._config import TransportConfig, call_settings, resolve
from ._observe import CallWatch
from ._pool import new_session, session_middlewares
from ._responses import MAX_BODY_BYTES, env_proxy

__all__ = ["USER_AGENT", "Transport", "TransportConfig"]

log = logging.getLogger("zep_async")

USER_AGENT = (
    f"zep-async/{__version__} Python/{platform.python_version()} aiohttp/{aiohttp.__version__}"
)
#: The request headers of a call with a body and no per-call headers.
_JSON_BODY: Mapping[str, str] = CIMultiDictProxy(CIMultiDict({"Content-Type": "application/json"}))


def _with_query_text(text: str, url: URL) -> str:
    """``str(url)``, given ``text``, the same URL's text without its query (at a tenth the cost)."""
    query = url.raw_query_string
    return f"{text}?{query}" if query else text


class Transport(Attempts):
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
        Attempts.__init__(self, config.http_session)
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
        # What every attempt passes to aiohttp besides the request itself; only what
        # differs from aiohttp's defaults (our own pool has raise_for_status=False and no
        # middlewares), as each keyword costs on every call. No redirects: the key goes to
        # base_url and nowhere else (aiohttp keeps it on a same-origin hop and keeps the
        # caller's other headers on any).
        self._request_args: dict[str, Any] = {"allow_redirects": False}
        if self._foreign is not None:
            # The application's session would resend a request by itself: see
            # session_middlewares. Its own raise_for_status must not apply either.
            self._request_args.update(
                raise_for_status=False, middlewares=session_middlewares(self._foreign)
            )
        if self._proxy[0] is not None:
            self._request_args.update(proxy=self._proxy[0], proxy_auth=self._proxy[1])
        # A call with nothing to watch and no overall budget may take the fast path (send).
        self._plain = self._hooks is None and self._defaults.total_timeout is None

    def _new_session(self) -> aiohttp.ClientSession:
        # The pool's default headers: a call without extra headers then sends none of its
        # own, and aiohttp has nothing to merge.
        return new_session(self._config, self._headers, self._defaults.client_timeout)

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
            url_text = _with_query_text(url_text, url)
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
        # Read once per call: an attempt is timed only for a DEBUG line that will be written.
        call.debug = log.isEnabledFor(DEBUG)
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
        session = self._session
        if session is None or self._closed or get_running_loop() is not self._loop:
            session = self._open()  # the first call, or one that _open refuses
        if (
            options
            or not self._plain
            or RECORDER.get() is not None
            or log.isEnabledFor(DEBUG)
            or (body is not None and len(body) > BIG_BODY)  # sent from a stream: see Call
        ):
            call = self._prepare(method, path, query, body, options, resend)
            if call.watch is not None:
                return await self._watched(session, call)
            outcome = await self._attempt(session, call, 1, call.settings.first_timeout, None)
        else:
            # The fast path: the first attempt inline, nothing prepared that only a
            # failure needs (the Call is built when the attempt did not end in a plain
            # 2xx, and the attempt goes on as _attempt would have run it).
            url = URL(self._base + path, encoded=True)
            url_text = self._base_text + path
            if query:
                url = url.with_query(query)
                url_text = _with_query_text(url_text, url)
            limit = self._defaults.first_timeout
            prepared: Call | None = None
            try:
                async with session.request(
                    method,
                    url,
                    headers=self._plain_headers if body is None else self._body_headers,
                    data=body,
                    timeout=limit,
                    **self._request_args,
                ) as response:
                    length = response.content_length
                    headers = response.headers
                    # A 2xx of known, acceptable size, not compressed: read_body's common case.
                    if (
                        response.status < 300
                        and length is not None
                        and length <= MAX_BODY_BYTES
                        and "Content-Encoding" not in headers
                    ):
                        reading = self._reading
                        reading.add(response)  # aclose wakes its read (see PoolLifetime.aclose)
                        try:
                            data = await response.read()
                        finally:
                            reading.discard(response)
                        status = response.status
                        return make_reply(
                            Reply, (method, url_text, status, headers, data, 1, False, None)
                        )
                    prepared = self._prepare(method, path, query, body, options, resend)
                    outcome = await self._answer(response, prepared, 1, 0.0)
            except ATTEMPT_ERRORS as exc:
                if prepared is None:
                    prepared = self._prepare(method, path, query, body, options, resend)
                failed = self._failed(exc, prepared, 1, limit, None)
                if failed is None:
                    raise
                outcome = failed
            call = prepared
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
