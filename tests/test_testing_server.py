"""LocalZep, the local Zep server: routing, store, paging, request log and scripted faults.

These tests drive the server with a plain aiohttp.ClientSession (or the standard
library from another thread), never with the SDK, so they stand on their own.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import threading
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
import pytest_asyncio
import yarl

from zep_async.testing import OMIT, LocalZep, RecordedRequest, format_go_timestamp

KEY = "test-api-key"
AUTH = {"Authorization": f"Api-Key {KEY}"}


@pytest_asyncio.fixture
async def server() -> AsyncIterator[LocalZep]:
    async with LocalZep(api_key=KEY) as local:
        yield local


@pytest_asyncio.fixture
async def http_client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers=AUTH) as session:
        yield session


def session_url(server: LocalZep, session_id: str) -> yarl.URL:
    """The URL of one session, its id encoded as one path segment (dots too)."""
    segment = quote(session_id, safe="").replace(".", "%2E")
    return yarl.URL(f"{server.base_url}/sessions/{segment}", encoded=True)


def raw_url(server: LocalZep, raw_path: str) -> yarl.URL:
    """A URL with exactly this raw path on the server."""
    return yarl.URL(server.root_url + raw_path, encoded=True)


async def get_json(
    client: aiohttp.ClientSession, url: str | yarl.URL, **params: str
) -> tuple[int, Any]:
    async with client.get(url, params=params or None) as response:
        if response.content_type == "text/plain":  # the router's 404 for an unknown path
            return response.status, await response.text()
        return response.status, await response.json(content_type=None)


async def list_ids(client: aiohttp.ClientSession, server: LocalZep, **params: str) -> list[str]:
    status, body = await get_json(client, f"{server.base_url}/sessions-ordered", **params)
    assert status == 200, body
    return [session["session_id"] for session in body["sessions"]]


# -- auth ----------------------------------------------------------------------------


async def test_missing_key_is_unauthorized(server: LocalZep) -> None:
    """A request without Authorization gets 401 {"message": "unauthorized"}."""
    server.add_session("s")
    async with aiohttp.ClientSession() as client:
        status, body = await get_json(client, session_url(server, "s"))
    assert (status, body) == (401, {"message": "unauthorized"})


@pytest.mark.parametrize(
    "value", ["Api-Key wrong-key", f"Bearer {KEY}", KEY, f"api-key {KEY}", f"Api-Key  {KEY}"]
)
async def test_wrong_key_is_unauthorized(server: LocalZep, value: str) -> None:
    """Anything but exactly `Api-Key <key>` gets 401, and the body never echoes a key."""
    async with (
        aiohttp.ClientSession(headers={"Authorization": value}) as client,
        client.get(f"{server.base_url}/sessions-ordered") as response,
    ):
        text = await response.text()
    assert response.status == 401
    assert json.loads(text) == {"message": "unauthorized"}
    assert KEY not in text
    assert "wrong-key" not in text


# -- get_session ---------------------------------------------------------------------


async def test_get_session_returns_the_stored_wire_dict(
    server: LocalZep, http_client: aiohttp.ClientSession
) -> None:
    """A stored session comes back as exactly the dict add_session returned."""
    stored = server.add_session("chat-1", user_id="u-1", metadata={"k": [1, 2]})
    async with http_client.get(session_url(server, "chat-1")) as response:
        assert response.headers["Content-Type"] == "application/json"
        body = await response.json()
    assert response.status == 200
    assert body == stored
    assert body["session_id"] == "chat-1"
    assert body["id"] == 1
    assert set(body) >= {"uuid", "created_at", "updated_at", "project_uuid", "ended_at"}


@pytest.mark.parametrize(
    "session_id",
    [
        "a/b",
        "a/b ?#%..",
        "what?page_size=1",
        "hash#tag",
        "100%",
        "%2F",
        "with space",
        "..",
        ".",
        "../sessions-ordered",
        "naïve-日本語-🙂",
        "plus+sign&amp=1",
    ],
)
async def test_awkward_ids_travel_as_one_segment(
    server: LocalZep, http_client: aiohttp.ClientSession, session_id: str
) -> None:
    """Ids with / ? # % spaces, dot-segments and non-ASCII reach their own session."""
    server.add_session("decoy")
    server.add_session(session_id, user_id="the-one")
    status, body = await get_json(http_client, session_url(server, session_id))
    assert status == 200
    assert (body["session_id"], body["user_id"]) == (session_id, "the-one")
    (request,) = server.requests
    assert (request.route, request.session_id) == ("get_session", session_id)


