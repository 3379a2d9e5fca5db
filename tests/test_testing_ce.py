"""LocalZep(flavor="ce"): the Community Edition's quirks, each against Cloud's answer."""

from __future__ import annotations

from tests.local_zep_support import Api, ce, cloud, http_client, msg

__all__ = ["ce", "cloud", "http_client"]


async def test_ce_add_memory_creates_the_session_and_answers_201_ok(ce: Api) -> None:
    """CE creates an unknown session on add and answers 201 {"message":"OK"}."""
    body = {"messages": [msg("hi")], "return_context": True}
    assert await ce("POST", "/sessions/{}/memory", "new", body=body) == (201, {"message": "OK"})
    assert [s["session_id"] for s in ce.server.sessions] == ["new"]
    assert [m["content"] for m in ce.server.messages("new")] == ["hi"]


async def test_ce_reads_of_an_unknown_session_are_empty_200s(ce: Api) -> None:
    """CE answers memory and messages of an unknown session with 200 and empty lists."""
    assert await ce("GET", "/sessions/{}/memory", "nope") == (
        200,
        {"messages": [], "relevant_facts": []},
    )
    assert await ce("GET", "/sessions/{}/messages", "nope") == (
        200,
        {"messages": [], "total_count": 0, "row_count": 0},
    )
    assert await ce("GET", "/sessions/{}", "nope") == (404, {"message": "not found"})


async def test_ce_lacks_the_cloud_only_routes(ce: Api) -> None:
    """End and per-session search are a text 404; POST /sessions/end is an empty 405."""
    ce.server.add_session("s")
    for path in ("/sessions/{}/end", "/sessions/{}/search"):
        status, raw, headers = await ce.raw("POST", path, "s", body={})
        assert (status, raw) == (404, b"404 page not found\n")
        assert headers["Content-Type"].startswith("text/plain")
    status, raw, headers = await ce.raw("POST", "/sessions/end", body={"session_ids": ["s"]})
    assert (status, raw, headers["Allow"]) == (405, b"", "GET, PATCH")
    assert ce.server.sessions[0]["ended_at"] is None
    assert [r.route for r in ce.server.requests] == [None, None, None]


async def test_ce_sessions_ordered_reads_camel_case_only(ce: Api) -> None:
    """CE ignores the SDK's page_number/page_size (everything comes back) and reads pageSize."""
    ce.server.seed(12)
    status, body = await ce("GET", "/sessions-ordered", page_number="2", page_size="5")
    assert (status, body["response_count"], body["total_count"]) == (200, 12, 12)
    status, body = await ce("GET", "/sessions-ordered", pageNumber="2", pageSize="5")
    assert [s["session_id"] for s in body["sessions"]] == [
        f"session-{n:04d}" for n in range(7, 2, -1)
    ]


async def test_ce_message_shape_and_past_the_end_page(ce: Api) -> None:
    """CE messages: year-1 updated_at, role "", no processed; past the end, total_count 0."""
    ce.server.add_session("s")
    ce.server.add_messages("s", [msg("a"), msg("b")])
    status, body = await ce("GET", "/sessions/{}/messages", "s", limit="1", cursor="2")
    (message,) = body["messages"]
    assert (status, message["content"], body["total_count"]) == (200, "b", 2)
    assert (message["updated_at"], message["role"], message["token_count"]) == (
        "0001-01-01T00:00:00Z",
        "",
        0,
    )
    assert "processed" not in message
    assert "metadata" not in message
    status, body = await ce("GET", "/sessions/{}/messages", "s", limit="1", cursor="9")
    assert body == {"messages": [], "total_count": 0, "row_count": 0}


async def test_cloud_past_the_end_page_keeps_the_total(cloud: Api) -> None:
    """Cloud reports the session's total on an empty page too."""
    cloud.server.add_session("s")
    cloud.server.add_messages("s", [msg("a")])
    _, body = await cloud("GET", "/sessions/{}/messages", "s", limit="1", cursor="9")
    assert (body["messages"], body["total_count"]) == ([], 1)


async def test_ce_errors_that_are_text(ce: Api) -> None:
    """CE's 401 is text "unauthorized"; a bad metadata body is a text 400."""
    ce.server.add_session("s")
    (stored,) = ce.server.add_messages("s", [msg("a")])
    status, raw, _ = await ce.raw(
        "PATCH", "/sessions/{}/messages/{}", "s", stored["uuid"], body=b"{"
    )
    assert (status, raw) == (400, b"invalid request body\n")
    async with ce.client.get(
        ce.url("/sessions/{}", "s"), headers={"Authorization": "x"}
    ) as response:
        assert (response.status, await response.text()) == (401, "unauthorized")


async def test_ce_user_shape_leaves_out_empties(ce: Api) -> None:
    """CE users omit empty names, email and metadata, and a zero session_count."""
    status, user = await ce("POST", "/users", body={"user_id": "u", "email": ""})
    assert status == 201
    assert not {"email", "first_name", "last_name", "metadata", "session_count"} & set(user)
    ce.server.add_session("s", user_id="u")
    assert (await ce("GET", "/users/{}", "u"))[1]["session_count"] == 1
    assert [s["id"] for s in (await ce("GET", "/users/{}/sessions", "u"))[1]] == [0]


async def test_ce_search_sessions_finds_no_facts(ce: Api) -> None:
    """CE searches graph facts only, and LocalZep has none: {"results": []}."""
    ce.server.add_session("s")
    ce.server.add_messages("s", [msg("refund")])
    assert await ce("POST", "/sessions/search", body={"text": "refund"}) == (200, {"results": []})


async def test_both_flavors_refuse_duplicates_with_400(ce: Api, cloud: Api) -> None:
    """A duplicate session or user gets the same 400 "already exists" on both flavors."""
    for api in (ce, cloud):
        api.server.add_session("s")
        api.server.add_user("u")
        assert await api("POST", "/sessions", body={"session_id": "s"}) == (
            400,
            {"message": "bad request: session already exists with session_id: s"},
        )
        assert await api("POST", "/users", body={"user_id": "u"}) == (
            400,
            {"message": "bad request: user already exists with user_id: u"},
        )
