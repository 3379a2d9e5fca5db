"""The exception tree and what each error carries."""

from __future__ import annotations

import pickle

import pytest

from zep_async import errors


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, errors.BadRequestError),
        (401, errors.AuthenticationError),
        (403, errors.PermissionDeniedError),
        (404, errors.NotFoundError),
        (409, errors.ConflictError),
        (422, errors.UnprocessableEntityError),
        (429, errors.RateLimitError),
        (500, errors.InternalServerError),
        (502, errors.InternalServerError),
        (503, errors.InternalServerError),
        (504, errors.InternalServerError),
        (599, errors.InternalServerError),
        (408, errors.APIStatusError),
        (410, errors.APIStatusError),
        (413, errors.APIStatusError),
        (302, errors.APIStatusError),
    ],
)
def test_status_maps_to_class(status: int, cls: type[errors.APIStatusError]) -> None:
    """Each status raises its own class, 5xx fall back to InternalServerError."""
    assert errors.status_error_class(status) is cls


def test_tree() -> None:
    """Timeouts are connection errors; everything is a ZepError."""
    assert issubclass(errors.APITimeoutError, errors.APIConnectionError)
    for name in errors.__all__:
        item = getattr(errors, name)
        if isinstance(item, type):
            assert issubclass(item, errors.ZepError)


def test_status_error_str_reads_like_a_status_line() -> None:
    """str() gives status, reason, the server's message and the request id."""
    error = errors.NotFoundError("not found", status_code=404, request_id="req-7")
    assert str(error) == "404 Not Found: not found (request id req-7)"
    assert repr(error) == "NotFoundError(status_code=404, message='not found', request_id='req-7')"
    assert str(errors.APIStatusError("", status_code=599)) == "599 Error"


def test_errors_pickle_with_their_data() -> None:
    """Errors survive pickling (multiprocessing, task queues) with every attribute."""
    error = errors.RateLimitError(
        "slow down",
        status_code=429,
        body={"message": "slow down"},
        request_id="req-1",
        headers={"Retry-After": "3"},
        retry_after=3.0,
        method="GET",
        url="http://x/api/v2/sessions/a",
        attempts=3,
    )
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is errors.RateLimitError
    assert vars(copy) == vars(error)
    assert str(copy) == str(error)
    timeout = pickle.loads(pickle.dumps(errors.APITimeoutError("late", attempts=2)))
    assert (type(timeout), timeout.attempts, str(timeout)) == (errors.APITimeoutError, 2, "late")


OUTCOMES = [
    (
        400,
        "bad request: session already exists with session_id: chat-42",
        errors.AlreadyExistsError,
    ),
    (400, "bad request: user already exists with user_id: u-7", errors.AlreadyExistsError),
    (409, "session already exists", errors.AlreadyExistsError),
    (409, "Already Exists", errors.AlreadyExistsError),
    (400, "bad request: message_uuid already exists", errors.AlreadyExistsError),
    (400, "user not found", errors.UserNotFoundError),
    (400, "bad request: user does not exist with user_id: ", errors.UserNotFoundError),
    (404, "user not found", errors.UserNotFoundError),
    (409, "session ended: session has ended", errors.SessionEndedError),
    (400, "session ended: session has ended", errors.SessionEndedError),
]


@pytest.mark.parametrize(("status", "message", "outcome"), OUTCOMES)
def test_outcomes_are_recognised_whatever_the_status(
    status: int, message: str, outcome: type[errors.APIStatusError]
) -> None:
    """A duplicate, an unknown user, an ended session: one class each, the status kept."""
    cls = errors.status_error_class(status, message)
    error = cls(message, status_code=status)
    assert isinstance(error, outcome)
    assert error.status_code == status
    # A 400 stays a BadRequestError, as the official SDK raised it; other statuses keep theirs.
    assert isinstance(error, errors.BadRequestError) == (status == 400)
    assert isinstance(error, errors.status_error_class(status))
    # The class's own public name: for a 400, AlreadyExistsBadRequestError and the like.
    assert repr(error).startswith(f"{cls.__name__}(status_code={status}")
    assert outcome.__name__.removesuffix("Error") in type(error).__name__
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert copy.status_code == status


def test_outcome_classes_sit_in_the_tree() -> None:
    """A duplicate and an ended session are conflicts; an unknown user is a not-found."""
    assert issubclass(errors.AlreadyExistsError, errors.ConflictError)
    assert issubclass(errors.SessionEndedError, errors.ConflictError)
    assert issubclass(errors.UserNotFoundError, errors.NotFoundError)


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (400, "bad request: sessionID cannot be empty"),
        (404, "not found"),
        (409, "conflict"),
        (500, "session already exists"),  # a 5xx is never an outcome
        (422, "user not found"),
        (400, "x" * 600 + " already exists"),  # only the start of a message is read
    ],
)
def test_other_messages_keep_the_plain_class(status: int, message: str) -> None:
    """Without the words, or on another status, the class is the status's own."""
    assert errors.status_error_class(status, message) is errors.status_error_class(status)


def test_may_have_been_applied_is_an_attribute_and_a_sentence() -> None:
    """False by default everywhere; when set, str() says so and how to act, message unchanged."""
    for error in (
        errors.ZepError("x"),
        errors.APIConnectionError("x"),
        errors.InternalServerError("x", status_code=500),
        errors.APIResponseValidationError("x", status_code=200, body=""),
    ):
        assert error.may_have_been_applied is False
    error = errors.InternalServerError(
        "boom", status_code=500, method="POST", may_have_been_applied=True
    )
    assert str(error) == (
        "500 Internal Server Error: boom; this POST may have been applied: "
        "check before sending it again"
    )
    assert error.message == "boom"
    timeout = errors.APITimeoutError("PATCH u timed out", method="PATCH")
    timeout.may_have_been_applied = True
    assert str(timeout).endswith("this PATCH may have been applied: check before sending it again")
    assert pickle.loads(pickle.dumps(timeout)).may_have_been_applied is True
    gone = errors.NotFoundError(
        "not found", status_code=404, method="DELETE", may_have_been_applied=True
    )
    assert "may already have deleted it" in str(gone)