async def test_unknown_id_is_not_found(
    server: LocalZep, http_client: aiohttp.ClientSession
) -> None:
    """An id nobody stored gets 404 {"message": "not found"}."""
    server.add_session("known")
    status, body = await get_json(http_client, session_url(server, "unknown"))
    assert (status, body) == (404, {"message": "not found"})


@pytest.mark.parametrize(
    "raw_path",
    [
        "/api/v2/sessions/a/b",
        "/api/v2/sessions/",
        "/api/v2/sessions/known/",
        "/api/v2/sessions-ordered/",
        "/api/v2/other",
        "/",
    ],
)
async def test_other_paths_are_not_found(
    server: LocalZep, http_client: aiohttp.ClientSession, raw_path: str
) -> None:
    """Extra segments, an empty id or an unknown path get the router's text 404 and no route."""
    server.add_session("known")
    server.add_session("a")
    async with http_client.get(raw_url(server, raw_path), headers=AUTH) as response:
        answer = (response.status, response.content_type, await response.read())
    assert answer == (404, "text/plain", b"404 page not found\n")
    assert server.requests[0].route is None


async def test_undecodable_id_is_bad_request(
    server: LocalZep, http_client: aiohttp.ClientSession
) -> None:
    """A segment that is not percent-encoded UTF-8 gets 400."""
    status, body = await get_json(http_client, raw_url(server, "/api/v2/sessions/%FF%FE"))
    assert (status, body) == (400, {"message": "invalid value for sessionId"})
    assert server.requests[0].session_id is None


@pytest.mark.parametrize("method", ["POST", "DELETE", "PUT"])
async def test_wrong_method_is_not_allowed(
    server: LocalZep, http_client: aiohttp.ClientSession, method: str
) -> None:
    """A method a known path does not take gets 405 and the methods it takes in Allow."""
    server.add_session("s")
    async with http_client.request(method, session_url(server, "s")) as response:
        assert response.status == 405
        assert response.headers["Allow"] == "GET, PATCH"
        assert await response.json() == {"message": "method not allowed"}
    assert server.requests[0].route is None


# -- list_sessions -------------------------------------------------------------------


async def test_list_defaults_are_newest_ten(
    server: LocalZep, http_client: aiohttp.ClientSession
) -> None:
    """Without parameters: page 1 of 10, by row id descending, counts of all and this page."""
    for n in range(1, 13):
        server.add_session(f"s-{n:02d}")
    status, body = await get_json(http_client, f"{server.base_url}/sessions-ordered")
    assert status == 200
    assert [s["session_id"] for s in body["sessions"]] == [f"s-{n:02d}" for n in range(12, 2, -1)]
    assert (body["total_count"], body["response_count"]) == (12, 10)


async def test_default_page_size_is_configurable(http_client: aiohttp.ClientSession) -> None:
    """default_page_size sets the page size of a request that sends none."""
    async with LocalZep(default_page_size=3) as local:
        local.seed(5)
        assert len(await list_ids(http_client, local)) == 3


