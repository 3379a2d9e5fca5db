"""decode_reply: a transport Reply to a model, bounded in items and counted in the deadline."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from typing import Any

import pytest

from zep_async import (
    APIResponseValidationError,
    APITimeoutError,
    Session,
    SessionListResponse,
)
from zep_async._codec import _compiled, _fastpath, decode, decode_reply, use_compiled
from zep_async._reply import Reply

PATHS = [True, False]  # the compiled decoder (when installed), then the standard path


@pytest.fixture(params=PATHS, ids=["compiled", "standard"])
def path(request: pytest.FixtureRequest) -> Iterator[bool]:
    use_compiled(request.param)
    yield request.param
    use_compiled(None)


def _reply(body: bytes, *, deadline: float | None = None, method: str = "GET") -> Reply:
    return Reply(
        method=method,
        url="http://zep.test/api/v2/sessions-ordered?page_size=100",
        status=200,
        headers={"X-Zep-Request-ID": "req-1"},
        body=body,
        attempts=2,
        may_have_been_applied=False,
        deadline=deadline,
    )


def _bomb() -> bytes:
    """4 KB of gzip that expands to 1.4 M empty objects in the sessions array."""
    body = b'{"sessions":[' + b"{}," * 1_400_000 + b'{}],"total_count":1}'
    packed = gzip.compress(body, 9)
    assert len(packed) < 8_000
    return gzip.decompress(packed)  # what the transport hands the codec


def test_a_reply_decodes_into_its_model(path: bool) -> None:
    """A 2xx reply's body becomes the model."""
    page = decode_reply(SessionListResponse, _reply(b'{"sessions":[{"session_id":"a"}]}'))
    assert [s.session_id for s in page.sessions] == ["a"]


def test_a_bad_body_error_carries_the_reply(path: bool) -> None:
    """The validation error names status, method, url, request id and attempts."""
    with pytest.raises(APIResponseValidationError) as caught:
        decode_reply(Session, _reply(b'{"session_id": 5}'))
    error = caught.value
    assert (error.status_code, error.method, error.request_id, error.attempts) == (
        200,
        "GET",
        "req-1",
        2,
    )
    assert str(error.url).endswith("page_size=100")


def test_may_have_been_applied_reaches_the_error(path: bool) -> None:
    """decode passes may_have_been_applied into the validation error."""
    with pytest.raises(APIResponseValidationError) as caught:
        decode(Session, b"nope", method="POST", may_have_been_applied=True)
    assert caught.value.may_have_been_applied is True
    assert "may have been applied" in str(caught.value)


def test_a_page_longer_than_asked_for_is_refused(path: bool) -> None:
    """Three sessions where two were asked for: refused, saying how many."""
    body = b'{"sessions":[{},{},{}]}'
    with pytest.raises(
        APIResponseValidationError, match=r"\$.sessions holds 3 items, more than the 2"
    ):
        decode_reply(SessionListResponse, _reply(body), max_items=2)


def test_a_bare_array_longer_than_asked_for_is_refused(path: bool) -> None:
    """The same for a bare JSON array of models."""
    with pytest.raises(APIResponseValidationError, match=r"\$ holds 2 items, more than the 1"):
        decode(list[Session], b"[{},{}]", max_items=1)


def test_a_page_of_exactly_max_items_decodes(path: bool) -> None:
    """max_items itself is allowed."""
    page = decode(SessionListResponse, b'{"sessions":[{},{}]}', max_items=2)
    assert len(page.sessions) == 2


def test_a_compressed_bomb_builds_no_models(path: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """4 KB of gzip expanding to 1.4 M objects is refused before any Session is built."""
    built: list[Any] = []
    counting_functions: dict[Any, Any] = {}
    for checked in (True, False):
        real = _fastpath.fast_function(Session, checked)
        assert real is not None

        def counting(value: Any, real: Any = real) -> Any:
            built.append(1)
            return real(value)

        counting_functions[(Session, checked)] = counting
    # Only Session's functions are kept (counting): the page's are generated anew around them.
    monkeypatch.setattr(_fastpath, "_fast_functions", counting_functions)
    monkeypatch.setattr(_compiled, "_plans", {})
    decode(SessionListResponse, b'{"sessions":[{},{}]}', max_items=2)
    assert len(built) == 2  # the counter sees every Session built
    with pytest.raises(APIResponseValidationError, match="1400001 items, more than the 100"):
        decode_reply(SessionListResponse, _reply(_bomb()), max_items=100)
    assert len(built) == 2


def test_decoding_past_the_deadline_is_the_call_timeout(path: bool) -> None:
    """A body decoded after reply.deadline raises the call's timeout error."""
    now = [10.0]
    with pytest.raises(APITimeoutError) as caught:
        decode_reply(
            Session,
            _reply(b"{}", deadline=9.5),
            clock=lambda: now[0],
            total_timeout=5,
        )
    message = str(caught.value)
    assert "total_timeout=5 s ran out while decoding the response" in message
    assert caught.value.attempts == 2
    assert caught.value.may_have_been_applied is False


def test_a_write_decoded_too_late_says_it_was_applied(path: bool) -> None:
    """A 2xx to a POST that comes back past the deadline was applied: the error says so."""
    with pytest.raises(APITimeoutError) as caught:
        decode_reply(Session, _reply(b"{}", deadline=1.0, method="POST"), clock=lambda: 2.0)
    assert caught.value.may_have_been_applied is True


def test_decoding_within_the_deadline_returns_the_model(path: bool) -> None:
    """Before the deadline the model comes back."""
    session = decode_reply(Session, _reply(b'{"session_id":"a"}', deadline=3.0), clock=lambda: 2.0)
    assert session.session_id == "a"
