"""Bad input never reaches the wire: every public argument, every way to get it wrong.

Each row is one argument value that must be refused with ``TypeError`` or
``ValueError`` naming the parameter, before anything is sent: the local server
must record no request. Messages stay short and never show the API key or a
header value, which may be a credential too. The same table runs through the
async client and the sync facade.
"""

from __future__ import annotations

import inspect
import ssl
from collections.abc import Iterator
from typing import Any

import pytest

from zep_async import AsyncZep, RetryPolicy, Zep
from zep_async.testing import LocalZep

SECRET = "sk-input-matrix-secret-0123456789"
HEADER_SECRET = "hdr-secret-value-9876"
MEGABYTE = "x" * 1_000_000
#: Too many digits for str(int) (Python caps the conversion at 4,300 digits).
HUGE = 10**5000
#: Longer than any message may be: an error names the problem, it does not echo the input.
MAX_MESSAGE = 500

Row = Any  # a pytest.param(kwargs, error, parameter name)


def _label(value: object) -> str:
    if value is MEGABYTE:
        return "1MB"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**30:
        return f"{'-' if value < 0 else ''}2^{value.bit_length()}"
    if isinstance(value, str) and len(value) > 30:
        return f"str{len(value)}"
    if isinstance(value, dict):
        return "{" + ",".join(f"{_label(k)}:{_label(v)}" for k, v in value.items()) + "}"
    return ascii(value)


def _rows(name: str, bad: list[tuple[object, type[Exception]]], **fixed: object) -> list[Row]:
    return [
        pytest.param({**fixed, name: value}, error, name, id=f"{name}={_label(value)}")
        for value, error in bad
    ]


#: Wrong for every parameter that takes non-empty text.
BAD_TEXT: list[tuple[object, type[Exception]]] = [
    (None, TypeError),
    (42, TypeError),
    (b"abc", TypeError),
    (["a"], TypeError),
    ("", ValueError),
    ("   ", ValueError),
    ("\t\n", ValueError),
    ("a\nb", ValueError),
    ("a\rb", ValueError),
    ("a\x00b", ValueError),
    ("a\x1bb", ValueError),
    ("a\x7fb", ValueError),
    ("\ud800", ValueError),
    ("a\udfffb", ValueError),
    (MEGABYTE, ValueError),
]

#: Wrong for every parameter that takes a positive int (page numbers and sizes, prefetch).
BAD_COUNT: list[tuple[object, type[Exception]]] = [
    (0, ValueError),
    (-1, ValueError),
    (-HUGE, ValueError),
    (HUGE, ValueError),
    (2**63, ValueError),
    ("1", TypeError),
    ("", TypeError),
    (1.0, TypeError),
    (float("nan"), TypeError),
    (True, TypeError),
    (b"1", TypeError),
    ([1], TypeError),
]

BAD_ORDER_BY: list[tuple[object, type[Exception]]] = [
    ("", ValueError),
    ("name", ValueError),
    ("created_at\n", ValueError),
    ("CREATED_AT", ValueError),
    ("\ud800", ValueError),
    (MEGABYTE, ValueError),
    (1, TypeError),
    (True, TypeError),
    (b"created_at", TypeError),
    (["created_at"], TypeError),
]

BAD_ASC: list[tuple[object, type[Exception]]] = [
    ("false", TypeError),
    ("", TypeError),
    (1, TypeError),
    (0, TypeError),
    (1.0, TypeError),
    (b"", TypeError),
]

#: Wrong for every number of seconds.
BAD_SECONDS: list[tuple[object, type[Exception]]] = [
    (0, ValueError),
    (0.0, ValueError),
    (-0.0, ValueError),
    (-1, ValueError),
    (float("nan"), ValueError),
    (float("inf"), ValueError),
    (float("-inf"), ValueError),
    (10**400, ValueError),
    (HUGE, ValueError),
    (-HUGE, ValueError),
    ("5", TypeError),
    (b"5", TypeError),
    (True, TypeError),
    ([5], TypeError),
]

BAD_RETRIES: list[tuple[object, type[Exception]]] = [
    (-1, ValueError),
    (-HUGE, ValueError),
    (HUGE, ValueError),
    (1.0, TypeError),
    ("2", TypeError),
    (True, TypeError),
    (None, TypeError),
]

