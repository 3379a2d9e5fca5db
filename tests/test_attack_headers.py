"""Attacks on header merging: headers that frame the request are the SDK's, never the caller's.

Forwarding an incoming request's headers (``additional_headers=dict(request.headers)``
in a proxy endpoint) brings its ``Content-Length`` along. aiohttp sends it as given:
a POST's body was cut to that length on the wire (a corrupted write), and a GET
hung until its timeout waiting for a body. Both must be refused before sending.
"""

from __future__ import annotations

import pytest

from zep_async import AsyncZep

from .write_support import CaptureServer, send

FRAMING = ["Content-Length", "content-length", "TRANSFER-ENCODING", "Connection", "Upgrade"]


@pytest.mark.parametrize("name", FRAMING)
async def test_a_per_call_framing_header_is_refused_before_sending(name: str) -> None:
    async with CaptureServer(answer=b'{"session_id": "s"}') as server:
        client = AsyncZep(api_key="sk-test", base_url=server.base_url, max_retries=0)
        try:
            for method, body in (("POST", b'{"metadata":{"a":1}}'), ("GET", None)):
                with pytest.raises(ValueError, match="additional_headers") as caught:
                    await send(
                        client,
                        method,
                        "/sessions/s",
                        body=body,
                        request_options={"additional_headers": {name: "5"}},
                    )
                assert name in str(caught.value)
        finally:
            await client.aclose()
        assert server.requests == []


@pytest.mark.parametrize("name", FRAMING)
def test_a_client_framing_header_is_refused_at_construction(name: str) -> None:
    with pytest.raises(ValueError, match="headers"):
        AsyncZep(api_key="sk-test", base_url="http://127.0.0.1:9/api/v2", headers={name: "5"})


async def test_other_headers_still_merge_whatever_their_spelling() -> None:
    async with CaptureServer(answer=b'{"session_id": "s"}') as server:
        client = AsyncZep(
            api_key="sk-test", base_url=server.base_url, headers={"X-Trace": "client"}
        )
        try:
            await send(
                client,
                "POST",
                "/sessions/s",
                body=b"{}",
                request_options={"additional_headers": {"x-TRACE": "call"}},
            )
        finally:
            await client.aclose()
        (request,) = server.requests
        assert request.headers.getall("X-Trace") == ["call"]
        assert request.body == b"{}"
