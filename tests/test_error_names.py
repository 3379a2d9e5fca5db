"""Public names only: no error a server answer can produce shows a private class or module."""

from __future__ import annotations

import json
import pickle
import re

import pytest

from tests.conftest import local_client
from zep_async import errors
from zep_async._failures import status_error
from zep_async.testing import LocalZep

#: A private name as it would show in text: ``_Name`` or ``module._name``.
PRIVATE = re.compile(r"(?<![A-Za-z0-9])_[A-Za-z]")
STATUSES = [302, 400, 401, 403, 404, 405, 409, 410, 413, 422, 429, 500, 502, 503, 504, 599]
MESSAGES = [
    "",
    "session already exists",
    "bad request: message_uuid already exists",
    "session ended: session has ended",
    "user not found",
    "bad request: user does not exist with user_id: u",
    "something else",
]


def _assert_public(error: BaseException) -> None:
    cls = type(error)
    assert not cls.__name__.startswith("_"), cls.__name__
    assert not any(part.startswith("_") for part in cls.__qualname__.split(".")), cls.__qualname__
    assert cls.__module__ in ("zep_async.errors", "zep_async"), cls.__module__
    assert not any(part.startswith("_") for part in cls.__module__.split("."))
    assert getattr(errors, cls.__name__) is cls  # importable under the name it shows
    for text in (repr(error), str(error)):
        assert not PRIVATE.search(text), text


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("message", MESSAGES)
@pytest.mark.parametrize("applied", [False, True])
def test_every_status_error_has_public_names(status: int, message: str, applied: bool) -> None:
    """Each class the transport builds from a status and message shows only public names."""
    body = json.dumps({"message": message}).encode() if message else b""
    error = status_error(status, None, {"X-Zep-Request-ID": "r-1"}, body, "DELETE", "http://h/x")
    error.may_have_been_applied = applied
    _assert_public(error)
    _assert_public(pickle.loads(pickle.dumps(error)))


@pytest.mark.parametrize("name", errors.__all__)
def test_every_public_error_class_lives_in_errors(name: str) -> None:
    """Every class in zep_async.errors says it is zep_async.errors.<its own name>."""
    item = getattr(errors, name)
    if isinstance(item, type):
        assert item.__module__ == "zep_async.errors"
        assert item.__qualname__ in (name, item.__name__)
        assert not item.__name__.startswith("_")


def test_transport_errors_have_public_names() -> None:
    """The errors raised without a status (connection, timeout, closed, bad body) too."""
    for error in (
        errors.APIConnectionError("m", method="POST", may_have_been_applied=True),
        errors.APITimeoutError("m", method="GET"),
        errors.ClientClosedError("m", method="PATCH", may_have_been_applied=True),
        errors.APIResponseValidationError("m", status_code=200, body="{}"),
    ):
        _assert_public(error)


async def test_a_duplicate_over_the_wire_is_raised_under_a_public_name(
    local_zep: LocalZep,
) -> None:
    """A duplicate add_session (400 "already exists" from the server) shows a public class."""
    local_zep.add_session("s-1")
    async with local_client(local_zep, max_retries=0) as zep:
        with pytest.raises(errors.AlreadyExistsError) as caught:
            await zep.memory.add_session(session_id="s-1")
    assert isinstance(caught.value, errors.BadRequestError)
    _assert_public(caught.value)
    assert type(caught.value).__name__ == "AlreadyExistsBadRequestError"