# Rows in creation order. String order of the timestamps differs from time order,
# there are ties (broken by row id) and missing values (first when ascending).
ORDER_ROWS: list[dict[str, Any]] = [
    {
        "session_id": "s-c",
        "user_id": "u2",
        "created_at": "2024-01-01T10:00:00-07:00",
        "updated_at": "2024-02-01T00:00:00+01:00",
    },
    {
        "session_id": "s-a",
        "user_id": None,
        "created_at": "2024-01-01T12:00:00Z",
        "updated_at": "2024-01-31T23:30:00Z",
    },
    {
        "session_id": "s-e",
        "user_id": "u1",
        "created_at": "2024-01-01T12:00:00.5Z",
        "updated_at": None,
    },
    {
        "session_id": "s-b",
        "user_id": "u2",
        "created_at": None,
        "updated_at": "2024-01-31T23:00:00.1Z",
    },
    {
        "session_id": "s-d",
        "user_id": "u10",
        "created_at": "2024-01-01T12:00:00Z",
        "updated_at": "2024-01-31T22:59:59.999999999Z",
    },
    {
        "session_id": "s-f",
        "user_id": "u1",
        "created_at": "2024-01-01T12:00:00.000000001Z",
        "updated_at": "2024-02-01T00:00:00Z",
    },
]
ASCENDING = {
    None: ["s-c", "s-a", "s-e", "s-b", "s-d", "s-f"],
    "session_id": ["s-a", "s-b", "s-c", "s-d", "s-e", "s-f"],
    "user_id": ["s-a", "s-e", "s-f", "s-d", "s-c", "s-b"],
    "created_at": ["s-b", "s-a", "s-d", "s-f", "s-e", "s-c"],
    "updated_at": ["s-e", "s-d", "s-c", "s-b", "s-a", "s-f"],
}


@pytest.mark.parametrize("asc", ["true", "false", None])
@pytest.mark.parametrize("order_by", list(ASCENDING))
async def test_order_by_every_field_both_ways(
    server: LocalZep, http_client: aiohttp.ClientSession, order_by: str | None, asc: str | None
) -> None:
    """Each order_by sorts by its value (times as times), None first, ties by row id."""
    for row in ORDER_ROWS:
        server.add_session(**row)
    params = {"page_size": "100"}
    if order_by is not None:
        params["order_by"] = order_by
    if asc is not None:
        params["asc"] = asc
    expected = ASCENDING[order_by] if asc == "true" else ASCENDING[order_by][::-1]
    assert await list_ids(http_client, server, **params) == expected


@pytest.mark.parametrize(
    ("page_number", "expected"),
    [("1", ["s-1", "s-2", "s-3"]), ("2", ["s-4", "s-5", "s-6"]), ("3", ["s-7"]), ("4", [])],
)
async def test_paging_is_by_offset(
    server: LocalZep, http_client: aiohttp.ClientSession, page_number: str, expected: list[str]
) -> None:
    """Page n holds rows (n-1)*size onward; total_count is all, response_count this page."""
    for n in range(1, 8):
        server.add_session(f"s-{n}")
    params = {"page_number": page_number, "page_size": "3", "asc": "true"}
    status, body = await get_json(http_client, f"{server.base_url}/sessions-ordered", **params)
    assert status == 200
    assert [s["session_id"] for s in body["sessions"]] == expected
    assert (body["total_count"], body["response_count"]) == (7, len(expected))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("page_number", "0"),
        ("page_number", "-1"),
        ("page_number", "two"),
        ("page_number", ""),
        ("page_size", "0"),
        ("page_size", "1.5"),
        ("page_size", "+5"),
        ("page_size", " 5"),
        ("order_by", "name"),
        ("order_by", "CREATED_AT"),
        ("order_by", ""),
        ("asc", "True"),
        ("asc", "1"),
        ("asc", "yes"),
    ],
)
async def test_bad_list_parameter_is_bad_request(
    server: LocalZep, http_client: aiohttp.ClientSession, name: str, value: str
) -> None:
    """An invalid page_number, page_size, order_by or asc gets 400 naming it."""
    status, body = await get_json(
        http_client, f"{server.base_url}/sessions-ordered", **{name: value}
    )
    assert (status, body) == (400, {"message": f"invalid value for {name}"})


# -- request log ---------------------------------------------------------------------


async def test_request_log_keeps_the_raw_path(
    server: LocalZep, http_client: aiohttp.ClientSession
) -> None:
    """Each request is recorded with its raw and decoded path, query, headers and route."""
    server.add_session("a/b c")
    url = session_url(server, "a/b c").with_query({"x": "1 2", "y": "z"})
    async with http_client.get(url, headers={"X-Custom-Thing": "yes"}) as response:
        request_id = response.headers["X-Zep-Request-ID"]
    (request,) = server.requests
    assert isinstance(request, RecordedRequest)
    assert request.method == "GET"
    assert request.raw_path == "/api/v2/sessions/a%2Fb%20c"
    assert request.path == "/api/v2/sessions/a/b c"
    assert request.query == {"x": "1 2", "y": "z"}
    assert request.query_string == url.raw_query_string
    assert request.headers["Authorization"] == f"Api-Key {KEY}"
    assert request.headers["X-Custom-Thing"] == "yes"
    assert (request.route, request.session_id) == ("get_session", "a/b c")
    assert request.request_id == request_id
    assert request.connection == 1


