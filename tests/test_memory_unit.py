"""The memory resource's requests on the wire and its argument checks (aioresponses)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aioresponses import aioresponses
from yarl import URL

from zep_async import AsyncZep, Session, SessionListResponse, __version__

BASE = "https://zep.example/api/v2"
ANY = re.compile(r"^https://zep\.example/.*$")


@pytest.fixture
async def zep() -> AsyncIterator[AsyncZep]:
    async with AsyncZep(api_key="k-unit", base_url=BASE, max_retries=0) as client:
        yield client


@pytest.fixture
def mocked() -> AsyncIterator[aioresponses]:
    with aioresponses() as mock:
        yield mock


def _only_request(mock: aioresponses) -> tuple[str, URL, dict[str, Any]]:
    ((method, url), calls), *rest = mock.requests.items()
    assert not rest
    assert len(calls) == 1
    return method, url, calls[0].kwargs


async def test_get_session_wire_request(zep: AsyncZep, mocked: aioresponses) -> None:
    """get_session sends one GET to /sessions/<id> with the auth, accept and agent headers."""
    mocked.get(ANY, payload={"session_id": "abc", "id": 3})
    session = await zep.memory.get_session("abc")
    assert session == Session(session_id="abc", id=3)
    method, url, kwargs = _only_request(mocked)
    assert method == "GET"
    assert url.raw_path == "/api/v2/sessions/abc"
    assert url.raw_query_string == ""
    headers = kwargs["headers"]
    assert headers["Authorization"] == "Api-Key k-unit"
    assert headers["Accept"] == "application/json"
    assert headers["User-Agent"].startswith(f"zep-async/{__version__} ")


@pytest.mark.parametrize(
    ("session_id", "raw"),
    [
        ("a/b", "a%2Fb"),
        ("what?x=1", "what%3Fx%3D1"),
        ("frag#1", "frag%231"),
        ("100%", "100%25"),
        ("with space", "with%20space"),
        ("..", "%2E%2E"),
        (".", "%2E"),
        ("../admin", "..%2Fadmin"),
        ("sessão-😀", "sess%C3%A3o-%F0%9F%98%80"),
        ("a+b&c;d", "a%2Bb%26c%3Bd"),
    ],
)
async def test_session_id_is_one_encoded_segment(
    zep: AsyncZep, mocked: aioresponses, session_id: str, raw: str
) -> None:
    """Reserved characters and dot-segments are percent-encoded into one path segment."""
    mocked.get(ANY, payload={})
    await zep.memory.get_session(session_id)
    _, url, _ = _only_request(mocked)
    assert url.raw_path == f"/api/v2/sessions/{raw}"
    assert url.raw_query_string == ""


@pytest.mark.parametrize(
    ("kwargs", "query"),
    [
        ({}, ""),
        ({"page_number": 2}, "page_number=2&pageNumber=2"),
        ({"page_size": 50}, "page_size=50&pageSize=50"),
        ({"order_by": "updated_at"}, "order_by=updated_at"),
        ({"asc": True}, "asc=true"),
        ({"asc": False}, "asc=false"),
        (
            {"page_number": 3, "page_size": 7, "order_by": "user_id", "asc": False},
            "page_number=3&pageNumber=3&page_size=7&pageSize=7&order_by=user_id&asc=false",
        ),
    ],
)
async def test_list_sessions_wire_query(
    zep: AsyncZep, mocked: aioresponses, kwargs: dict[str, Any], query: str
) -> None:
    """Only the parameters given are sent, bools as true/false."""
    mocked.get(ANY, payload={"sessions": [], "total_count": 0, "response_count": 0})
    page = await zep.memory.list_sessions(**kwargs)
    assert page == SessionListResponse(sessions=[], total_count=0, response_count=0)
    _, url, _ = _only_request(mocked)
    assert url.raw_path == "/api/v2/sessions-ordered"
    # aioresponses records the query re-sorted; the local-server tests check the raw order.
    assert dict(url.query) == dict(parse_qsl(query))


async def test_request_options_reach_the_wire(zep: AsyncZep, mocked: aioresponses) -> None:
    """Per-call headers and query parameters are added, and win over the defaults."""
    mocked.get(ANY, payload={})
    await zep.memory.list_sessions(
        page_size=5,
        request_options={
            "additional_headers": {"X-Trace": "t-1", "Accept": "application/json; v=2"},
            "additional_query_parameters": {"page_size": 6, "debug": True},
        },
    )
    _, url, kwargs = _only_request(mocked)
    assert url.query["page_size"] == "6"
    assert url.query["debug"] == "true"
    assert kwargs["headers"]["X-Trace"] == "t-1"
    assert kwargs["headers"]["Accept"] == "application/json; v=2"
    assert kwargs["headers"]["Authorization"] == "Api-Key k-unit"


BAD_GET = [
    ({"session_id": None}, TypeError, "session_id"),
    ({"session_id": 42}, TypeError, "session_id"),
    ({"session_id": b"abc"}, TypeError, "session_id"),
    ({"session_id": ""}, ValueError, "session_id"),
    ({"session_id": "   "}, ValueError, "session_id"),
    ({"session_id": "a\nb"}, ValueError, "session_id"),
    ({"session_id": "a\x00b"}, ValueError, "session_id"),
    ({"session_id": "\ud800"}, ValueError, "session_id"),
    ({"session_id": "x" * 1_000_000}, ValueError, "session_id"),
    ({"session_id": "\U0001f600" * 1000}, ValueError, "percent-encoded"),  # 12 KB encoded
    ({"session_id": "a", "request_options": {"timeout": 3}}, TypeError, "timeout"),
    ({"session_id": "a", "request_options": {"max_retries": -1}}, ValueError, "max_retries"),
    ({"session_id": "a", "request_options": {"max_retries": 1.5}}, TypeError, "max_retries"),
    (
        {"session_id": "a", "request_options": {"timeout_in_seconds": 0}},
        ValueError,
        "timeout_in_seconds",
    ),
    (
        {"session_id": "a", "request_options": {"additional_headers": {"X": "a\r\nb"}}},
        ValueError,
        "additional_headers",
    ),
    ({"session_id": "a", "request_options": []}, TypeError, "request_options"),
]

BAD_LIST = [
    ({"page_number": 0}, ValueError, "page_number"),
    ({"page_number": -1}, ValueError, "page_number"),
    ({"page_number": "1"}, TypeError, "page_number"),
    ({"page_number": 1.0}, TypeError, "page_number"),
    ({"page_number": True}, TypeError, "page_number"),
    ({"page_size": 0}, ValueError, "page_size"),
    ({"page_size": None, "order_by": "name"}, ValueError, "order_by"),
    ({"order_by": ""}, ValueError, "order_by"),
    ({"order_by": 1}, TypeError, "order_by"),
    ({"asc": "false"}, TypeError, "asc"),
    ({"asc": 1}, TypeError, "asc"),
]


@pytest.mark.parametrize(("kwargs", "error", "name"), BAD_GET)
async def test_get_session_rejects_bad_input_before_sending(
    zep: AsyncZep, mocked: aioresponses, kwargs: dict[str, Any], error: type[Exception], name: str
) -> None:
    """Bad arguments raise TypeError/ValueError naming the parameter, and nothing is sent."""
    mocked.get(ANY, payload={})
    with pytest.raises(error, match=re.escape(name)):
        await zep.memory.get_session(**kwargs)
    assert not mocked.requests


@pytest.mark.parametrize(("kwargs", "error", "name"), BAD_LIST)
async def test_list_sessions_rejects_bad_input_before_sending(
    zep: AsyncZep, mocked: aioresponses, kwargs: dict[str, Any], error: type[Exception], name: str
) -> None:
    """Bad arguments raise TypeError/ValueError naming the parameter, and nothing is sent."""
    mocked.get(ANY, payload={})
    with pytest.raises(error, match=name):
        await zep.memory.list_sessions(**kwargs)
    assert not mocked.requests


@pytest.mark.parametrize(
    ("kwargs", "error", "name"), [*BAD_LIST, ({"prefetch": 0}, ValueError, "prefetch")]
)
def test_iterators_reject_bad_input_at_the_call(
    kwargs: dict[str, Any], error: type[Exception], name: str
) -> None:
    """iter_sessions checks its arguments when called, before the first page is asked for."""
    kwargs = {k: v for k, v in kwargs.items() if k != "page_number"}
    if not kwargs:
        return
    zep = AsyncZep(api_key="k", base_url=BASE)
    with pytest.raises(error, match=name):
        zep.memory.iter_sessions(**kwargs)
