"""The handler that docs/errors.md recommends catches every failure the SDK raises (14.14).

A 200 with an HTML body (a captive portal, a misrouted proxy) raises
``APIResponseValidationError``; the page's old handler caught only
``(APIStatusError, APIConnectionError)`` and let it escape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from zep_async import APIResponseValidationError, APIStatusError, Zep
from zep_async.testing import LocalZep

PAGE = Path(__file__).resolve().parent.parent / "docs" / "errors.md"

Handler = Callable[[Zep, str], "str | None"]


def _documented_handler() -> Handler:
    """Load ``user_of`` from the "What to catch" example, without running its last lines."""
    section = PAGE.read_text(encoding="utf-8").split("## What to catch", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    definitions = code.split("\nwith Zep()", 1)[0]
    namespace: dict[str, object] = {}
    exec(compile(definitions, str(PAGE), "exec"), namespace)  # noqa: S102 - our own docs
    handler = namespace["user_of"]
    assert callable(handler)
    return handler  # type: ignore[return-value]


@pytest.fixture
def server() -> Iterator[LocalZep]:
    """A local server with one known session."""
    local = LocalZep()
    local.add_session("known", user_id="u-1")
    with local.run_in_thread():
        yield local


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (200, "<html><title>Sign in to the Wi-Fi</title></html>", APIResponseValidationError),
        (503, '{"message": "down"}', APIStatusError),
    ],
)
def test_the_last_branch_catches_what_the_server_sends(
    server: LocalZep,
    capsys: pytest.CaptureFixture[str],
    status: int,
    body: str,
    expected: type[Exception],
) -> None:
    user_of = _documented_handler()
    server.fail("get_session", status, body=body, content_type="text/html", times=10)
    with (
        Zep(api_key=server.api_key, base_url=server.base_url, max_retries=0) as zep,
        pytest.raises(expected),
    ):
        user_of(zep, "known")
    assert "Zep failed after 1 attempt(s)" in capsys.readouterr().out


def test_the_handler_still_returns_the_normal_outcomes(server: LocalZep) -> None:
    user_of = _documented_handler()
    with Zep(api_key=server.api_key, base_url=server.base_url) as zep:
        assert user_of(zep, "known") == "u-1"
        assert user_of(zep, "missing") is None
