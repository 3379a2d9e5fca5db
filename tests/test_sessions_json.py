"""Sessions as the server wrote them: the raw responses the command line exports with.

The models keep returning datetimes; ``with_raw_response.get_session`` and
``with_raw_response.iter_sessions`` also hand back each session's JSON text, cut
from the response body, so nanoseconds, ``Z``, escapes and number spellings survive.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zep_async import APIResponseValidationError, AsyncZep, Session
from zep_async._codec._rawjson import array_items, body_text, one_line
from zep_async.testing import LocalZep

from .conftest import NO_WAIT
from .write_support import CaptureServer

NANOS = "2024-08-07T17:56:29.000000318+02:00"
ZULU = "2024-08-07T15:56:29Z"

# -- cutting the text out of a body ------------------------------------------------------


def test_items_are_cut_exactly_as_written() -> None:
    """Escapes, number spellings and spaces inside an item stay as the server wrote them."""
    body = (
        '{"total_count": 2, "sessions": [{"a": "\\u003c\\/b>", "n": 1E2, "z": -0.0},'
        ' {"s": "] , [ \\" }"}], "response_count": 2}'
    )
    assert array_items(body, "sessions") == [
        '{"a": "\\u003c\\/b>", "n": 1E2, "z": -0.0}',
        '{"s": "] , [ \\" }"}',
    ]


def test_a_pretty_printed_item_is_put_on_one_line() -> None:
    """Line breaks between tokens go, whitespace inside strings stays."""
    body = '{\n  "sessions": [\n    {\n      "id": 1,\n      "t": "a  b\\n c"\n    }\n  ]\n}\n'
    assert array_items(body, "sessions") == ['{"id":1,"t":"a  b\\n c"}']


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"sessions": null}', []),
        ('{"total_count": 0}', []),
        ("{}", []),
        (' { "sessions" : [ ] } ', []),
        ('{"sessions": [{"a": 1}], "x": {"sessions": [2]}, "sessions": [{"b": 2}]}', ['{"b": 2}']),
    ],
    ids=["null", "missing", "empty object", "empty array", "last key wins"],
)
def test_the_key_is_read_as_json_loads_reads_it(body: str, expected: list[str]) -> None:
    """null, a missing key and repeated keys mean what they mean to json.loads."""
    assert array_items(body, "sessions") == expected


@pytest.mark.parametrize("body", ["[]", '"sessions"', '{"sessions": {"a": 1}}'])
def test_anything_else_is_refused(body: str) -> None:
    """A body that is not an object, or a key that holds no array, raises ValueError."""
    with pytest.raises(ValueError, match="not a JSON"):
        array_items(body, "sessions")


def test_one_line_keeps_single_line_text_untouched() -> None:
    """Text without line breaks comes back as it is, surrounding whitespace aside."""
    assert one_line('  {"a" : [1, 2],  "b":"x y"}\n') == '{"a" : [1, 2],  "b":"x y"}'


def test_body_text_decodes_as_json_loads_does() -> None:
    """UTF-8 with or without a byte-order mark, and UTF-16, read as json.loads reads them."""
    assert body_text('\ufeff{"a":"é"}'.encode()) == '{"a":"é"}'
    assert body_text('{"a":"é"}'.encode("utf-16")) == '{"a":"é"}'


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@given(
    items=st.lists(json_values, max_size=5),
    indent=st.none() | st.integers(min_value=0, max_value=3),
    ascii_only=st.booleans(),
)
def test_any_json_array_is_cut_into_its_items(
    items: list[Any], indent: int | None, ascii_only: bool
) -> None:
    """Each cut item parses to the item; without indentation it is the item's exact text."""
    body = json.dumps({"x": [1], "sessions": items}, indent=indent, ensure_ascii=ascii_only)
    texts = array_items(body, "sessions")
    assert [json.loads(text) for text in texts] == items
    assert all("\n" not in text for text in texts)
    if indent is None:
        assert texts == [json.dumps(item, ensure_ascii=ascii_only) for item in items]


# -- the walk and the read, over loopback ------------------------------------------------


async def test_the_walk_yields_each_session_as_the_server_sent_it(local_zep: LocalZep) -> None:
    """Each text is a piece of a page body as sent; nanoseconds and Z survive; models stay typed."""
    local_zep.add_session("nanos", created_at=NANOS, updated_at=ZULU, metadata={"html": "<é>"})
    local_zep.seed(9)
    async with AsyncZep(
        api_key=local_zep.api_key, base_url=local_zep.base_url, retry_policy=NO_WAIT
    ) as zep:
        pairs = [
            (i.parsed, i.text)
            async for i in zep.memory.with_raw_response.iter_sessions(page_size=3, prefetch=2)
        ]
        expected = [s async for s in zep.memory.iter_sessions(page_size=3)]
        pages = []
        for number in range(1, 5):
            query = {"page_number": str(number), "page_size": "3"}
            body = (await zep._transport.send("GET", "/sessions-ordered", query=query)).body
            pages.append(body.decode())
    assert [session for session, _ in pairs] == expected
    for session, text in pairs:
        assert sum(text in page for page in pages) == 1
        assert json.loads(text)["session_id"] == session.session_id
    (nanos,) = [text for session, text in pairs if session.session_id == "nanos"]
    assert f'"created_at":"{NANOS}"' in nanos
    assert f'"updated_at":"{ZULU}"' in nanos
    assert '"html":"<é>"' in nanos
    model = next(session for session, _ in pairs if session.session_id == "nanos")
    assert model.created_at is not None
    assert model.created_at.utcoffset() is not None