async def test_count_per_route(server: LocalZep, http_client: aiohttp.ClientSession) -> None:
    """count() counts all requests, or those of one route; unknown routes are refused."""
    await get_json(http_client, session_url(server, "x"))
    await get_json(http_client, f"{server.base_url}/sessions-ordered")
    await get_json(http_client, f"{server.base_url}/sessions-ordered")
    await get_json(http_client, raw_url(server, "/elsewhere"))
    assert server.count() == 4
    assert server.count("get_session") == 1
    assert server.count("list_sessions") == 2
    with pytest.raises(ValueError, match="route"):
        server.count("sessions")


async def test_every_response_has_a_counting_request_id(server: LocalZep) -> None:
    """200, 401 and 404 answers all carry X-Zep-Request-ID req-1, req-2, req-3."""
    server.add_session("s")
    seen = []
    async with aiohttp.ClientSession() as client:
        for url, headers in [
            (session_url(server, "s"), AUTH),
            (session_url(server, "s"), {}),
            (session_url(server, "nope"), AUTH),
        ]:
            async with client.get(url, headers=headers) as response:
                seen.append((response.status, response.headers["X-Zep-Request-ID"]))
    assert seen == [(200, "req-1"), (401, "req-2"), (404, "req-3")]


async def test_connections_are_numbered(server: LocalZep) -> None:
    """Requests on one keep-alive connection share a number; a new connection gets the next."""
    server.add_session("s")
    async with aiohttp.ClientSession(headers=AUTH) as first:
        await get_json(first, session_url(server, "s"))
        await get_json(first, session_url(server, "s"))
    async with aiohttp.ClientSession(headers=AUTH) as second:
        await get_json(second, session_url(server, "s"))
    assert [request.connection for request in server.requests] == [1, 1, 2]


# -- store ---------------------------------------------------------------------------


async def test_add_session_fields_override_and_omit(
    server: LocalZep, http_client: aiohttp.ClientSession
) -> None:
    """Fields override defaults, datetimes are written the Go way, OMIT drops a key."""
    moment = datetime(2024, 8, 7, 11, 25, 43, 120000, tzinfo=timezone(-timedelta(hours=7)))
    server.add_session(
        "s", created_at=moment, updated_at="not a time", facts=OMIT, brand_new_field=[1]
    )
    status, body = await get_json(http_client, session_url(server, "s"))
    assert status == 200
    assert body["created_at"] == "2024-08-07T11:25:43.12-07:00"
    assert body["updated_at"] == "not a time"
    assert "facts" not in body
    assert body["brand_new_field"] == [1]


async def test_add_session_refuses_duplicates_and_non_json(server: LocalZep) -> None:
    """A second session with the same id, an empty id or a non-JSON value is refused."""
    server.add_session("s")
    with pytest.raises(ValueError, match="already exists"):
        server.add_session("s")
    with pytest.raises(ValueError, match="empty"):
        server.add_session("")
    with pytest.raises(TypeError, match="JSON"):
        server.add_session("t", metadata={"when": object()})
    assert [s["session_id"] for s in server.sessions] == ["s"]


async def test_removed_session_is_not_found(
    server: LocalZep, http_client: aiohttp.ClientSession
) -> None:
    """After remove_session the id gets 404; removing it again raises KeyError."""
    server.add_session("s")
    server.remove_session("s")
    status, _ = await get_json(http_client, session_url(server, "s"))
    assert status == 404
    with pytest.raises(KeyError):
        server.remove_session("s")


async def test_default_timestamps_follow_creation_order(
    server: LocalZep, http_client: aiohttp.ClientSession
) -> None:
    """Sessions added in a burst get strictly increasing created_at, so that order is the rows'."""
    for n in range(30):
        server.add_session(f"s-{n:02d}")
    stamps = [s["created_at"] for s in server.sessions]
    assert len(set(stamps)) == 30
    ids = await list_ids(http_client, server, order_by="created_at", asc="true", page_size="30")
    assert ids == [f"s-{n:02d}" for n in range(30)]


