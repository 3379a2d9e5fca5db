"""LocalZep's faults on writes (fail after applying included), the request log, bounds, IPv6."""

from __future__ import annotations

import asyncio
import io
import json
import socket
from datetime import datetime

import aiohttp
import pytest

from tests.local_zep_support import KEY, Api, ce, cloud, http_client, msg
from zep_async.testing import LocalZep

__all__ = ["ce", "cloud", "http_client"]


async def test_fail_after_applying_stores_the_write_then_answers_500(cloud: Api) -> None:
    """The session is created, yet the client sees 500; a resend then meets "already exists"."""
    cloud.server.fail_after_applying("add_session")
    assert await cloud("POST", "/sessions", body={"session_id": "s"}) == (
        500,
        {"message": "Internal Server Error"},
    )
    assert [s["session_id"] for s in cloud.server.sessions] == ["s"]
    assert cloud.server.count("add_session") == 1
    resent = await cloud("POST", "/sessions", body={"session_id": "s"})
    assert resent == (400, {"message": "bad request: session already exists with session_id: s"})


async def test_plain_fail_does_not_store_the_write(cloud: Api) -> None:
    """fail() without after_applying answers before the write: nothing is stored."""
    cloud.server.add_session("s")
    cloud.server.fail("add_memory", 503)
    status, _ = await cloud("POST", "/sessions/{}/memory", "s", body={"messages": [msg("x")]})
    assert status == 503
    assert cloud.server.messages("s") == []


async def test_drop_after_applying_stores_the_messages(cloud: Api) -> None:
    """The messages are stored, then the connection closes without an answer."""
    cloud.server.add_session("s")
    cloud.server.drop_connection("add_memory", after_applying=True)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await cloud("POST", "/sessions/{}/memory", "s", body={"messages": [msg("x")]})
    assert [m["content"] for m in cloud.server.messages("s")] == ["x"]
    assert cloud.server.count("add_memory") == 1


async def test_drop_before_applying_stores_nothing(cloud: Api) -> None:
    """A plain drop closes the connection before the write is handled."""
    cloud.server.drop_connection("add_user")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await cloud("POST", "/users", body={"user_id": "u"})
    assert cloud.server.users == []
    assert cloud.server.count("add_user") == 1


async def test_cut_body_applies_the_write(cloud: Api) -> None:
    """A cut answer comes after the write: the user exists though the client read half a body."""
    cloud.server.cut_body("add_user")
    with pytest.raises(aiohttp.ClientPayloadError):
        await cloud("POST", "/users", body={"user_id": "u"})
    assert [u["user_id"] for u in cloud.server.users] == ["u"]


async def test_stall_of_a_write_applies_nothing(cloud: Api) -> None:
    """A stalled update is never handled; the client's timeout ends it."""
    cloud.server.add_session("s", metadata={"a": 1})
    cloud.server.stall("update_session")
    with pytest.raises(TimeoutError):
        async with cloud.client.patch(
            cloud.url("/sessions/{}", "s"),
            json={"metadata": {"a": 2}},
            timeout=aiohttp.ClientTimeout(total=0.2),
        ) as response:
            await response.read()
    assert cloud.server.sessions[0]["metadata"] == {"a": 1}


async def test_delay_then_apply(cloud: Api) -> None:
    """A delayed delete is done after the wait and answered normally."""
    cloud.server.add_session("s")
    cloud.server.delay("delete_session", 0.01, times=1)
    assert await cloud("DELETE", "/sessions/{}/memory", "s") == (200, {"message": "OK"})
    assert cloud.server.sessions == []


