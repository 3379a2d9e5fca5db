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