def test_returned_dicts_are_copies() -> None:
    """Changing a dict from add_session or sessions does not change the store."""
    server = LocalZep()
    stored = server.add_session("s", metadata={"a": 1})
    stored["metadata"]["a"] = 2
    server.sessions[0]["user_id"] = "changed"
    assert server.sessions[0]["metadata"] == {"a": 1}
    assert server.sessions[0]["user_id"] is None


def test_seed_is_deterministic_and_varied() -> None:
    """The same seed gives the same sessions, with the variety the docstring promises."""
    first, second, other = LocalZep(), LocalZep(), LocalZep()
    sessions = first.seed(40, seed=7)
    assert sessions == second.seed(40, seed=7)
    assert sessions != other.seed(40, seed=8)
    assert [s["id"] for s in sessions] == list(range(1, 41))
    assert sessions[0]["session_id"] == "session-0001"
    users = {s["user_id"] for s in sessions}
    assert None in users
    assert all(u is None or (u.startswith("user-") and len(u) == 9) for u in users)
    stamps = [s[f] for s in sessions for f in ("created_at", "updated_at")]
    assert any(len(stamp.split(".")[-1].rstrip("Z")) == 9 for stamp in stamps if "." in stamp)
    assert any(stamp.endswith("-07:00") for stamp in stamps)
    assert any(stamp.endswith("Z") and "." not in stamp for stamp in stamps)
    assert any(s["ended_at"] for s in sessions)
    assert any(s["metadata"] for s in sessions)
    created = [datetime.fromisoformat(s["created_at"]) for s in sessions]
    assert created == sorted(created)  # creation order is row-id order, as on the real server
    assert len(set(created)) == len(created)


def test_clear_forgets_everything() -> None:
    """clear() empties the store (row ids restart), the faults and the request log."""
    server = LocalZep()
    server.seed(3)
    server.fail("get_session", 500)
    server.clear()
    assert server.sessions == []
    assert server.requests == []
    assert server.add_session("again")["id"] == 1


# -- faults --------------------------------------------------------------------------


async def test_fail_with_json_and_headers(
    server: LocalZep, http_client: aiohttp.ClientSession
) -> None:
    """fail(json=..., headers=...) sends that JSON with the headers, e.g. Retry-After."""
    server.fail("list_sessions", 429, json={"message": "slow down"}, headers={"Retry-After": "3"})
    async with http_client.get(f"{server.base_url}/sessions-ordered") as response:
        assert response.status == 429
        assert response.headers["Retry-After"] == "3"
        assert response.headers["Content-Type"] == "application/json"
        assert response.headers["X-Zep-Request-ID"] == "req-1"
        assert await response.json() == {"message": "slow down"}


async def test_fail_with_html_body(server: LocalZep, http_client: aiohttp.ClientSession) -> None:
    """fail(body=..., content_type=...) sends the raw body with that type, as a proxy would."""
    page = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    server.fail("get_session", 502, body=page, content_type="text/html")
    async with http_client.get(session_url(server, "s")) as response:
        assert response.status == 502
        assert response.headers["Content-Type"] == "text/html"
        assert await response.text() == page


async def test_fail_with_empty_body(server: LocalZep, http_client: aiohttp.ClientSession) -> None:
    """fail(body="") sends no body and no Content-Type."""
    server.fail("get_session", 500, body="")
    async with http_client.get(session_url(server, "s")) as response:
        assert response.status == 500
        assert "Content-Type" not in response.headers
        assert await response.read() == b""


async def test_fail_without_body_sends_the_reason(
    server: LocalZep, http_client: aiohttp.ClientSession
) -> None:
    """fail() with no body sends {"message": <reason phrase>}."""
    server.fail("get_session", 503)
    assert await get_json(http_client, session_url(server, "s")) == (
        503,
        {"message": "Service Unavailable"},
    )


async def test_fail_200_serves_a_malformed_success(
    server: LocalZep, http_client: aiohttp.ClientSession
) -> None:
    """A 200 fault serves any body under application/json, to test response validation."""
    server.fail("list_sessions", 200, body='{"sessions": 5', content_type="application/json")
    async with http_client.get(f"{server.base_url}/sessions-ordered") as response:
        assert response.status == 200
        assert await response.text() == '{"sessions": 5'


