"""The public fault methods of LocalZep: fail, delay, drop, cut, stall, per route."""

from __future__ import annotations

import json as jsonlib
import threading
from collections.abc import Mapping
from typing import Any

from ._faults import FaultScript, Kind, Outcome, check_route, check_seconds, check_times
from ._http import JSON_TYPE, phrase


class FaultMethods:
    """Scripted faults, queued per route and consumed one per matching request.

    Route names are those of :data:`LocalZep.ROUTES` (the SDK's method names:
    ``add_session``, ``get_memory``, ``list_users``, ...).
    """

    _lock: threading.Lock
    _faults: FaultScript

    def fail(
        self,
        route: str,
        status: int,
        *,
        times: int = 1,
        json: Any = None,
        body: str | bytes | None = None,
        headers: Mapping[str, str] | None = None,
        content_type: str | None = None,
        after_applying: bool = False,
    ) -> None:
        """Answer the next ``times`` requests of ``route`` with a canned response.

        With neither ``json`` nor ``body`` the body is ``{"message": "<reason
        phrase>"}``. A 200 works too, to serve a malformed success body.

        Args:
            route: A route name, e.g. ``"get_session"`` or ``"add_memory"``.
            status: The status code, 200 to 599.
            times: How many requests get it.
            json: A value to send as a JSON body.
            body: A raw body (HTML, empty, malformed JSON, ...).
            headers: Extra response headers, e.g. ``{"Retry-After": "3"}``.
            content_type: The Content-Type; for ``json`` it defaults to
                ``application/json``; a non-empty ``body`` without one goes out
                as ``application/octet-stream`` (aiohttp's default), an empty
                one without any.
            after_applying: Handle the request first (a write is stored, a
                delete done), then send this answer instead of the real one:
                the "committed, then failed" case a client must not resend blindly.

        Raises:
            ValueError: On an unknown route, a bad status or ``times``, or both
                ``json`` and ``body``.
        """
        check_route(route)
        count = check_times(times)
        assert count is not None
        if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599:
            raise ValueError(f"status must be an int from 200 to 599, got {status!r}")
        if json is not None and body is not None:
            raise ValueError("give json or body, not both")
        response_headers: dict[str, str] = {}
        if body is not None:
            payload = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        else:
            value = {"message": phrase(status)} if json is None else json
            payload = jsonlib.dumps(value).encode("utf-8")
            content_type = content_type or JSON_TYPE
        if content_type is not None:
            response_headers["Content-Type"] = content_type
        response_headers.update(headers or {})
        if status in (204, 304):
            payload = b""
        outcome = Outcome(
            Kind.RESPOND,
            status,
            payload,
            tuple(response_headers.items()),
            after_applying=bool(after_applying),
        )
        with self._lock:
            self._faults.add_outcome(route, outcome, count)

    def fail_after_applying(self, route: str, status: int = 500, *, times: int = 1) -> None:
        """Store the next ``times`` writes of ``route``, then answer ``status`` anyway.

        Shorthand for ``fail(route, status, times=times, after_applying=True)``.
        """
        self.fail(route, status, times=times, after_applying=True)

    def delay(self, route: str, seconds: float, *, times: int | None = None) -> None:
        """Wait ``seconds`` before answering requests of ``route``.

        The delay combines with any other fault of the request, and comes
        before the request is handled: a delayed write is stored after the
        wait, whether or not the client is still waiting then (a client that
        gave up does not undo it). Closing the server cuts a delay short (the
        request then gets no answer and is not handled). To have the write
        stored at once and only the answer late, use :meth:`answer_late`.

        Args:
            route: A route name.
            seconds: The latency to add.
            times: How many requests are delayed; ``None`` for every request
                until :meth:`clear` (later ``delay`` calls then never apply).
        """
        check_route(route)
        wait = check_seconds(seconds)
        count = check_times(times, allow_none=True)
        with self._lock:
            self._faults.add_latency(route, wait, count)

    def answer_late(self, route: str, seconds: float, *, times: int = 1) -> None:
        """Handle the next ``times`` requests of ``route`` at once, then hold the answer.

        The write is applied as soon as the request has arrived; the real
        answer goes out ``seconds`` later. A client whose timeout is shorter
        gives up on a write that is already stored: the "my write timed out,
        was it applied?" case, where looking before resending finds it.
        Closing the server cuts the wait short (no answer; the write stays).

        Args:
            route: A route name.
            seconds: How long to hold the answer.
            times: How many requests are answered late.
        """
        self._add_outcome(route, Outcome(Kind.LATE, hold=check_seconds(seconds)), times)

    def drop_connection(self, route: str, *, times: int = 1, after_applying: bool = False) -> None:
        """Close the connection of the next ``times`` requests without any response.

        A client sees the server disconnect (``aiohttp.ServerDisconnectedError``).
        With ``after_applying`` the request is handled first (a write is
        stored), then the connection is dropped.
        """
        self._add_outcome(route, Outcome(Kind.DROP, after_applying=bool(after_applying)), times)

    def cut_body(self, route: str, *, times: int = 1) -> None:
        """Send the normal status and headers but only half the body, then close.

        The request is handled (a write is stored). The Content-Length
        promises the whole body, so a client reading it gets
        ``aiohttp.ClientPayloadError``.
        """
        self._add_outcome(route, Outcome(Kind.CUT), times)

    def stall(self, route: str, *, times: int = 1) -> None:
        """Accept the next ``times`` requests and never answer them (until close).

        A stalled request is not handled (a write is not stored). For timeout
        tests. A client that gives up counts in ``disconnects``.
        """
        self._add_outcome(route, Outcome(Kind.STALL), times)

    def _add_outcome(self, route: str, outcome: Outcome, times: int) -> None:
        check_route(route)
        count = check_times(times)
        assert count is not None
        with self._lock:
            self._faults.add_outcome(route, outcome, count)
