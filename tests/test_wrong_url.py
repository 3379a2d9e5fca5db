"""A wrong URL is told apart from a missing object, against the SDK's own server, both flavors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from zep_async import APIStatusError, NotFoundError, Zep
from zep_async.testing import LocalZep

from .cli_support import zep_cli

HINT = "the URL may be wrong"


@pytest.fixture(params=["cloud", "ce"])
def server(request: pytest.FixtureRequest) -> Iterator[LocalZep]:
    """A running LocalZep of each flavor, with one session."""
    local = LocalZep(flavor=request.param)
    local.add_session("s-1")
    with local.run_in_thread():
        yield local


def test_the_cli_hints_at_a_wrong_url(server: LocalZep) -> None:
    """ZEP_API_URL=.../v2 (a path the server does not route) gives the "URL may be wrong" hint."""
    result = zep_cli("sessions", "get", "s-1", server=server, ZEP_API_URL=server.root_url + "/v2")
    assert result.returncode == 1
    assert HINT in result.stderr
    assert "404" in result.stderr


def test_the_cli_gives_no_hint_for_a_missing_session(server: LocalZep) -> None:
    """The right URL and a missing session: a plain not found, no hint about the URL."""
    result = zep_cli("sessions", "get", "nope", server=server)
    assert result.returncode == 1
    assert "not found" in result.stderr
    assert HINT not in result.stderr


def test_the_sdk_tells_a_wrong_base_url_from_a_missing_session(server: LocalZep) -> None:
    """The SDK's 404 for an unrouted path has the router's text and the hint; a missing one not."""
    wrong_url = Zep(api_key=server.api_key, base_url=server.root_url + "/v2")
    with wrong_url as zep, pytest.raises(APIStatusError) as wrong:
        zep.memory.get_session("s-1")
    with (
        Zep(api_key=server.api_key, base_url=server.base_url) as zep,
        pytest.raises(NotFoundError) as missing,
    ):
        zep.memory.get_session("nope")
    assert (wrong.value.body, missing.value.body) == (
        "404 page not found\n",
        {"message": "not found"},
    )
    assert (wrong.value.status_code, missing.value.status_code) == (404, 404)
    assert HINT in str(wrong.value)
    assert HINT not in str(missing.value)
