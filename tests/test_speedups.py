"""The speedups extra: orjson and the standard library give the same results.

Each case runs through both paths of ``zep_async._json`` (orjson, when the dev
extra installed it, and ``json``) and compares: equal values and models, the
same bytes on the wire, the same error text. tests/test_speedups_stdlib.py runs
the decoding and encoding suites again with orjson switched off.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zep_async import APIResponseValidationError, Message, Session, SessionListResponse
from zep_async._codec import _json, decode, use_compiled
from zep_async._codec._encode import check_messages, encode_body

HAVE_ORJSON = _json.use_orjson(None)
needs_orjson = pytest.mark.skipif(not HAVE_ORJSON, reason="orjson is not installed")


@pytest.fixture(autouse=True)
def _restore() -> Iterator[None]:
    use_compiled(False)  # orjson against json here; msgspec has test_speedups_msgspec.py
    yield
    _json.use_orjson(None)
    use_compiled(None)


def both(call: Callable[[], Any]) -> tuple[Any, Any]:
    """``call()`` with orjson, then with json: each a value or ``(type, message)`` raised."""
    outcomes = []
    for enabled in (True, False):
        _json.use_orjson(enabled)
        try:
            outcomes.append(("ok", call()))
        except Exception as exc:
            outcomes.append((type(exc), str(exc)))
    _json.use_orjson(None)
    return outcomes[0], outcomes[1]


def same(call: Callable[[], Any]) -> Any:
    """Assert both paths agree (NaN compared as NaN); return the outcome."""
    fast, slow = both(call)
    assert repr(fast) == repr(slow)
    return fast


def _nest(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


@needs_orjson
def test_orjson_is_used_when_installed_and_not_imported_by_the_package() -> None:
    assert _json.backend() == "orjson"
    code = "import sys, zep_async; print('orjson' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # noqa: S603
    assert out.stdout.strip() == "False"


def test_without_orjson_everything_goes_through_json() -> None:
    """orjson blocked at import: the package imports, decodes and encodes through json."""
    code = (
        "import sys; sys.modules['orjson'] = None\n"
        "from zep_async import Session\n"
        "from zep_async._codec import _json, decode\n"
        "from zep_async._codec._encode import encode_body\n"
        "assert _json.backend() == 'json'\n"
        's = decode(Session, b\'{"session_id": "a", "metadata": {"n": 1e-05}}\')\n'
        "assert s.metadata == {'n': 1e-05}\n"
        "print(encode_body({'session_id': 'a', 'metadata': {'x': '\u00e9', 'n': 2**70}}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # noqa: S603
    assert out.stdout.strip() == repr(
        '{"session_id":"a","metadata":{"x":"\u00e9","n":1180591620717411303424}}'.encode()
    )


BODIES = [
    b'{"a": 1, "a": 2}',
    b"18446744073709551615",
    b"18446744073709551616",  # beyond 64 bits: orjson would give a float
    b"-9223372036854775808",
    b"-9223372036854775809",
    b'{"n": 123456789012345678901234567890}',
    b"1" * 5000,  # beyond Python's 4,300 digits
    b"[NaN, Infinity, -Infinity]",
    b"[1e400, -1e400, 1e-400]",
    b"[1.5, -0.0, 5e-324, 1E5, 0.1]",
    b'"\\ud800"',  # a lone surrogate, escaped
    b'"\\ud83d\\ude00 \xf0\x9f\x98\x80"',
    b'"\xed\xa0\x80"',  # a surrogate in raw bytes: not UTF-8
    b'"\xff"',
    b"\xef\xbb\xbf{}",  # a byte-order mark
    '{"a": "\u00e9"}'.encode("utf-16"),
    '{"a": "\u00e9"}'.encode("utf-32-le"),
    b"",
    b"   ",
    b"{} x",
    b"[1,]",
    b"01",
    b'"a\tb"',
    b'"\\u0000\x7f"',
    b"  \t\r\n{}  ",
    _nest(500),
    _nest(1025),
    _nest(100_000),
]


@needs_orjson
@pytest.mark.parametrize("body", BODIES, ids=lambda b: repr(b[:24]))
def test_loads_gives_the_same_value_or_the_same_error(body: bytes) -> None:
    outcome = same(lambda: _json.loads(body))
    if body.startswith(b"1111"):
        assert outcome[0] is ValueError


@needs_orjson
def test_big_integers_stay_integers() -> None:
    for enabled in (True, False):
        _json.use_orjson(enabled)
        assert _json.loads(b"[18446744073709551616, -9223372036854775809]") == [2**64, -(2**63) - 1]


@needs_orjson
def test_nesting_past_1024_is_refused_by_json_not_orjson() -> None:
    """orjson's depth limit falls back to json, whose error is the one raised."""
    _json.use_orjson(True)
    with pytest.raises(RecursionError):
        _json.loads(_nest(1025))


