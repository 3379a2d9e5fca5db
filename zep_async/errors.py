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
official SDK keeps catching what it caught there: it is an instance of the public
``AlreadyExistsBadRequestError`` (``SessionEndedBadRequestError``,
``UserNotFoundBadRequestError``), a subclass of both, so its type name in a
traceback says both facts.

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

from ._error_base import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ClientClosedError,
    ZepError,
)
from ._error_base import excerpt as excerpt  # (where the SDK's modules have always found it)

__all__ = [
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AlreadyExistsBadRequestError",
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
    "SessionEndedBadRequestError",
    "SessionEndedError",
    "UnauthorizedError",
    "UnprocessableEntityError",
    "UserNotFoundBadRequestError",
    "UserNotFoundError",
    "ZepError",
    "status_error_class",
]


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
    _gone = True


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


class AlreadyExistsBadRequestError(AlreadyExistsError, BadRequestError):
    """``AlreadyExistsError`` raised for a 400 (the Community Edition's status for it)."""

    default_status = 400


class SessionEndedBadRequestError(SessionEndedError, BadRequestError):
    """``SessionEndedError`` raised for a 400."""

    default_status = 400


class UserNotFoundBadRequestError(UserNotFoundError, BadRequestError):
    """``UserNotFoundError`` raised for a 400 (the Community Edition's status for it)."""

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
    (("already exists",), AlreadyExistsError, AlreadyExistsBadRequestError),
    (("session ended", "session has ended"), SessionEndedError, SessionEndedBadRequestError),
    (("user not found", "user does not exist"), UserNotFoundError, UserNotFoundBadRequestError),
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
