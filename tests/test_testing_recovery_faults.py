"""LocalZep can fail after applying on every write route, and keeps client uuids, both flavors.

What a user needs to test their own code's recovery: each write route stores its write
and then answers 503 or 500, or drops the connection; a message uuid the client sets is
kept and its reuse refused with the contract's 400 on Cloud and the Community Edition.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from tests.local_zep_support import KEY, Api, http_client, msg
from zep_async.testing import LocalZep

__all__ = ["http_client"]

_MESSAGE = "0b6f5c1e-0000-4000-8000-00000000000a"


@pytest_asyncio.fixture(params=["cloud", "ce"])
async def api(
    request: pytest.FixtureRequest, http_client: aiohttp.ClientSession
) -> AsyncIterator[Api]:
    """A LocalZep of each flavor and a plain caller."""
    async with LocalZep(api_key=KEY, flavor=request.param) as server:
        yield Api(server, http_client)


def _seed(server: LocalZep) -> None:
    server.add_user("u")
    server.add_session("s", user_id="u", metadata={})
    server.add_messages("s", [{"content": "x", "role_type": "user", "uuid": _MESSAGE}])


def _session(server: LocalZep) -> dict[str, Any] | None:
    return next((s for s in server.sessions if s["session_id"] == "s"), None)


#: Per write route: (method, path, body, did the write happen?).
WRITES: dict[str, tuple[str, str, Any, Callable[[LocalZep], bool]]] = {
    "add_session": (
        "POST",
        "/sessions",
        {"session_id": "new"},
        lambda s: any(x["session_id"] == "new" for x in s.sessions),
    ),
    "update_session": (
        "PATCH",
        "/sessions/s",
        {"metadata": {"k": 1}},
        lambda s: (_session(s) or {}).get("metadata") == {"k": 1},
    ),
    "delete_session": ("DELETE", "/sessions/s/memory", None, lambda s: _session(s) is None),
    "add_memory": (
        "POST",
        "/sessions/s/memory",
        {"messages": [msg("y")]},
        lambda s: len(s.messages("s")) == 2,
    ),
    "update_message_metadata": (
        "PATCH",
        f"/sessions/s/messages/{_MESSAGE}",
        {"metadata": {"k": 1}},
        lambda s: s.messages("s")[0].get("metadata") == {"k": 1},
    ),
    "add_user": ("POST", "/users", {"user_id": "new"}, lambda s: len(s.users) == 2),
    "update_user": (
        "PATCH",
        "/users/u",
        {"metadata": {"k": 1}},
        lambda s: s.users[0].get("metadata") == {"k": 1},
    ),
    "delete_user": ("DELETE", "/users/u", None, lambda s: s.users == []),
}

FAULTS: dict[str, Callable[[LocalZep, str], None]] = {
    "503": lambda server, route: server.fail_after_applying(route, 503),
    "500": lambda server, route: server.fail_after_applying(route, 500),
    "dropped": lambda server, route: server.drop_connection(route, after_applying=True),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("route", sorted(WRITES))
async def test_every_write_route_fails_after_applying(api: Api, route: str, fault: str) -> None:
    """The write is applied, then the client gets the fault instead of the answer."""
    _seed(api.server)
    method, path, body, happened = WRITES[route]
    FAULTS[fault](api.server, route)
    if fault == "dropped" and method == "DELETE":
        # aiohttp itself resends an idempotent request once after a drop: it meets a 404.
        assert (await api(method, path, body=body))[0] == 404
        assert api.server.count(route) == 2
    elif fault == "dropped":
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await api(method, path, body=body)
    else:
        assert (await api(method, path, body=body))[0] == int(fault)
    assert happened(api.server)


async def test_a_client_uuid_is_kept_and_its_reuse_refused(api: Api) -> None:
    """Both flavors keep a client uuid and answer its reuse 400 'message_uuid already exists'."""
    api.server.add_session("s")
    given = str(uuid.uuid4())
    first = await api("POST", "/sessions/{}/memory", "s", body={"messages": [msg("a", uuid=given)]})
    assert first[0] in (200, 201)
    again = await api("POST", "/sessions/{}/memory", "s", body={"messages": [msg("b", uuid=given)]})
    assert again == (400, {"message": "bad request: message_uuid already exists"})
    assert [m["uuid"] for m in api.server.messages("s")] == [given]
