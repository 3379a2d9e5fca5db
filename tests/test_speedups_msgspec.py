"""The compiled decoder (msgspec) against the standard path: equal values or equal errors."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_convert_fast import MODELS, PAGES, SESSIONS
from tests.test_speedups import BODIES, _nest
from zep_async import Message, MessageListResponse, Session, SessionListResponse, User
from zep_async._codec import _compiled, decode, use_compiled

HAVE_MSGSPEC = use_compiled(None)
needs_msgspec = pytest.mark.skipif(not HAVE_MSGSPEC, reason="msgspec is not in use")


@pytest.fixture(autouse=True)
def _restore() -> Iterator[None]:
    yield
    use_compiled(None)


def _outcome(call: Callable[[], Any]) -> str:
    try:
        return repr(call())  # repr: a naive and an aware time, or +00:00 and UTC, differ
    except Exception as exc:
        errors = getattr(exc, "errors", None)
        return f"{type(exc).__name__}: {exc} {errors}"


def same(cls: Any, body: bytes, **kwargs: Any) -> str:
    """Assert the compiled and the standard path agree on ``body``; return the outcome."""
    outcomes = []
    for enabled in (True, False):
        use_compiled(enabled)
        outcomes.append(_outcome(lambda: decode(cls, body, method="GET", url="u", **kwargs)))
    use_compiled(None)
    assert outcomes[0] == outcomes[1]
    return outcomes[0]


def _body(value: Any, ascii_only: bool) -> bytes:
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


def test_import_zep_async_loads_neither_msgspec_nor_orjson() -> None:
    """``import zep_async`` leaves both speedups unimported; they load on first decode."""
    code = (
        "import sys, zep_async\n"
        "print(sorted(m for m in ('msgspec', 'orjson') if m in sys.modules))\n"
        "zep_async._codec.decode(zep_async.Session, b'{}')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # noqa: S603
    assert out.stdout.strip() == "[]"


@needs_msgspec
def test_msgspec_is_the_backend_when_installed() -> None:
    """With the extra installed, decoding goes through msgspec."""
    assert _compiled.backend() == "msgspec"
    assert use_compiled(False) is False
    assert _compiled.backend() == "standard"


@pytest.mark.parametrize(
    ("setup", "why"),
    [
        ("sys.modules['msgspec'] = None", "absent"),
        (
            "import types; m = types.ModuleType('msgspec'); m.__version__ = '0.17.0';"
            " sys.modules['msgspec'] = m",
            "too old",
        ),
        ("import os; os.environ['ZEP_ASYNC_NO_SPEEDUPS'] = '1'", "switched off"),
        (
            "import zep_async._codec._compiled as c; c._SAMPLE = b'[]'",
            "self-check fails",
        ),
    ],
    ids=lambda value: value if " " not in value or value.count(" ") < 2 else None,
)
def test_the_standard_path_decodes_when_msgspec_cannot_be_used(setup: str, why: str) -> None:
    """msgspec absent, too old, switched off or failing its self-check: the standard path."""
    code = (
        f"import sys; {setup}\n"
        "from zep_async import Session\n"
        "from zep_async._codec import _compiled, decode\n"
        's = decode(Session, b\'{"session_id": "a", "created_at": "2024-08-07T18:25:43"}\')\n'
        "print(_compiled.backend(), s.session_id, s.created_at.tzinfo)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # noqa: S603
    assert out.stdout.strip() == "standard a UTC", why


def test_no_speedups_switch_turns_orjson_off_too() -> None:
    """``ZEP_ASYNC_NO_SPEEDUPS`` makes the whole codec run as without the extra."""
    code = (
        "import os; os.environ['ZEP_ASYNC_NO_SPEEDUPS'] = '1'\n"
        "from zep_async._codec import _compiled, _json\n"
        "print(_compiled.backend(), _json.backend())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # noqa: S603
    assert out.stdout.strip() == "standard json"


HOSTILE = [
    *BODIES,
    b'{"session_id": "s", "metadata": {"n": 18446744073709551616, "x": NaN}}',
    b'{"session_id": "s", "id": 18446744073709551616}',
    b'{"session_id": "s", "id": 123456789012345678901234567890}',
    b'{"session_id": 5}',
    b'{"session_id": "s", "created_at": "2024-08-07T18:25:43z"}',
    b'{"session_id": "s", "created_at": "2024-08-07T18:25:43.9999999Z"}',
    b'{"session_id": "s", "created_at": "2024-08-07T18:25:43"}',
    b'{"session_id": "s", "created_at": "2024-08-07T18:25:43,5Z"}',
    b'{"session_id": "s", "created_at": "2024-08-07 18:25:43+02:00"}',
    b'{"session_id": "s", "created_at": "2024-08-07"}',
    b'{"session_id": "s", "created_at": 5}',
    b'{"session_id": "s", "id": 1.0}',
    b'{"session_id": "s", "id": true}',
    b'{"session_id": "s", "facts": null, "metadata": {"x": 1e999}}',
    b'{"session_id": "s", "fact_rating_instruction": {"examples": {"high": 1}}}',
    b'{"session_id": "a", "session_id": "b"}',
    b"not json",
    b"",
    b"null",
    b"[]",
    b"\xef\xbb\xbf{}",
    b"\xff\xfe{\x00}\x00",
    b'{"session_id": "\\ud800"}',
    b'{"session_id": "\xed\xa0\x80"}',
    b'{"session_id": "s"} trailing',
    b'{"session_id": "s", "metadata": ' + _nest(1025) + b"}",
    b'{"session_id": "s", "metadata": {"deep": ' + _nest(300) + b"}}",
    b'{"session_id": "s", "metadata": {"deep": ' + _nest(5000) + b"}}",
]


@needs_msgspec
@pytest.mark.parametrize("body", HOSTILE, ids=lambda b: repr(b[:30]))
def test_hostile_bodies_give_the_same_model_or_error(body: bytes) -> None:
    """Each hostile body: an equal Session from both paths, or the same error text."""
    same(Session, body)


@needs_msgspec
@pytest.mark.parametrize(
    ("cls", "body"),
    [
        (SessionListResponse, b'{"sessions": null, "total_count": 0}'),
        (SessionListResponse, b'{"sessions": [null], "total_count": 1}'),
        (SessionListResponse, b'{"sessions": [{"id": "x"}, {}]}'),
        (MessageListResponse, b'{"messages": [{"role_type": "robot", "content": "c"}]}'),
        (MessageListResponse, b'{"messages": [{"role_type": 3}]}'),
        (list[Session], b"null"),
        (list[Session], b"[{}, 5]"),
        (list[Session], b'{"sessions": []}'),
        (User, b'{"user_id": "u", "session_count": 2, "created_at": "2024-08-07T18:25:43Z"}'),
    ],
)
def test_pages_and_lists_give_the_same_models_or_error(cls: Any, body: bytes) -> None:
    """Null lists, unknown enumerations, bare arrays: the same outcome both ways."""
    same(cls, body)


@needs_msgspec
def test_an_unknown_role_type_is_kept_as_its_string() -> None:
    """An open enumeration stays a string on the compiled path too."""
    message = decode(Message, b'{"role_type": "robot", "content": "c"}')
    assert message.role_type == "robot"


@pytest.mark.pure
@needs_msgspec
@settings(max_examples=300, deadline=None)
@given(SESSIONS, st.booleans())
def test_sessions_decode_the_same_both_ways(value: dict[str, Any], ascii_only: bool) -> None:
    """Generated sessions of every shape: equal values or equal error text."""
    same(Session, _body(value, ascii_only))


@pytest.mark.pure
@needs_msgspec
@settings(max_examples=150, deadline=None)
@given(PAGES, st.booleans())
def test_pages_decode_the_same_both_ways(value: dict[str, Any], ascii_only: bool) -> None:
    """Generated pages, sessions mixed in shape: equal values or equal error text."""
    same(SessionListResponse, _body(value, ascii_only))


@pytest.mark.pure
@needs_msgspec
@settings(max_examples=60, deadline=None)
@given(st.data())
def test_every_model_decodes_the_same_both_ways(data: st.DataObject) -> None:
    """Each v2 model over its strategy: equal values or equal error text."""
    for cls, shapes in MODELS:
        same(cls, _body(data.draw(shapes, label=cls.__name__), True))


@pytest.mark.pure
@needs_msgspec
@settings(max_examples=60, deadline=None)
@given(st.lists(SESSIONS, max_size=6), st.integers(0, 4))
def test_max_items_refuses_the_same_both_ways(sessions: list[Any], max_items: int) -> None:
    """A page longer than asked for is refused with the same text by both paths."""
    same(SessionListResponse, _body({"sessions": sessions}, True), max_items=max_items)