async def test_faults_apply_in_order_and_only_times_times(
    server: LocalZep, http_client: aiohttp.ClientSession
) -> None:
    """Queued faults answer the next requests of their route first in, first out, then stop."""
    server.add_session("s")
    server.fail("get_session", 500, times=2)
    server.fail("get_session", 503)
    statuses = [(await get_json(http_client, session_url(server, "s")))[0] for _ in range(4)]
    assert statuses == [500, 500, 503, 200]


async def test_faults_of_one_route_spare_the_other(
    server: LocalZep, http_client: aiohttp.ClientSession
) -> None:
    """A list_sessions fault leaves get_session alone, and unrouted paths take no fault."""
    server.add_session("s")
    server.fail("list_sessions", 500)
    assert (await get_json(http_client, session_url(server, "s")))[0] == 200
    assert (await get_json(http_client, raw_url(server, "/api/v2/nope")))[0] == 404
    assert (await get_json(http_client, f"{server.base_url}/sessions-ordered"))[0] == 500


def test_fault_arguments_are_checked() -> None:
    """Bad routes, statuses, times, seconds and json with body raise ValueError."""
    server = LocalZep()
    with pytest.raises(ValueError, match="route"):
        server.fail("get_sessions", 500)
    with pytest.raises(ValueError, match="route"):
        server.stall("sessions-ordered")
    with pytest.raises(ValueError, match="status"):
        server.fail("get_session", 99)
    with pytest.raises(ValueError, match="times"):
        server.drop_connection("get_session", times=0)
    with pytest.raises(ValueError, match="seconds"):
        server.delay("get_session", -1)
    with pytest.raises(ValueError, match="not both"):
        server.fail("get_session", 500, json={}, body="x")


async def test_delay_holds_the_answer(server: LocalZep, http_client: aiohttp.ClientSession) -> None:
    """delay() answers no sooner than asked, and combines with a failure."""
    server.delay("get_session", 0.2, times=1)
    server.fail("get_session", 500)
    loop = asyncio.get_running_loop()
    started = loop.time()
    status, _ = await get_json(http_client, session_url(server, "s"))
    assert loop.time() - started >= 0.2
    assert status == 500


async def test_endless_delay_outlasts_a_client_timeout(
    server: LocalZep, http_client: aiohttp.ClientSession
) -> None:
    """delay(times=None) slows every request, so a short client timeout expires each time."""
    server.add_session("s")
    server.delay("get_session", 30)
    for _ in range(2):
        with pytest.raises(asyncio.TimeoutError):
            await http_client.get(
                session_url(server, "s"), timeout=aiohttp.ClientTimeout(total=0.1)
            )
    server.clear()
    server.add_session("s")
    assert (await get_json(http_client, session_url(server, "s")))[0] == 200


async def test_drop_connection_sends_nothing(
    server: LocalZep, http_client: aiohttp.ClientSession
) -> None:
    """drop_connection() closes the socket without an answer; later requests are normal.

    aiohttp itself resends an idempotent request once after a disconnect, so it
    takes two drops for the client to see the error.
    """
    server.add_session("s")
    server.drop_connection("get_session", times=2)
    with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
        await get_json(http_client, session_url(server, "s"))
    assert server.count("get_session") == 2
    assert (await get_json(http_client, session_url(server, "s")))[0] == 200


async def test_one_drop_is_hidden_by_aiohttps_own_resend(
    server: LocalZep, http_client: aiohttp.ClientSession
) -> None:
    """A single drop of a GET is resent by aiohttp unasked: the server sees two requests."""
    server.add_session("s")
    server.drop_connection("get_session")
    assert (await get_json(http_client, session_url(server, "s")))[0] == 200
    assert server.count("get_session") == 2
    assert server.requests[0].connection != server.requests[1].connection


async def test_cut_body_fails_while_reading(
    server: LocalZep, http_client: aiohttp.ClientSession
) -> None:
    """cut_body() sends the status and a Content-Length, then too few bytes."""
    server.seed(3)
    server.cut_body("list_sessions")
    async with http_client.get(f"{server.base_url}/sessions-ordered") as response:
        assert response.status == 200
        assert response.headers["X-Zep-Request-ID"] == "req-1"
        with pytest.raises(aiohttp.ClientPayloadError):
            await response.read()