async def test_the_walk_keeps_a_hand_written_page_exactly() -> None:
    """A pretty-printed page with Go-style escapes: each session exact but for line breaks."""
    session = (
        f'{{\n    "session_id": "s\\u003c1\\u003e", "created_at": "{NANOS}",\n'
        '    "metadata": {"n": 1E2, "path": "a\\/b"}\n  }'
    )
    body = f'{{\n  "sessions": [\n  {session}\n  ],\n  "total_count": 1\n}}\n'
    async with (
        CaptureServer(body.encode()) as server,
        AsyncZep(api_key="k", base_url=server.base_url) as zep,
    ):
        pairs = [
            (i.parsed, i.text)
            async for i in zep.memory.with_raw_response.iter_sessions(page_size=5)
        ]
        text = (await zep.memory.with_raw_response.get_session("x")).json_line
    ((model, line),) = pairs
    assert line == (
        f'{{"session_id":"s\\u003c1\\u003e","created_at":"{NANOS}",'
        '"metadata":{"n":1E2,"path":"a\\/b"}}'
    )
    assert model.session_id == "s<1>"
    assert [r.path for r in server.requests] == [
        "/api/v2/sessions-ordered?page_number=1&pageNumber=1&page_size=5&pageSize=5",
        "/api/v2/sessions/x",
    ]
    assert json.loads(text) == json.loads(body)  # the whole body, on one line
    assert "\n" not in text
    assert text.startswith('{"sessions":[{"session_id":"s\\u003c1\\u003e"')


async def test_get_session_json_is_the_body(local_zep: LocalZep) -> None:
    """with_raw_response.get_session has the Session and the body's text, byte for byte."""
    local_zep.add_session("team/a b", created_at=NANOS, ended_at=ZULU)
    async with AsyncZep(api_key=local_zep.api_key, base_url=local_zep.base_url) as zep:
        raw = await zep.memory.with_raw_response.get_session("team/a b")
        session, text = raw.parsed, raw.json_line
        body = (await zep._transport.send("GET", "/sessions/team%2Fa%20b")).body
    assert isinstance(session, Session)
    assert session.session_id == "team/a b"
    assert text == body.decode()
    assert f'"ended_at":"{ZULU}"' in text


@pytest.mark.parametrize("body", [b"<html>oops</html>", b'{"sessions": [1]}'])
async def test_a_body_that_is_not_the_api_s_is_an_error(body: bytes) -> None:
    """The raw path checks the body as the typed one does: APIResponseValidationError."""
    async with (
        CaptureServer(body, status=200) as server,
        AsyncZep(api_key="k", base_url=server.base_url) as zep,
    ):
        with pytest.raises(APIResponseValidationError) as info:
            async for _ in zep.memory.with_raw_response.iter_sessions():
                pass
    assert info.value.status_code == 200
    assert info.value.url is not None
    assert "/sessions-ordered" in info.value.url


def test_bad_walk_arguments_raise_at_the_call() -> None:
    """The raw walk checks its arguments when called, like iter_sessions."""
    zep = AsyncZep(api_key="k", base_url="http://127.0.0.1:9/api/v2")
    with pytest.raises(ValueError, match="page_size"):
        zep.memory.with_raw_response.iter_sessions(page_size=0)
    with pytest.raises(ValueError, match="order_by"):
        zep.memory.with_raw_response.iter_sessions(order_by="name")  # type: ignore[arg-type]


async def test_cancelling_the_walk_cancels_what_is_in_flight(local_zep: LocalZep) -> None:
    """Cancelled while pages are in flight, the walk abandons them all; the client closes."""
    local_zep.seed(30)
    first = {"sessions": local_zep.sessions[:3], "total_count": 30, "response_count": 3}
    local_zep.fail("list_sessions", 200, json=first)
    local_zep.stall("list_sessions", times=4)  # the prefetched pages never come
    async with AsyncZep(api_key=local_zep.api_key, base_url=local_zep.base_url) as zep:
        walk = zep.memory.with_raw_response.iter_sessions(page_size=3, prefetch=4)
        texts = [item.text for item in [await anext(walk) for _ in range(3)]]
        waiting = asyncio.ensure_future(anext(walk))
        async with asyncio.timeout(5):
            await local_zep.wait_for_requests_async(5, route="list_sessions")
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        await walk.aclose()
        async with asyncio.timeout(5):
            await local_zep.wait_for_disconnects_async(4)
    assert local_zep.count("list_sessions") == 5
    assert [json.loads(text) for text in texts] == first["sessions"]
