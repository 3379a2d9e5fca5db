"""Attacks on LocalZep's write routes: a body Python's json reads but JSON has not.

``NaN`` or an escaped lone surrogate (``"\\ud800"``) in a write's body got past
the parser and crashed the handler when the store wrote the value back: a 500
with a traceback on the server's log, from a test double that must answer
every request the way the API would. Zep (Go) refuses both as invalid JSON.
"""

from __future__ import annotations

import aiohttp
import pytest

from zep_async.testing import LocalZep

BODIES = {
    "nan": b'{"session_id": "n", "user_id": "u1", "metadata": {"x": NaN}}',
    "infinity": b'{"session_id": "n", "user_id": "u1", "metadata": {"x": -Infinity}}',
    "lone surrogate": b'{"session_id": "\\ud800", "user_id": "u1"}',
    "lone surrogate key": b'{"session_id": "n", "user_id": "u1", "metadata": {"\\udc00": 1}}',
}


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
async def test_a_body_that_is_not_json_is_a_400_not_a_crash(
    local_zep: LocalZep, body: bytes
) -> None:
    local_zep.add_user("u1")
    headers = {"Authorization": f"Api-Key {local_zep.api_key}"}
    async with (
        aiohttp.ClientSession(headers=headers) as http,
        http.post(f"{local_zep.base_url}/sessions", data=body) as response,
    ):
        assert response.status == 400
        assert "invalid JSON" in (await response.json())["message"]
    assert local_zep.sessions == []


async def test_an_escaped_surrogate_pair_is_one_character(local_zep: LocalZep) -> None:
    local_zep.add_user("u1")
    headers = {"Authorization": f"Api-Key {local_zep.api_key}"}
    body = b'{"session_id": "smile-\\ud83d\\ude00", "user_id": "u1"}'
    async with (
        aiohttp.ClientSession(headers=headers) as http,
        http.post(f"{local_zep.base_url}/sessions", data=body) as response,
    ):
        assert response.status == 201
    assert [s["session_id"] for s in local_zep.sessions] == ["smile-\U0001f600"]
