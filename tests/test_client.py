"""AsyncZep configuration and lifecycle."""

from __future__ import annotations

import asyncio
import logging

import pytest

from zep_async import DEFAULT_BASE_URL, AsyncZep
from zep_async.testing import LocalZep

SECRET = "sk-very-secret-key-123"


def test_api_key_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """ZEP_API_KEY is read when the client is constructed."""
    monkeypatch.setenv("ZEP_API_KEY", SECRET)
    zep = AsyncZep()
    assert zep._transport._headers["Authorization"] == f"Api-Key {SECRET}"


def test_explicit_key_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """An api_key argument is used even when ZEP_API_KEY is set."""
    monkeypatch.setenv("ZEP_API_KEY", "from-env")
    zep = AsyncZep(api_key=SECRET)
    assert zep._transport._headers["Authorization"] == f"Api-Key {SECRET}"


def test_missing_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """No argument and no environment variable: a ValueError that says where to put it."""
    monkeypatch.delenv("ZEP_API_KEY", raising=False)
    with pytest.raises(ValueError, match="ZEP_API_KEY"):
        AsyncZep()


@pytest.mark.parametrize(
    ("key", "error"),
    [
        ("", ValueError),
        ("   ", ValueError),
        (f"{SECRET}\r\nX-Evil: 1", ValueError),
        (f"{SECRET}\n", ValueError),
        (f"{SECRET}\x00", ValueError),
        (12345, TypeError),
        (b"bytes-key", TypeError),
    ],
)
def test_bad_keys_are_refused_without_echo(key: object, error: type[Exception]) -> None:
    """A blank key or one with CR, LF or NUL is refused, and the message does not show it."""
    with pytest.raises(error, match="api_key") as info:
        AsyncZep(api_key=key)  # type: ignore[arg-type]
    assert SECRET not in str(info.value)


def test_bad_key_in_environment_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bad ZEP_API_KEY is reported as the environment variable, not as api_key."""
    monkeypatch.setenv("ZEP_API_KEY", " ")
    with pytest.raises(ValueError, match="ZEP_API_KEY"):
        AsyncZep()


def test_default_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without base_url or ZEP_API_URL the client talks to Zep Cloud."""
    monkeypatch.delenv("ZEP_API_URL", raising=False)
    assert AsyncZep(api_key="k").base_url == DEFAULT_BASE_URL == "https://api.getzep.com/api/v2"


def test_zep_api_url_is_the_server_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """ZEP_API_URL is read as the official SDK reads it: the root, with /api/v2 appended."""
    monkeypatch.setenv("ZEP_API_URL", "http://localhost:8000/")
    assert AsyncZep(api_key="k").base_url == "http://localhost:8000/api/v2"


@pytest.mark.parametrize(
    "root",
    [
        "http://localhost:8000/api/v2",
        "http://localhost:8000/api/v2/",
        "http://localhost:8000/API/V2",
        " http://localhost:8000/api/v2 ",
    ],
)
def test_zep_api_url_that_is_already_the_base_is_not_doubled(
    monkeypatch: pytest.MonkeyPatch, root: str
) -> None:
    """A ZEP_API_URL that already ends in /api/v2 is not given a second /api/v2."""
    monkeypatch.setenv("ZEP_API_URL", root)
    assert AsyncZep(api_key="k").base_url.lower() == "http://localhost:8000/api/v2"


@pytest.mark.parametrize(
    "url",
    [
        "https://api..getzep.com/api/v2",
        "https://.getzep.com/api/v2",
        "https://getzep..com:8000/api/v2",
        "https://" + "a" * 64 + ".getzep.com/api/v2",
        "https://" + ("a" * 60 + ".") * 5 + "com/api/v2",
        "https://api\x80.getzep.com/api/v2",
    ],
)
def test_a_host_that_cannot_be_looked_up_is_refused(url: str) -> None:
    """A host the resolver cannot encode (empty or long labels) is refused at construction."""
    with pytest.raises(ValueError, match="base_url has a host name"):
        AsyncZep(api_key="k", base_url=url)