async def test_stall_until_the_client_gives_up(
    server: LocalZep, http_client: aiohttp.ClientSession
) -> None:
    """stall() never answers; the client times out and the server sees it leave."""
    server.add_session("s")
    server.stall("get_session")
    with pytest.raises(asyncio.TimeoutError):
        await http_client.get(session_url(server, "s"), timeout=aiohttp.ClientTimeout(total=0.2))
    async with asyncio.timeout(5):
        await server.wait_for_disconnects_async(1)
    assert server.disconnects == 1
    assert (await get_json(http_client, session_url(server, "s")))[0] == 200


async def test_close_does_not_hang_on_a_stalled_request() -> None:
    """close() drops a stalled request's connection at once, and a second close is a no-op."""
    server = LocalZep()
    await server.start()
    server.stall("list_sessions")
    async with aiohttp.ClientSession(headers=AUTH) as client:

        async def call() -> None:
            async with client.get(f"{server.base_url}/sessions-ordered"):
                pass

        pending = asyncio.create_task(call())
        async with asyncio.timeout(5):
            await server.wait_for_requests_async(1)
            await server.close()
            # Dropped, then aiohttp's own resend finds nobody listening.
            with pytest.raises(aiohttp.ClientConnectionError):
                await pending
    await server.close()
    assert server.disconnects == 0


async def test_close_idle_connections_closes_only_idle_ones(server: LocalZep) -> None:
    """An idle keep-alive connection is closed (EOF); one waiting for an answer is not."""
    server.stall("list_sessions")
    idle_reader, idle_writer = await asyncio.open_connection("127.0.0.1", server.port)
    busy_reader, busy_writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        head = f"Host: x\r\nAuthorization: Api-Key {KEY}\r\n\r\n"
        idle_writer.write(f"GET /api/v2/sessions/x HTTP/1.1\r\n{head}".encode())
        busy_writer.write(f"GET /api/v2/sessions-ordered HTTP/1.1\r\n{head}".encode())
        async with asyncio.timeout(5):
            answer = await idle_reader.readuntil(b"\r\n\r\n")
            assert answer.startswith(b"HTTP/1.1 404")
            length = int(answer.split(b"Content-Length: ")[1].split(b"\r\n")[0])
            await idle_reader.readexactly(length)
            await server.wait_for_requests_async(2)
            assert await server.close_idle_connections() == 1
            assert await idle_reader.read() == b""
        assert not busy_reader.at_eof()
    finally:
        idle_writer.close()
        busy_writer.close()


def test_wait_for_requests_refuses_the_servers_own_loop() -> None:
    """The blocking waits raise instead of deadlocking the loop that serves."""

    async def scenario() -> None:
        async with LocalZep() as server:
            with pytest.raises(RuntimeError, match="own event loop"):
                server.wait_for_requests(1, timeout=1)
            with pytest.raises(RuntimeError, match="own loop"):
                server.close_idle_connections_threadsafe()

    asyncio.run(scenario())


# -- in a thread ---------------------------------------------------------------------


def test_run_in_thread_serves_synchronous_code() -> None:
    """From plain threads: store and faults work, urllib gets answers, the log records them."""
    server = LocalZep()
    with server.run_in_thread():
        server.add_session("sync/1", user_id="u")
        request = urllib.request.Request(  # noqa: S310 - a local http URL
            server.base_url + "/sessions/" + quote("sync/1", safe=""), headers=AUTH
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            assert json.loads(response.read())["user_id"] == "u"
        server.fail("get_session", 503, headers={"Retry-After": "1"})
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=5)  # noqa: S310
        assert info.value.code == 503
        assert info.value.headers["Retry-After"] == "1"
        info.value.close()
        assert server.wait_for_requests(2, route="get_session", timeout=5)
        assert server.requests[0].session_id == "sync/1"
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(request, timeout=5)  # noqa: S310