@needs_orjson
@pytest.mark.parametrize(
    "body",
    [
        b'{"session_id": "s", "metadata": {"n": 18446744073709551616, "x": NaN}}',
        b'{"session_id": "s", "id": 18446744073709551616}',
        b'{"session_id": 5}',
        b"not json",
        b"\xef\xbb\xbf{}",
        b'{"session_id": "\\ud800"}',
        b'{"session_id": "s", "metadata": ' + _nest(1025) + b"}",
        b'{"session_id": "s", "metadata": {"deep": ' + _nest(300) + b"}}",
    ],
    ids=lambda b: repr(b[:30]),
)
def test_decode_gives_equal_models_or_the_same_error(body: bytes) -> None:
    same(lambda: decode(Session, body, status_code=200, request_id="r", method="GET", url="u"))


@needs_orjson
def test_a_page_decodes_to_equal_models() -> None:
    from benchmarks.payloads import page_body

    body = page_body(50)
    fast, slow = both(lambda: decode(SessionListResponse, body))
    assert fast[0] == "ok"
    assert fast == slow


def test_error_text_is_the_same_for_bad_json() -> None:
    """What a user sees for a body that is not JSON does not depend on orjson."""
    errors = []
    for enabled in (True, False):
        _json.use_orjson(enabled)
        with pytest.raises(APIResponseValidationError) as caught:
            decode(Session, b'{"session_id": "s",}')
        errors.append((str(caught.value), caught.value.errors))
    assert errors[0] == errors[1]
    assert "body is not valid JSON: Expecting property name" in errors[0][0]


# JSON values as encode_body takes them (metadata): any depth hypothesis builds, every
# kind of text and number, including floats (which orjson would write differently).
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)


def _no_surrogates(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@pytest.mark.pure
@needs_orjson
@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=6), _values, max_size=5))
def test_dumps_writes_the_bytes_json_writes(metadata: dict[str, Any]) -> None:
    if not _no_surrogates(metadata):
        return  # encode_body refuses these before encoding; see the next test
    fast, slow = both(lambda: encode_body({"session_id": "s", "metadata": metadata}))
    assert fast == slow
    expected = json.dumps(
        {"session_id": "s", "metadata": metadata}, ensure_ascii=False, separators=(",", ":")
    ).encode()
    assert fast == ("ok", expected)


@needs_orjson
@pytest.mark.parametrize(
    "value",
    [
        {"f": 1e-05, "g": 1e16, "h": 1.5, "i": -0.0, "j": 5e-324, "k": 1e22},
        {"big": 2**64, "neg": -(2**63) - 1, "top": 2**64 - 1},
        {"deep": json.loads(_nest(300))},
        {"deep": json.loads(_nest(900))},
        {"text": "\x00\x1f\x7f\u2028\u2029\ue000\U0001f600\"\\/<>&'"},
        {"text": "1.5 e 2E 3e 4.0 digits 1234567890123456789012"},
        {"surrogate": "\ud800"},
        {"nan": math.nan},
        {"huge": 10**5000},
        {"set": {1}},
    ],
    ids=lambda v: next(iter(v)),
)
def test_encode_body_same_bytes_or_same_error(value: dict[str, Any]) -> None:
    same(lambda: encode_body({"session_id": "s", "metadata": value}))


@needs_orjson
def test_messages_encode_to_the_same_bytes() -> None:
    messages = check_messages(
        [
            {"content": "héllo\n", "role_type": "user", "metadata": {"score": 0.25, "n": 2}},
            Message(content="ok", role_type="assistant", role="Bot"),
        ]
    )
    fast, slow = both(lambda: encode_body({"messages": messages}))
    assert fast == slow
    assert fast[0] == "ok"


def test_use_orjson_switches_and_reports() -> None:
    assert _json.use_orjson(False) is False
    assert _json.backend() == "json"
    assert _json.use_orjson(None) is HAVE_ORJSON
    assert _json.backend() == ("orjson" if HAVE_ORJSON else "json")