_UUID = "0b6f2f4e-3f65-4c51-9d4b-2a1f6c7d8e90"
_CALLS = {
    "add_session": ("POST", "/sessions"),
    "get_session": ("GET", "/sessions/s"),
    "list_sessions": ("GET", "/sessions-ordered"),
    "update_session": ("PATCH", "/sessions/s"),
    "delete_session": ("DELETE", "/sessions/s/memory"),
    "end_session": ("POST", "/sessions/s/end"),
    "end_sessions": ("POST", "/sessions/end"),
    "add_memory": ("POST", "/sessions/s/memory"),
    "get_memory": ("GET", "/sessions/s/memory"),
    "get_session_messages": ("GET", "/sessions/s/messages"),
    "get_session_message": ("GET", f"/sessions/s/messages/{_UUID}"),
    "update_message_metadata": ("PATCH", f"/sessions/s/messages/{_UUID}"),
    "search_memory": ("POST", "/sessions/s/search"),
    "search_sessions": ("POST", "/sessions/search"),
    "add_user": ("POST", "/users"),
    "get_user": ("GET", "/users/u"),
    "update_user": ("PATCH", "/users/u"),
    "delete_user": ("DELETE", "/users/u"),
    "list_users": ("GET", "/users-ordered"),
    "get_user_sessions": ("GET", "/users/u/sessions"),
    "get_session_facts": ("GET", "/sessions/s/facts"),
    "add_session_facts": ("POST", "/sessions/s/facts"),
    "classify_session": ("POST", "/sessions/s/classify"),
    "extract_data": ("POST", "/sessions/s/extract"),
    "get_summaries": ("GET", "/sessions/s/summary"),
    "synthesize_question": ("GET", "/sessions/s/synthesize_question"),
    "get_fact": ("GET", f"/facts/{_UUID}"),
    "delete_fact": ("DELETE", f"/facts/{_UUID}"),
    "get_user_facts": ("GET", "/users/u/facts"),
    "get_user_node": ("GET", "/users/u/node"),
}


@pytest.mark.parametrize("route", LocalZep.ROUTES)
async def test_every_route_takes_faults_and_counts(cloud: Api, route: str) -> None:
    """Each route is recorded under its name, counted, and answered by its scripted fault."""
    method, path = _CALLS[route]
    cloud.server.fail(route, 418, json={"route": route}, after_applying=True)
    assert await cloud(method, path, body={}) == (418, {"route": route})
    assert cloud.server.requests[0].route == route
    assert (cloud.server.count(route), cloud.server.count()) == (1, 1)
    await cloud.server.wait_for_requests_async(1, route=route)
    assert (await cloud(method, path, body={}))[0] != 418  # one time only


async def test_routes_are_the_sdk_method_names() -> None:
    """The route names are the SDK's method names, get_session and list_sessions kept."""
    assert set(LocalZep.ROUTES) == {
        "add_session", "get_session", "list_sessions", "update_session", "delete_session",
        "end_session", "end_sessions", "add_memory", "get_memory", "get_session_messages",
        "get_session_message", "update_message_metadata", "search_memory", "search_sessions",
        "add_user", "get_user", "update_user", "delete_user", "list_users", "get_user_sessions",
        "get_session_facts", "add_session_facts", "classify_session", "extract_data",
        "get_summaries", "synthesize_question", "get_fact", "delete_fact", "get_user_facts",
        "get_user_node",
    }  # fmt: skip
    with pytest.raises(ValueError, match="route"):
        LocalZep().fail("add_sessions", 500)


async def test_requests_record_body_and_json(cloud: Api) -> None:
    """Each request keeps its body bytes, and its parsed JSON when it is JSON."""
    cloud.server.add_session("s")
    await cloud("POST", "/sessions/{}/memory", "s", body={"messages": [msg("x")]})
    await cloud("POST", "/users", body=b"not json")
    await cloud("GET", "/sessions/{}", "s")
    first, second, third = cloud.server.requests
    assert first.body == b'{"messages": [{"content": "x", "role_type": "user"}]}'
    assert first.json == {"messages": [{"content": "x", "role_type": "user"}]}
    assert (first.route, first.session_id) == ("add_memory", "s")
    assert (second.body, second.json, third.body, third.json) == (b"not json", None, b"", None)
    assert cloud.server.count("add_memory") == 1


