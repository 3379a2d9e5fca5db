"""``decode``'s first step: msgspec's ready plan for a model, and what happens when it refuses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from zep_async import APIResponseValidationError, Session
from zep_async._codec import _compiled, decode, use_compiled

needs_msgspec = pytest.mark.skipif(not use_compiled(None), reason="msgspec is not in use")


@pytest.fixture(autouse=True)
def _restore() -> Iterator[None]:
    yield
    use_compiled(None)


def _error(body: bytes) -> str:
    with pytest.raises(APIResponseValidationError) as caught:
        decode(Session, body)
    return f"{caught.value} {caught.value.errors}"


@needs_msgspec
def test_the_self_check_runs_once_not_per_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """A thousand decodes after switching the decoder on run msgspec's self-check once."""
    checks: list[int] = []
    original = _compiled._self_check

    def counted() -> bool:
        checks.append(1)
        return original()

    monkeypatch.setattr(_compiled, "_self_check", counted)
    use_compiled(None)
    for _ in range(1000):
        decode(Session, b'{"session_id": "s"}')
    assert checks == [1]


@needs_msgspec
def test_a_decoded_model_leaves_its_plan_ready() -> None:
    """After one decode the model's plan is ready, and the next decode uses it."""
    use_compiled(None)
    first = decode(Session, b'{"session_id": "a", "created_at": "2024-08-01T18:25:43.123456789Z"}')
    assert Session in _compiled.ready
    second = decode(Session, b'{"session_id": "a", "created_at": "2024-08-01T18:25:43.123456789Z"}')
    assert first == second
    assert second.created_at is not None
    assert second.created_at.microsecond == 123456


@needs_msgspec
def test_switching_the_decoder_off_empties_the_ready_plans() -> None:
    """use_compiled(False) leaves no ready plan behind: decode takes the standard path."""
    decode(Session, b"{}")
    use_compiled(False)
    assert _compiled.ready == {}
    assert decode(Session, b'{"session_id": "s"}').session_id == "s"


@pytest.mark.parametrize(
    "body",
    [
        b'{"session_id": 5}',
        b'{"created_at": "not a time"}',
        b"not json",
        b'{"metadata": []}',
        b"[]",
    ],
)
def test_a_body_the_ready_plan_refuses_gets_the_standard_paths_error(body: bytes) -> None:
    """What the ready plan refuses is worded by the standard path, with or without msgspec."""
    use_compiled(None)
    decode(Session, b"{}")  # the plan is ready, when msgspec is in use
    compiled = _error(body)
    use_compiled(False)
    assert compiled == _error(body)
