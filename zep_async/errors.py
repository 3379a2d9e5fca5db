"""Every exception the SDK raises on purpose.

The tree::

    ZepError
     ├── APIConnectionError            no usable response: refused, reset, DNS, body cut short
     │    └── APITimeoutError          an attempt or the whole call ran out of time
     ├── APIStatusError                the server answered with a non-2xx status
     │    ├── BadRequestError               400
     │    ├── AuthenticationError           401
     │    ├── PermissionDeniedError         403
     │    ├── NotFoundError                 404
     │    │    └── UserNotFoundError        the user named by user_id does not exist
     │    ├── ConflictError                 409
     │    │    ├── AlreadyExistsError       a duplicate session_id, user_id or message uuid
     │    │    └── SessionEndedError        the session has ended
     │    ├── UnprocessableEntityError      422
     │    ├── RateLimitError                429
     │    └── InternalServerError           500 and above
     ├── APIResponseValidationError    a 2xx whose body is not what the API promises
     └── ClientClosedError             the client was closed before or while the call ran
                                       (also a RuntimeError)

The three outcome classes are chosen from the status and the server's message
when the error is built, whichever status the server uses (the Community Edition
answers 400 for a duplicate and for an unknown user, HTTP's answer would be 409
and 404). ``status_code`` keeps the real status, and one raised for a 400 is also
a ``BadRequestError``, so ``except BadRequestError`` code written against the
official SDK keeps catching what it caught there.

Every error carries ``may_have_been_applied``: ``True`` when a write (POST,
PATCH, DELETE) failed in a way that leaves open whether the server acted on it,
so an agent can check before resending. See ``docs/retries.md``.

The official SDK's names stay importable for code that migrates:
``UnauthorizedError`` is ``AuthenticationError`` and ``ApiError`` is ``APIStatusError``.

Bad arguments are not in the tree: they raise the built-in ``TypeError`` or
``ValueError`` naming the parameter, before anything is sent.

Errors hold plain data (never an aiohttp object), so they can be kept, logged,
pickled and raised again on another thread. None of them ever holds the API key.
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
    "AlreadyExistsError",
    "ApiError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConflictError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "SessionEndedError",
    "UnauthorizedError",
    "UnprocessableEntityError",
    "UserNotFoundError",
    "ZepError",
    "status_error_class",
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

    method: str | None
    url: str | None
    attempts: int
    may_have_been_applied: bool

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
        if method == "DELETE" and isinstance(self, NotFoundError):
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


class APITimeoutError(APIConnectionError):
    """An attempt exceeded ``timeout``, or the call exceeded ``total_timeout``."""


class ClientClosedError(ZepError, RuntimeError):
    """The client was closed: the call was made after ``close``/``aclose`` began, or it
    was still running when they did, so it was stopped (a write may have been applied).

    It is also a ``RuntimeError``, which a call on a closed client raised before this
    class existed, so ``except RuntimeError`` keeps working.
    """


class APIResponseValidationError(ZepError):
    """The server answered 2xx, but the body is not JSON of the shape the API promises.

    Attributes:
        status_code: The (successful) HTTP status of the response.
        body: An excerpt of the raw body, at most a few hundred characters.
        errors: One message per problem, naming where it is (``$.sessions[3].created_at``).
        request_id: The server's request id, if it sent one.
    """

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
        # The outcome classes raised for a 400 are private; show the public name.
        name = next(c.__name__ for c in type(self).__mro__ if not c.__name__.startswith("_"))
        return (
            f"{name}(status_code={self.status_code!r}, "
            f"message={self.message!r}, request_id={self.request_id!r})"
        )


class BadRequestError(APIStatusError):
    """400: the server rejected a parameter."""

    default_status = 400


class AuthenticationError(APIStatusError):
    """401: the API key is missing, wrong or revoked."""

    default_status = 401


class PermissionDeniedError(APIStatusError):
    """403: the key is valid but may not do this."""

    default_status = 403


class NotFoundError(APIStatusError):
    """404: no such session (or no such endpoint at this base URL)."""

    default_status = 404


class ConflictError(APIStatusError):
    """409: the request conflicts with the current state."""

    default_status = 409


class AlreadyExistsError(ConflictError):
    """What a create asked for already exists: a duplicate ``session_id``, ``user_id``
    or message ``uuid``.

    Chosen from the server's message ("... already exists ..."), for a 409 and
    for the 400 the Community Edition sends. ``status_code`` is the real status;
    one raised for a 400 is also a ``BadRequestError``, as the official SDK
    raised it. After a write that may have been applied (``may_have_been_applied``)
    it usually means the earlier attempt succeeded.
    """

    default_status = 409


class SessionEndedError(ConflictError):
    """The session has ended, so it cannot be changed (409 "session ended").

    One raised for a 400 with that message is also a ``BadRequestError``.
    """

    default_status = 409


class UserNotFoundError(NotFoundError):
    """The ``user_id`` given does not name an existing user.

    The Community Edition answers a session create with an unknown user with
    400 "user not found": that error is a ``UserNotFoundError`` (catch it as a
    ``NotFoundError`` if you like) and also a ``BadRequestError``, with
    ``status_code`` 400. A 404 is only this class when the message names the user.
    """

    default_status = 404


class _AlreadyExistsBadRequestError(AlreadyExistsError, BadRequestError):
    """``AlreadyExistsError`` raised for a 400."""

    default_status = 400


class _SessionEndedBadRequestError(SessionEndedError, BadRequestError):
    """``SessionEndedError`` raised for a 400."""

    default_status = 400


class _UserNotFoundBadRequestError(UserNotFoundError, BadRequestError):
    """``UserNotFoundError`` raised for a 400."""

    default_status = 400


class UnprocessableEntityError(APIStatusError):
    """422: the request was well-formed but its content was refused."""

    default_status = 422


class RateLimitError(APIStatusError):
    """429: too many requests; ``retry_after`` says how long the server asked to wait."""

    default_status = 429


class InternalServerError(APIStatusError):
    """500 and above: the server, or something in front of it, failed."""

    default_status = 500


#: The official SDK's name for ``AuthenticationError``.
UnauthorizedError = AuthenticationError

#: The official SDK's name for ``APIStatusError``, the base of every status error.
ApiError = APIStatusError

_STATUS_TO_ERROR: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


#: (words in the server's message, class for its own status, class for a 400).
_OUTCOMES: tuple[tuple[tuple[str, ...], type[APIStatusError], type[APIStatusError]], ...] = (
    (("already exists",), AlreadyExistsError, _AlreadyExistsBadRequestError),
    (("session ended", "session has ended"), SessionEndedError, _SessionEndedBadRequestError),
    (("user not found", "user does not exist"), UserNotFoundError, _UserNotFoundBadRequestError),
)
#: Only the start of a message is searched: the words are at its start, and a
#: hostile server's message may be long.
_OUTCOME_CHARS = 500


def status_error_class(status_code: int, message: str = "") -> type[APIStatusError]:
    """Return the exception class raised for ``status_code`` and the server's ``message``.

    A 400, 404 or 409 whose message says what happened gets an outcome class
    (``AlreadyExistsError``, ``SessionEndedError``, ``UserNotFoundError``; the
    words are matched case-insensitively). Statuses without a class of their own
    get ``InternalServerError`` at 500 and above and plain ``APIStatusError`` otherwise.
    """
    if message and status_code in (400, 404, 409):
        text = message[:_OUTCOME_CHARS].lower()
        for words, outcome, bad_request in _OUTCOMES:
            if any(word in text for word in words):
                if status_code == 400:
                    return bad_request
                if status_code == outcome.default_status:
                    return outcome
    cls = _STATUS_TO_ERROR.get(status_code)
    if cls is not None:
        return cls
    return InternalServerError if status_code >= 500 else APIStatusError


def excerpt(text: str, limit: int = _EXCERPT_CHARS) -> str:
    """Shorten ``text`` to ``limit`` characters on one line, for messages."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