async def test_async_wait_counts_a_write_route(cloud: Api) -> None:
    """wait_for_requests_async(route=...) wakes on a write route."""
    cloud.server.add_session("s")
    await cloud("PATCH", "/sessions/{}", "s", body={"metadata": {}})
    await cloud.server.wait_for_requests_async(1, route="update_session")


async def test_request_log_keeps_only_the_last_ones(http_client: aiohttp.ClientSession) -> None:
    """log_limit bounds the kept requests; count() still counts every one."""
    async with LocalZep(api_key=KEY, log_limit=3) as server:
        api = Api(server, http_client)
        for n in range(5):
            await api("GET", "/sessions/{}", f"s{n}")
        assert [r.session_id for r in server.requests] == ["s2", "s3", "s4"]
        assert (server.count(), server.count("get_session")) == (5, 5)


def test_log_limit_is_checked() -> None:
    """A negative or non-integer log_limit is refused."""
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="log_limit"):
            LocalZep(log_limit=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="flavor"):
        LocalZep(flavor="enterprise")  # type: ignore[arg-type]


async def test_body_over_5_mib_is_413(cloud: Api) -> None:
    """A body past the Community Edition's 5 MiB limit gets 413 and is not stored."""
    cloud.server.add_session("s")
    big = json.dumps({"messages": [msg("x" * (5 * 1024 * 1024))]}).encode()
    url = cloud.url("/sessions/{}/memory", "s")
    async with cloud.client.post(url, data=io.BytesIO(big)) as response:
        assert response.status == 413
        assert await response.json() == {"message": "request body too large"}
    assert cloud.server.messages("s") == []


def _ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback here")
async def test_ipv6_host_serves(http_client: aiohttp.ClientSession) -> None:
    """LocalZep(host="::1") listens on IPv6 and its root_url brackets the host (issue 14.8)."""
    async with LocalZep(api_key=KEY, host="::1") as server:
        assert server.root_url.startswith("http://[::1]:")
        server.add_session("s")
        assert (await Api(server, http_client)("GET", "/sessions/{}", "s"))[0] == 200


async def test_deeply_nested_body_is_400_not_500(cloud: Api) -> None:
    """A body nested past 200 levels is refused with 400, so nothing stored is unwritable."""
    deep = '{"session_id":"d","metadata":' + '{"a":' * 200 + "1" + "}" * 200 + "}"
    status, body = await cloud("POST", "/sessions", body=deep.encode())
    assert status == 400
    assert "nested over 200 levels" in body["message"]
    assert cloud.server.sessions == []


async def test_concurrent_appends_keep_every_message_once(cloud: Api) -> None:
    """Fifty concurrent add_memory calls store fifty messages, each once, in arrival order."""
    cloud.server.add_session("s")
    bodies = [{"messages": [msg(f"m{n}")]} for n in range(50)]
    results = await asyncio.gather(
        *(cloud("POST", "/sessions/{}/memory", "s", body=body) for body in bodies)
    )
    assert all(status == 200 for status, _ in results)
    stored = cloud.server.messages("s")
    assert sorted(m["content"] for m in stored) == sorted(f"m{n}" for n in range(50))
    assert len({m["uuid"] for m in stored}) == 50
    stamps = [datetime.fromisoformat(m["created_at"]) for m in stored]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == 50


def test_seeding_helpers_check_their_arguments() -> None:
    """add_messages needs a stored session; remove_user cascades; duplicates are refused."""
    server = LocalZep()
    with pytest.raises(KeyError):
        server.add_messages("nope", [msg("x")])
    server.add_user("u")
    with pytest.raises(ValueError, match="already exists"):
        server.add_user("u")
    server.add_session("s", user_id="u")
    server.add_messages("s", [msg("x")])
    server.remove_user("u")
    assert (server.users, server.sessions, server.messages("s")) == ([], [], [])
