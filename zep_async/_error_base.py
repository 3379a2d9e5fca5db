"""The base of ``zep_async.errors``: what every error carries, and the classes the
transport raises without a status to choose from (see ``errors`` for the whole tree).

Every class here says ``__module__ = "zep_async.errors"``: that is where users import
it from, where pickling finds it, and what tracebacks show.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, ClassVar

__all__ = [
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "ClientClosedError",
    "ZepError",
    "excerpt",
]

_EXCERPT_CHARS = 200


class ZepError(Exception):
    """Base class of every error this SDK raises on purpose.

    Attributes:
        method: The HTTP method of the failed call, when there was one.
        url: The URL of the failed call (it never holds the API key).
        attempts: How many attempts were made before giving up (1 without retries).
        may_have_been_applied: ``True`` when the call was a write (POST, PATCH,
            DELETE) and an attempt failed without a clear answer (a 5xx, a
            timeout, a connection lost after sending, a cut body): the server
            may have acted on it, so check before sending it again. ``False``
            when no attempt can have changed anything (and for every read).
    """

    __module__ = "zep_async.errors"
    method: str | None
    url: str | None
    attempts: int
    may_have_been_applied: bool
    #: A 404's class: a DELETE's "may have been applied" note then says it may be gone.
    _gone: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        url: str | None = None,
        attempts: int = 1,
        may_have_been_applied: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url
        self.attempts = attempts
        self.may_have_been_applied = may_have_been_applied

    def __str__(self) -> str:
        return self.message + self._applied_note()

    def _applied_note(self) -> str:
        """The sentence ``str()`` adds when the write may have been applied."""
        if not self.__dict__.get("may_have_been_applied"):
            return ""
        method = self.method or "write"
        if method == "DELETE" and self._gone:
            return (
                "; an earlier attempt of this DELETE failed without a clear answer "
                "and may already have deleted it"
            )
        return f"; this {method} may have been applied: check before sending it again"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructors defeat Exception's default pickling; rebuild from __dict__.
        return (_rebuild, (type(self), self.__dict__.copy()))


def _rebuild(cls: type[ZepError], state: dict[str, Any]) -> ZepError:
    error = cls.__new__(cls)
    Exception.__init__(error, state.get("message", ""))
    error.__dict__.update(state)
    return error


class APIConnectionError(ZepError):
    """No usable response arrived: the connection failed, broke, or the body was cut short."""

    __module__ = "zep_async.errors"


class APITimeoutError(APIConnectionError):
    """An attempt exceeded ``timeout``, or the call exceeded ``total_timeout``."""

    __module__ = "zep_async.errors"


class ClientClosedError(ZepError, RuntimeError):
    """The client was closed: the call was made after ``close``/``aclose`` began, or it
    was still running when they did, so it was stopped (a write may have been applied).

    It is also a ``RuntimeError``, which a call on a closed client raised before this
    class existed, so ``except RuntimeError`` keeps working.
    """

    __module__ = "zep_async.errors"


class APIResponseValidationError(ZepError):
    """The server answered 2xx, but the body is not JSON of the shape the API promises.

    Attributes:
        status_code: The (successful) HTTP status of the response.
        body: An excerpt of the raw body, at most a few hundred characters.
        errors: One message per problem, naming where it is (``$.sessions[3].created_at``).
        request_id: The server's request id, if it sent one.
    """

    __module__ = "zep_async.errors"

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: str,
        errors: list[str] | None = None,
        request_id: str | None = None,
        method: str | None = None,
        url: str | None = None,
        attempts: int = 1,
        may_have_been_applied: bool = False,
    ) -> None:
        super().__init__(
            message,
            method=method,
            url=url,
            attempts=attempts,
            may_have_been_applied=may_have_been_applied,
        )
        self.status_code = status_code
        self.body = body
        self.errors = list(errors or [])
        self.request_id = request_id


class APIStatusError(ZepError):
    """The server answered with a non-2xx status.

    Attributes:
        status_code: The HTTP status.
        message: The server's ``message`` field, or an excerpt of a non-JSON body.
        body: The decoded JSON body, the raw text when it was not JSON, or ``None`` if empty.
        request_id: From ``X-Zep-Request-ID`` (or ``X-Request-ID``); quote it to support.
        headers: The response headers, as a plain dict.
        retry_after: The server's retry hint in seconds, when it sent a usable one.
    """

    __module__ = "zep_async.errors"

    status_code: int
    default_status: ClassVar[int | None] = None

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: object = None,
        request_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        retry_after: float | None = None,
        method: str | None = None,
        url: str | None = None,
        attempts: int = 1,
        may_have_been_applied: bool = False,
    ) -> None:
        super().__init__(
            message,
            method=method,
            url=url,
            attempts=attempts,
            may_have_been_applied=may_have_been_applied,
        )
        self.status_code = status_code
        self.body = body
        self.request_id = request_id
        self.headers = dict(headers or {})
        self.retry_after = retry_after

    def __str__(self) -> str:
        try:
            reason = HTTPStatus(self.status_code).phrase
        except ValueError:
            reason = "Error"
        text = f"{self.status_code} {reason}"
        if self.message:
            text += f": {self.message}"
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text + self._applied_note()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code!r}, "
            f"message={self.message!r}, request_id={self.request_id!r})"
        )


def excerpt(text: str, limit: int = _EXCERPT_CHARS) -> str:
    """Shorten ``text`` to ``limit`` characters on one line, for messages."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