async def test_async_wait_wakes_across_threads(http_client: aiohttp.ClientSession) -> None:
    """wait_for_requests_async on the test's loop wakes when a threaded server gets a request."""
    server = LocalZep()
    with server.run_in_thread():
        waiting = asyncio.create_task(server.wait_for_requests_async(1, route="list_sessions"))
        await get_json(http_client, f"{server.base_url}/sessions-ordered")
        async with asyncio.timeout(5):
            await waiting
        assert "test-api-key" not in repr(server)
        assert server.root_url in repr(server)


def test_close_idle_connections_from_another_thread() -> None:
    """close_idle_connections_threadsafe() ends a sync client's keep-alive connection."""
    server = LocalZep()
    with server.run_in_thread():
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        try:
            connection.request("GET", "/api/v2/sessions-ordered", headers=AUTH)
            with connection.getresponse() as response:
                assert response.status == 200
                response.read()
            assert server.close_idle_connections_threadsafe() == 1
            with pytest.raises(ConnectionError):
                _request_again(connection)
        finally:
            connection.close()


def _request_again(connection: http.client.HTTPConnection) -> None:
    connection.request("GET", "/api/v2/sessions-ordered", headers=AUTH)
    connection.getresponse()


def test_leaving_run_in_thread_releases_a_stalled_request() -> None:
    """Leaving run_in_thread with a stalled request neither hangs nor leaves it waiting."""
    server = LocalZep()
    outcome: list[BaseException] = []
    finished = threading.Event()

    def call() -> None:
        request = urllib.request.Request(  # noqa: S310 - a local http URL
            server.base_url + "/sessions-ordered", headers=AUTH
        )
        try:
            urllib.request.urlopen(request, timeout=10)  # noqa: S310
        except BaseException as error:
            outcome.append(error)
        finished.set()

    with server.run_in_thread():
        server.stall("list_sessions")
        caller = threading.Thread(target=call)
        caller.start()
        assert server.wait_for_requests(1, timeout=5)
    assert finished.wait(5)
    caller.join(5)
    assert len(outcome) == 1
    assert isinstance(outcome[0], ConnectionError | http.client.HTTPException)


# -- Go timestamps -------------------------------------------------------------------

MINUS_7 = timezone(-timedelta(hours=7))


@pytest.mark.parametrize(
    ("moment", "nanos", "expected"),
    [
        (datetime(2024, 8, 7, 18, 25, 43, tzinfo=UTC), None, "2024-08-07T18:25:43Z"),
        (datetime(2024, 8, 7, 18, 25, 43, 100000, tzinfo=UTC), None, "2024-08-07T18:25:43.1Z"),
        (
            datetime(2024, 8, 7, 18, 25, 43, 123456, tzinfo=UTC),
            None,
            "2024-08-07T18:25:43.123456Z",
        ),
        (
            datetime(2024, 8, 7, 18, 25, 43, 123456, tzinfo=MINUS_7),
            789,
            "2024-08-07T18:25:43.123456789-07:00",
        ),
        (datetime(2024, 8, 7, 18, 25, 43, tzinfo=UTC), 5, "2024-08-07T18:25:43.000000005Z"),
        (datetime(2024, 8, 7, 18, 25, 43, 120, tzinfo=UTC), 0, "2024-08-07T18:25:43.00012Z"),
        (
            datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=5, minutes=30))),
            None,
            "2024-01-02T03:04:05+05:30",
        ),
        (
            datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(0), "GMT")),
            None,
            "2024-01-02T03:04:05Z",
        ),
        (datetime(2024, 1, 2, 3, 4, 5), None, "2024-01-02T03:04:05Z"),
        (datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC), None, "0999-01-02T03:04:05Z"),
    ],
)
def test_go_timestamp_format(moment: datetime, nanos: int | None, expected: str) -> None:
    """format_go_timestamp writes RFC3339Nano: Z or ±hh:mm, 0-9 digits, no trailing zeros."""
    assert format_go_timestamp(moment, nanos) == expected


@pytest.mark.parametrize("nanos", [-1, 1000])
def test_go_timestamp_nanos_out_of_range(nanos: int) -> None:
    """nanos is what lies below the microsecond, 0 to 999; anything else is an error."""
    with pytest.raises(ValueError, match="nanos"):
        format_go_timestamp(datetime(2024, 1, 1, tzinfo=UTC), nanos)