#: Wrong for every mapping of header names to values; values may be credentials.
BAD_HEADERS: list[tuple[object, type[Exception]]] = [
    ([("X-A", "1")], TypeError),
    ("X-A: 1", TypeError),
    ({"X-A": 1}, TypeError),
    ({"X-A": None}, TypeError),
    ({"X-A": b"v"}, TypeError),
    ({1: "v"}, TypeError),
    ({"": "v"}, ValueError),
    ({"X A": "v"}, ValueError),
    ({"X:A": "v"}, ValueError),
    ({"X-A\n": "v"}, ValueError),
    ({"X(A)": "v"}, ValueError),
    ({"X-Ä": "v"}, ValueError),
    ({"X-\ud800": "v"}, ValueError),
    ({MEGABYTE: "v"}, ValueError),
    ({"X-A": f"{HEADER_SECRET}\r\nX-Evil: 1"}, ValueError),
    ({"X-A": f"{HEADER_SECRET}\n"}, ValueError),
    ({"X-A": f"{HEADER_SECRET}\x00"}, ValueError),
    ({"X-A": f"{HEADER_SECRET}\x01"}, ValueError),
    ({"X-A": f"{HEADER_SECRET}\x7f"}, ValueError),
    ({"X-A": f"{HEADER_SECRET}\ud800"}, ValueError),
    ({"X-A": HEADER_SECRET + MEGABYTE}, ValueError),
    # Beyond Latin-1: aiohttp would send raw UTF-8 that no HTTP peer reads as text.
    ({"X-Name": f"café☃{HEADER_SECRET}"}, ValueError),
    ({"X-A": f"{HEADER_SECRET}\u0100"}, ValueError),
    ({"X-A": f"{HEADER_SECRET}😀"}, ValueError),
    # Header names are case-insensitive: one name twice is ambiguous.
    ({"X-A": HEADER_SECRET, "x-a": HEADER_SECRET}, ValueError),
    ({"authorization": HEADER_SECRET, "AUTHORIZATION": HEADER_SECRET}, ValueError),
]

BAD_QUERY: list[tuple[object, type[Exception]]] = [
    ([("q", "1")], TypeError),
    ("q=1", TypeError),
    ({1: "v"}, TypeError),
    ({"": "v"}, TypeError),
    ({"q": None}, TypeError),
    ({"q": [1]}, TypeError),
    ({"q": b"v"}, TypeError),
    ({"q": float("nan")}, TypeError),
    ({"q": float("inf")}, TypeError),
    ({"q": HUGE}, ValueError),
    ({"q": "a\x00b"}, ValueError),
    ({"q": "a\nb"}, ValueError),
    ({"q\n": "v"}, ValueError),
    ({"q": "\ud800"}, ValueError),
    ({"\udc00": "v"}, ValueError),
    ({"q": MEGABYTE}, ValueError),
    ({MEGABYTE: "v"}, ValueError),
]

OPTIONS = "request_options"
BAD_OPTIONS: list[Row] = [
    pytest.param({OPTIONS: []}, TypeError, OPTIONS, id="options=[]"),
    pytest.param({OPTIONS: "fast"}, TypeError, OPTIONS, id="options=str"),
    pytest.param({OPTIONS: {"timeout": 3}}, TypeError, OPTIONS, id="options-unknown-key"),
    pytest.param({OPTIONS: {1: 3}}, TypeError, OPTIONS, id="options-int-key"),
    pytest.param({OPTIONS: {MEGABYTE: 3}}, TypeError, OPTIONS, id="options-1MB-key"),
]
for _key, _bad in [
    ("timeout_in_seconds", [*BAD_SECONDS, (None, TypeError)]),
    ("total_timeout_in_seconds", [*BAD_SECONDS, (None, TypeError)]),
    ("max_retries", BAD_RETRIES),
    ("retry_writes", [(1, TypeError), ("true", TypeError), (None, TypeError)]),
    ("additional_headers", BAD_HEADERS),
    ("additional_query_parameters", BAD_QUERY),
]:
    BAD_OPTIONS += [
        pytest.param({OPTIONS: {_key: value}}, error, _key, id=f"{_key}={_label(value)}")
        for value, error in _bad
    ]

BAD_GET = _rows("session_id", BAD_TEXT) + [
    pytest.param({"session_id": "ok", **row.values[0]}, *row.values[1:], id=row.id)
    for row in BAD_OPTIONS
]
BAD_LIST = (
    _rows("page_number", BAD_COUNT)
    + _rows("page_size", BAD_COUNT)
    + _rows("order_by", BAD_ORDER_BY)
    + _rows("asc", BAD_ASC)
    + BAD_OPTIONS
)
BAD_ITER = (
    _rows("page_size", [*BAD_COUNT, (None, TypeError)])
    + _rows("prefetch", [*BAD_COUNT, (None, TypeError)])
    + _rows("order_by", BAD_ORDER_BY)
    + _rows("asc", BAD_ASC)
    + BAD_OPTIONS
)

