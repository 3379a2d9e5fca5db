"""Helpers for the LocalZep route tests: a plain aiohttp caller, never the SDK."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest_asyncio
import yarl

from zep_async.testing import LocalZep

KEY = "test-api-key"
AUTH = {"Authorization": f"Api-Key {KEY}"}


class Api:
    """Calls one LocalZep with raw HTTP; every id in a path is encoded as one segment."""

    def __init__(self, server: LocalZep, client: aiohttp.ClientSession) -> None:
        self.server = server
        self.client = client

    def url(self, path: str, *ids: str) -> yarl.URL:
        """``path`` with ``{}`` placeholders filled by the encoded ``ids``."""
        segments = [quote(i, safe="").replace(".", "%2E") for i in ids]
        return yarl.URL(self.server.base_url + path.format(*segments), encoded=True)

    async def raw(
        self, method: str, path: str, *ids: str, body: Any = None, **params: str
    ) -> tuple[int, bytes, dict[str, str]]:
        """Send one request; return status, raw body and headers."""
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        async with self.client.request(
            method, self.url(path, *ids), data=data, params=params or None, headers=headers
        ) as response:
            return response.status, await response.read(), dict(response.headers)

    async def __call__(
        self, method: str, path: str, *ids: str, body: Any = None, **params: str
    ) -> tuple[int, Any]:
        """Send one request; return status and the JSON body (None when not JSON)."""
        status, raw, _ = await self.raw(method, path, *ids, body=body, **params)
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode()


@pytest_asyncio.fixture
async def http_client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers=AUTH) as session:
        yield session


@pytest_asyncio.fixture
async def cloud(http_client: aiohttp.ClientSession) -> AsyncIterator[Api]:
    """A Cloud-flavored LocalZep and a caller."""
    async with LocalZep(api_key=KEY) as server:
        yield Api(server, http_client)


@pytest_asyncio.fixture
async def ce(http_client: aiohttp.ClientSession) -> AsyncIterator[Api]:
    """A Community Edition LocalZep and a caller."""
    async with LocalZep(api_key=KEY, flavor="ce") as server:
        yield Api(server, http_client)


def msg(content: str, role_type: str = "user", **extra: Any) -> dict[str, Any]:
    """A message body."""
    return {"content": content, "role_type": role_type, **extra}