def test_a_bad_host_in_zep_api_url_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same check names ZEP_API_URL when the URL came from there."""
    monkeypatch.setenv("ZEP_API_URL", "https://api..getzep.com")
    with pytest.raises(ValueError, match="ZEP_API_URL"):
        AsyncZep(api_key="k")


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("https://m\u00fcnchen.example/api/v2", "https://xn--mnchen-3ya.example/api/v2"),
        ("https://M\u00fcnchen.example:8443/api/v2/", "https://xn--mnchen-3ya.example:8443/api/v2"),
        ("http://127.0.0.1:8000/\u00e4/api/v2", "http://127.0.0.1:8000/%C3%A4/api/v2"),
        ("http://[::1]:8000/x{y}|z", "http://[::1]:8000/x%7By%7D%7Cz"),
        ("http://127.0.0.1:8000/a%20b/api/v2", "http://127.0.0.1:8000/a%20b/api/v2"),
    ],
)
def test_a_base_url_is_made_ascii_for_the_wire(url: str, base: str) -> None:
    """A non-ASCII host becomes its IDNA form and unsafe path characters are percent-encoded."""
    assert AsyncZep(api_key="k", base_url=url).base_url == base


def test_a_stray_percent_in_the_path_is_refused() -> None:
    """A '%' not followed by two hex digits cannot be meant: it is refused, naming base_url."""
    with pytest.raises(ValueError, match="base_url has a '%'"):
        AsyncZep(api_key="k", base_url="http://127.0.0.1:8000/a%zz/api/v2")


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1]:8000/api/v2",
        "http://127.0.0.1:8000/api/v2",
        "https://zep.example./api/v2",
        "http://zep_internal:8000/api/v2",
    ],
)
def test_hosts_that_resolve_are_accepted(url: str) -> None:
    """IP literals, a trailing dot and underscores pass unchanged."""
    assert AsyncZep(api_key="k", base_url=url).base_url == url.rstrip("/")


def test_explicit_base_url_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    """An explicit base_url is used as given, whatever ZEP_API_URL says."""
    monkeypatch.setenv("ZEP_API_URL", "http://localhost:8000")
    zep = AsyncZep(api_key="k", base_url="https://zep.internal/api/v2/")
    assert zep.base_url == "https://zep.internal/api/v2"


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("ftp://zep.example/api/v2", ValueError),
        ("zep.example/api/v2", ValueError),
        ("http:///api/v2", ValueError),
        ("https://zep.example/api/v2?x=1", ValueError),
        ("https://user:pw@zep.example/api/v2", ValueError),
        ("", ValueError),
        (42, TypeError),
    ],
)
def test_bad_base_urls(url: object, error: type[Exception]) -> None:
    """Only absolute http(s) URLs without query or credentials are accepted."""
    with pytest.raises(error, match="base_url"):
        AsyncZep(api_key="k", base_url=url)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"timeout": 0}, ValueError, "timeout"),
        ({"timeout": -1}, ValueError, "timeout"),
        ({"timeout": float("nan")}, ValueError, "timeout"),
        ({"timeout": "5"}, TypeError, "timeout"),
        ({"total_timeout": 0}, ValueError, "total_timeout"),
        ({"max_retries": -1}, ValueError, "max_retries"),
        ({"max_retries": 1.0}, TypeError, "max_retries"),
        ({"max_retries": None}, TypeError, "max_retries"),
        ({"headers": {"X-A": 1}}, TypeError, "headers"),
        ({"headers": {"X-A": "a\nb"}}, ValueError, "headers"),
        ({"headers": [("X-A", "1")]}, TypeError, "headers"),
        ({"retry_policy": {"initial_delay": 0}}, TypeError, "retry_policy"),
        ({"max_connections": 0}, ValueError, "max_connections"),
        ({"ssl": "yes"}, TypeError, "ssl"),
        ({"trust_env": 1}, TypeError, "trust_env"),
    ],
)
def test_bad_settings_name_the_parameter(
    kwargs: dict[str, object], error: type[Exception], name: str
) -> None:
    """Each bad constructor argument raises naming it."""
    with pytest.raises(error, match=name):
        AsyncZep(api_key="k", base_url="http://127.0.0.1:1/api/v2", **kwargs)  # type: ignore[arg-type]


def test_repr_shows_base_url_not_key() -> None:
    """repr(client) names the base URL and never the key."""
    zep = AsyncZep(api_key=SECRET, base_url="https://zep.example/api/v2")
    text = repr(zep)
    assert "https://zep.example/api/v2" in text
    assert SECRET not in text
    assert SECRET not in repr(zep._transport._config)


def test_plain_http_to_a_remote_host_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    """http:// to a non-loopback host logs one warning per host; loopback does not."""
    caplog.set_level(logging.WARNING, logger="zep_async")
    AsyncZep(api_key=SECRET, base_url="http://127.0.0.1:9/api/v2")
    AsyncZep(api_key=SECRET, base_url="http://zep-plain-http.example/api/v2")
    AsyncZep(api_key=SECRET, base_url="http://zep-plain-http.example/api/v2")
    warnings = [r for r in caplog.records if "unencrypted" in r.getMessage()]
    assert len(warnings) == 1
    assert "zep-plain-http.example" in warnings[0].getMessage()
    assert SECRET not in caplog.text