#: (call, its bad rows); the iterators must refuse at the call, before the first page.
CALLS = [
    ("get_session", BAD_GET),
    ("list_sessions", BAD_LIST),
    ("iter_sessions", BAD_ITER),
    ("iter_session_pages", BAD_ITER),
]
CALL_ROWS = [
    pytest.param(call, *row.values, id=f"{call}-{row.id}") for call, rows in CALLS for row in rows
]

BAD_BASE_URLS: list[tuple[object, type[Exception]]] = [
    (42, TypeError),
    (b"http://127.0.0.1/api/v2", TypeError),
    ("", ValueError),
    ("   ", ValueError),
    ("ftp://zep.example/api/v2", ValueError),
    ("zep.example/api/v2", ValueError),
    ("http://", ValueError),
    ("http:///api/v2", ValueError),
    ("http://zep.example:99999/api/v2", ValueError),
    ("http://zep.example:port/api/v2", ValueError),
    ("http://[::1/api/v2", ValueError),
    ("http://zep .example/api/v2", ValueError),
    ("http://zep.example/api v2", ValueError),
    ("http://zep.example/api/v2?", ValueError),
    ("http://zep.example/api/v2#", ValueError),
    ("http://zep.example/api/v2?page_size=1", ValueError),
    ("http://user:pw@zep.example/api/v2", ValueError),
    (f"ftp://user:{SECRET}@zep.example/api/v2", ValueError),
    (f"http://user:{SECRET}@[::1/api/v2", ValueError),
    ("http://zep.example/api/v2\n", ValueError),
    ("http://zep.example/\ud800", ValueError),
    ("http://zep.example/" + MEGABYTE, ValueError),
]

BAD_CONSTRUCTOR = (
    _rows("api_key", [(value, error) for value, error in BAD_TEXT if value is not None])
    + _rows(
        "api_key",
        [
            (f"{SECRET}\r\nX-Evil: 1", ValueError),
            (f"{SECRET}\n", ValueError),
            (f"{SECRET}\x00", ValueError),
            (f"{SECRET}\ud800", ValueError),
            (SECRET + MEGABYTE, ValueError),
            (f"{SECRET}☃", ValueError),
            (f"{SECRET}\u0100", ValueError),
        ],
    )
    + _rows("base_url", BAD_BASE_URLS)
    + _rows("timeout", [*BAD_SECONDS, (None, TypeError)])
    + _rows("total_timeout", BAD_SECONDS)
    + _rows("max_retries", BAD_RETRIES)
    + _rows("headers", BAD_HEADERS)
    + _rows("max_connections", BAD_COUNT)
    + _rows("retry_policy", [({"initial_delay": 0}, TypeError), (RetryPolicy, TypeError)])
    + _rows("ssl", [("yes", TypeError), (None, TypeError), (1, TypeError), (ssl, TypeError)])
    + _rows("trust_env", [(1, TypeError), ("true", TypeError), (None, TypeError)])
    + _rows("retry_writes", [(1, TypeError), ("true", TypeError), (None, TypeError)])
)

BAD_RETRY_POLICY = [
    pytest.param({name: value}, error, name, id=f"{name}={_label(value)}")
    for name in ("initial_delay", "max_delay", "max_retry_after")
    for value, error in [
        (-1, ValueError),
        (float("nan"), ValueError),
        (float("inf"), ValueError),
        (10**400, ValueError),
        (-HUGE, ValueError),
        ("1", TypeError),
        (True, TypeError),
        (None, TypeError),
    ]
]


def _check_message(error: BaseException, name: str) -> None:
    text = str(error)
    assert name in text, text[:MAX_MESSAGE]
    assert len(text) < MAX_MESSAGE, text[:MAX_MESSAGE]
    assert SECRET not in text
    assert HEADER_SECRET not in text


@pytest.fixture(scope="module")
def server() -> Iterator[LocalZep]:
    """One threaded LocalZep for the whole table; each row checks it saw nothing new."""
    local = LocalZep(api_key=SECRET)
    with local.run_in_thread():
        local.add_session("ok")
        yield local


