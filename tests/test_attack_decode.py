"""Attacks on decoding: a 2xx body with values JSON does not have; a body unreadable.

Python's ``json`` reads ``NaN``, ``Infinity`` and ``1e999`` (an overflow to
infinity) although RFC 8259 has none of them. A session decoded from such a body
carried the value into the user's hands, and ``to_json`` then wrote ``NaN``: text
no JSON parser but Python's accepts. Such a body is not the API's JSON.
"""

from __future__ import annotations

import json

import aiohttp
import pytest

from zep_async import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    AsyncZep,
    BadRequestError,
    InternalServerError,
    NotFoundError,
    to_json,
)
from zep_async.testing import LocalZep

from .conftest import NO_WAIT
from .write_support import send


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"])
async def test_a_body_with_a_number_json_has_not_is_refused(
    local_zep: LocalZep, value: str
) -> None:
    body = '{"session_id": "s", "metadata": {"score": %s}}' % value  # noqa: UP031
    local_zep.fail("get_session", 200, body=body, content_type="application/json")
    async with AsyncZep(api_key=local_zep.api_key, base_url=local_zep.base_url) as client:
        with pytest.raises(APIResponseValidationError, match="not valid JSON") as caught:
            await client.memory.get_session("s")
    assert value.lstrip("-") in str(caught.value)


async def test_finite_numbers_and_other_encodings_still_decode(local_zep: LocalZep) -> None:
    body = '{"session_id": "é", "metadata": {"score": 1.5e3, "n": -0.0}}'.encode("utf-16")
    local_zep.fail("get_session", 200, body=body, content_type="application/json")
    async with AsyncZep(api_key=local_zep.api_key, base_url=local_zep.base_url) as client:
        session = await client.memory.get_session("s")
    assert session.metadata == {"score": 1500.0, "n": -0.0}
    assert json.loads(to_json(session))["session_id"] == "é"


BROKEN_GZIP = {"headers": {"Content-Encoding": "gzip"}, "content_type": "application/json"}


async def test_an_error_whose_body_cannot_be_decoded_keeps_its_status(local_zep: LocalZep) -> None:
    """A 404 with a body labelled gzip that is not: the status still says what happened.

    It used to become an ``APIConnectionError`` ("ClientPayloadError: 400 ..." from
    aiohttp's decoder): a GET was retried as if nothing had answered, and a write
    refused with a 4xx was reported as possibly applied.
    """
    local_zep.fail("get_session", 404, body='{"message": "not found"}', times=3, **BROKEN_GZIP)
    local_zep.add_user("u1")
    local_zep.fail("add_session", 400, body='{"message": "bad"}', **BROKEN_GZIP)
    async with AsyncZep(api_key=local_zep.api_key, base_url=local_zep.base_url) as client:
        with pytest.raises(NotFoundError) as missing:
            await client.memory.get_session("s")
        with pytest.raises(BadRequestError) as refused:
            await send(client, "POST", "/sessions", body=b'{"session_id": "s", "user_id": "u1"}')
    assert missing.value.status_code == 404
    assert missing.value.attempts == 1
    assert local_zep.count("get_session") == 1
    assert refused.value.may_have_been_applied is False
    assert refused.value.attempts == 1
    assert local_zep.count("add_session") == 1
    for error in (missing.value, refused.value):
        assert "could not be read" in str(error)
        assert "Can not decode content" in str(error)
        assert isinstance(error.__cause__, aiohttp.ClientPayloadError)


#: method -> (route, path, body, status) of a real LocalZep answer that is a 4xx.
REFUSALS = {
    "GET": ("get_session", "/sessions/missing", None, 404),
    "POST": ("add_session", "/sessions", b"{}", 400),
    "PATCH": ("update_session", "/sessions/missing", b"{}", 404),
    "DELETE": ("delete_session", "/sessions/missing/memory", None, 404),
}


@pytest.mark.parametrize("method", sorted(REFUSALS))
async def test_a_4xx_whose_body_is_cut_is_that_4xx_and_not_applied(
    local_zep: LocalZep, method: str
) -> None:
    """The status line is the answer: a cut 4xx is that 4xx, sent once, nothing applied."""
    route, path, body, status = REFUSALS[method]
    local_zep.cut_body(route)
    async with AsyncZep(
        api_key=local_zep.api_key, base_url=local_zep.base_url, retry_policy=NO_WAIT
    ) as client:
        with pytest.raises(APIStatusError) as caught:
            await send(client, method, path, body=body)
    error = caught.value
    assert error.status_code == status
    assert error.attempts == 1
    assert error.may_have_been_applied is False
    assert "may have been applied" not in str(error)
    assert "could not be read" in str(error)
    assert isinstance(error.__cause__, aiohttp.ClientPayloadError)
    assert error.request_id  # the headers arrived whole: the request id is kept
    assert local_zep.count(route) == 1
    assert local_zep.sessions == []


async def test_an_unreadable_5xx_is_retried_for_a_read_and_ambiguous_for_a_write(
    local_zep: LocalZep,
) -> None:
    """A 503 whose body cannot be decoded stays a 503: retried for a GET, not for a POST."""
    local_zep.fail("get_session", 503, body="<html>", times=3, **BROKEN_GZIP)
    local_zep.fail("add_session", 503, body="<html>", **BROKEN_GZIP)
    async with AsyncZep(
        api_key=local_zep.api_key, base_url=local_zep.base_url, retry_policy=NO_WAIT
    ) as client:
        with pytest.raises(InternalServerError) as read:
            await client.memory.get_session("s")
        with pytest.raises(InternalServerError) as write:
            await send(client, "POST", "/sessions", body=b'{"session_id": "s"}')
    assert read.value.attempts == 3  # the default max_retries=2
    assert read.value.may_have_been_applied is False
    assert write.value.attempts == 1
    assert write.value.may_have_been_applied is True
    assert local_zep.count("add_session") == 1


async def test_a_2xx_whose_body_cannot_be_read_is_still_a_lost_answer(
    local_zep: LocalZep,
) -> None:
    """A 2xx whose body is cut or undecodable: the write was applied, its answer lost."""
    local_zep.add_user("u1")
    local_zep.cut_body("add_session")
    local_zep.fail("update_session", 200, body="{}", **BROKEN_GZIP)
    local_zep.add_session("s2")
    async with AsyncZep(
        api_key=local_zep.api_key, base_url=local_zep.base_url, retry_policy=NO_WAIT
    ) as client:
        with pytest.raises(APIConnectionError) as cut:
            await send(client, "POST", "/sessions", body=b'{"session_id": "s1", "user_id": "u1"}')
        with pytest.raises(APIConnectionError) as garbled:
            await send(client, "PATCH", "/sessions/s2", body=b"{}")
    for error in (cut.value, garbled.value):
        assert not isinstance(error, APIStatusError)
        assert error.attempts == 1
        assert error.may_have_been_applied is True
    assert "s1" in [s["session_id"] for s in local_zep.sessions]
