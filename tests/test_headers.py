"""Header precedence: per call beats client-wide beats the SDK's own, names case-insensitive.

Checked on what arrives over loopback, every header line counted, for every
spelling of the name on each side, so that no merge of plain dicts can depend on
the order in which differently spelled keys meet.
"""

from __future__ import annotations

import itertools

import pytest

from zep_async import AsyncZep, AuthenticationError, RequestOptions, Zep
from zep_async.testing import LocalZep

from .write_support import CaptureServer, send

SPELLINGS = ["Authorization", "authorization", "AUTHORIZATION", "aUtHoRiZaTiOn"]
KEY = "sk-header-test-key"


async def _arrived(
    client_headers: dict[str, str] | None, call_headers: dict[str, str] | None, name: str
) -> list[str]:
    async with (
        CaptureServer() as server,
        AsyncZep(api_key=KEY, base_url=server.base_url, headers=client_headers) as zep,
    ):
        options = {"additional_headers": call_headers} if call_headers else None
        await send(zep, "GET", "/sessions/s", body=None, request_options=options)  # type: ignore[arg-type]
        await send(zep, "POST", "/sessions", request_options=options)  # type: ignore[arg-type]
    get, post = server.requests
    assert get.headers.getall(name) == post.headers.getall(name)
    return get.headers.getall(name)


async def test_the_key_goes_out_when_nobody_sets_authorization() -> None:
    """Without headers of the caller's, Authorization is the api_key's, once."""
    assert await _arrived(None, None, "Authorization") == [f"Api-Key {KEY}"]


@pytest.mark.parametrize("spelling", SPELLINGS)
async def test_client_headers_replace_the_sdks_own(spelling: str) -> None:
    """headers={'authorization': ...} replaces the Api-Key header, in every spelling."""
    arrived = await _arrived({spelling: "Bearer a"}, None, "Authorization")
    assert arrived == ["Bearer a"]


@pytest.mark.parametrize(
    ("client", "call"), list(itertools.product(SPELLINGS, SPELLINGS)), ids="-".join
)
async def test_per_call_headers_beat_client_headers(client: str, call: str) -> None:
    """additional_headers win over headers= whatever either spelling (issue 13.7)."""
    arrived = await _arrived({client: "Bearer a"}, {call: "Bearer b"}, "Authorization")
    assert arrived == ["Bearer b"]


@pytest.mark.parametrize("spelling", SPELLINGS)
async def test_per_call_headers_beat_the_sdks_own(spelling: str) -> None:
    """A per-call Authorization (another project's key, say) replaces the client's key."""
    assert await _arrived(None, {spelling: "Api-Key other"}, "Authorization") == ["Api-Key other"]


@pytest.mark.parametrize(
    ("client", "call"),
    [("user-agent", "USER-AGENT"), ("X-Trace", "x-trace"), ("accept", "Accept")],
)
async def test_every_header_follows_the_same_rule(client: str, call: str) -> None:
    """Not only Authorization: any name, per call > client > default, one line each."""
    assert await _arrived({client: "from-client"}, None, client) == ["from-client"]
    assert await _arrived({client: "from-client"}, {call: "from-call"}, client) == ["from-call"]


def test_the_sync_client_merges_the_same_way() -> None:
    """Zep takes the same headers and the same per-call override."""
    server = LocalZep(api_key=KEY)
    server.add_session("s")
    with (
        server.run_in_thread(),
        Zep(
            api_key="not-the-key",
            base_url=server.base_url,
            headers={"authorization": "Api-Key still-not-it"},
        ) as zep,
    ):
        with pytest.raises(AuthenticationError):
            zep.memory.get_session("s")
        options: RequestOptions = {"additional_headers": {"AUTHORIZATION": f"Api-Key {KEY}"}}
        assert zep.memory.get_session("s", request_options=options).session_id == "s"
    sent = [
        [value for name, value in request.headers.items() if name.lower() == "authorization"]
        for request in server.requests
    ]
    assert sent == [["Api-Key still-not-it"], [f"Api-Key {KEY}"]]