@pytest.fixture(scope="module")
def sync_zep(server: LocalZep) -> Iterator[Zep]:
    """One sync client for the whole table."""
    with Zep(api_key=SECRET, base_url=server.base_url, max_retries=0) as client:
        yield client


def _count(server: LocalZep) -> int:
    return server.count()


async def _call(method: Any, kwargs: dict[str, Any]) -> None:
    result = method(**kwargs)
    if inspect.isawaitable(result):  # the iterators refuse at the call, before any await
        await result


@pytest.mark.parametrize(("call", "kwargs", "error", "name"), CALL_ROWS)
async def test_async_call_refuses_bad_argument(
    server: LocalZep, call: str, kwargs: dict[str, Any], error: type[Exception], name: str
) -> None:
    """An AsyncZep call with a bad argument raises naming it and sends nothing."""
    before = _count(server)
    method = getattr(AsyncZep(api_key=SECRET, base_url=server.base_url).memory, call)
    with pytest.raises(error) as info:
        await _call(method, kwargs)
    _check_message(info.value, name)
    assert _count(server) == before


@pytest.mark.parametrize(("call", "kwargs", "error", "name"), CALL_ROWS)
def test_sync_call_refuses_bad_argument(
    server: LocalZep,
    sync_zep: Zep,
    call: str,
    kwargs: dict[str, Any],
    error: type[Exception],
    name: str,
) -> None:
    """A Zep call with a bad argument raises the same error in the caller and sends nothing."""
    before = _count(server)
    with pytest.raises(error) as info:
        getattr(sync_zep.memory, call)(**kwargs)
    _check_message(info.value, name)
    assert _count(server) == before


@pytest.mark.parametrize("cls", [AsyncZep, Zep])
@pytest.mark.parametrize(("kwargs", "error", "name"), BAD_CONSTRUCTOR)
def test_constructor_refuses_bad_argument(
    server: LocalZep,
    cls: type[AsyncZep | Zep],
    kwargs: dict[str, Any],
    error: type[Exception],
    name: str,
) -> None:
    """A bad constructor argument raises naming it, without echoing the key or a header."""
    settings = {"api_key": SECRET, "base_url": server.base_url, **kwargs}
    with pytest.raises(error) as info:
        cls(**settings)
    _check_message(info.value, name)


@pytest.mark.parametrize(("kwargs", "error", "name"), BAD_RETRY_POLICY)
def test_retry_policy_refuses_bad_argument(
    kwargs: dict[str, Any], error: type[Exception], name: str
) -> None:
    """RetryPolicy, passed to both constructors, refuses bad waits naming the field."""
    with pytest.raises(error) as info:
        RetryPolicy(**kwargs)
    _check_message(info.value, name)


@pytest.mark.parametrize("bad", [f"{SECRET}\x1b[31m", f"{SECRET}☃"])
def test_bad_key_from_the_environment_is_not_echoed(
    monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    """A malformed ZEP_API_KEY is refused naming the variable, without showing its value."""
    monkeypatch.setenv("ZEP_API_KEY", bad)
    with pytest.raises(ValueError, match="ZEP_API_KEY") as info:
        AsyncZep(base_url="http://127.0.0.1:9/api/v2")
    assert SECRET not in str(info.value)
    assert "☃" not in str(info.value)


@pytest.mark.parametrize("root", ["http://127.0.0.1:99999", "http://[::1", "http://a b"])
def test_bad_api_url_from_the_environment_names_it(
    monkeypatch: pytest.MonkeyPatch, root: str
) -> None:
    """A malformed ZEP_API_URL is refused naming the variable."""
    monkeypatch.setenv("ZEP_API_URL", root)
    with pytest.raises(ValueError, match="ZEP_API_URL"):
        AsyncZep(api_key=SECRET)


async def test_edge_values_that_are_valid_reach_the_server(server: LocalZep) -> None:
    """Empty header and query values, tabs and non-ASCII text are accepted and arrive intact."""
    before = _count(server)
    async with AsyncZep(
        api_key=SECRET, base_url=server.base_url, headers={"X-Empty": "", "X-Tab": "a\tb"}
    ) as zep:
        await zep.memory.get_session(
            "ok",
            request_options={
                "additional_headers": {"X-Text": "naïve"},
                "additional_query_parameters": {"empty": "", "word": "naïve 日本", "n": -5},
            },
        )
    request = server.requests[before]
    assert request.headers["X-Empty"] == ""
    assert request.headers["X-Tab"] == "a\tb"
    assert request.query == {"empty": "", "word": "naïve 日本", "n": "-5"}