def test_client_is_built_outside_any_loop() -> None:
    """Constructing a client needs no running event loop."""
    zep = AsyncZep(api_key="k", base_url="http://127.0.0.1:1/api/v2")
    assert not zep.closed


async def test_call_after_close_says_closed(local_zep: LocalZep) -> None:
    """A call after aclose raises RuntimeError saying the client is closed, and sends nothing."""
    zep = AsyncZep(api_key=local_zep.api_key, base_url=local_zep.base_url)
    await zep.aclose()
    await zep.aclose()  # twice is fine
    with pytest.raises(RuntimeError, match="closed"):
        await zep.memory.list_sessions()
    assert local_zep.count() == 0
    assert zep.closed
    assert "closed" in repr(zep)


async def test_context_manager_closes(local_zep: LocalZep) -> None:
    """Leaving async with closes the client."""
    async with AsyncZep(api_key=local_zep.api_key, base_url=local_zep.base_url) as zep:
        await zep.memory.list_sessions()
    assert zep.closed


def test_second_event_loop_fails_clearly_before_sending() -> None:
    """A client used from a second event loop raises at once there and sends nothing."""
    server = LocalZep()
    first, second = asyncio.new_event_loop(), asyncio.new_event_loop()
    try:
        with server.run_in_thread():
            zep = AsyncZep(api_key=server.api_key, base_url=server.base_url)
            first.run_until_complete(zep.memory.list_sessions())
            with pytest.raises(RuntimeError, match="event loop"):
                second.run_until_complete(zep.memory.list_sessions())
            assert server.count() == 1
            with pytest.raises(RuntimeError, match="event loop"):
                second.run_until_complete(zep.aclose())
            first.run_until_complete(zep.aclose())
            assert zep.closed
    finally:
        first.close()
        second.close()


def test_unverified_tls_to_a_remote_host_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    """ssl=False towards a non-loopback https host logs one warning; loopback stays quiet."""
    caplog.set_level(logging.WARNING, logger="zep_async")
    AsyncZep(api_key=SECRET, base_url="https://127.0.0.1:9/api/v2", ssl=False)
    AsyncZep(api_key=SECRET, base_url="https://zep-no-verify.example/api/v2", ssl=False)
    AsyncZep(api_key=SECRET, base_url="https://zep-no-verify.example/api/v2", ssl=False)
    AsyncZep(api_key=SECRET, base_url="https://zep-verified.example/api/v2")
    warnings = [r.getMessage() for r in caplog.records if "not verified" in r.getMessage()]
    assert len(warnings) == 1
    assert "zep-no-verify.example" in warnings[0]
    assert SECRET not in caplog.text
