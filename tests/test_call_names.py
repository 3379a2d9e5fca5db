"""Errors name calls as the user wrote them (``memory.get()``), never a private class.

Python words a bad call itself (``TypeError: X() got an unexpected keyword
argument``) from the function's qualified name, so each call of each resource
carries the name users call it by. This walks every public call, async and
sync, of both resources, and the raw forms.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from zep_async import AsyncMemory, AsyncUsers, AsyncZep, Zep

#: Words that would leak the SDK's insides into a message: private classes and modules.
_PRIVATE = re.compile(
    r"\b_\w+|Async(Memory|Users)|Sync(Memory|Users)|Sessions|SessionWrites|Messages|"
    r"MessageSearch|Resource|Calls|zep_async"
)
_BASE_URL = "http://127.0.0.1:9/api/v2"


def _public_calls(cls: type) -> list[str]:
    """Every public call of an async resource: coroutine methods and walks."""
    return sorted(
        name
        for name, value in inspect.getmembers(cls)
        if not name.startswith("_")
        and (inspect.iscoroutinefunction(value) or inspect.isfunction(value))
    )


CALLS = [("memory", n) for n in _public_calls(AsyncMemory)] + [
    ("user", n) for n in _public_calls(AsyncUsers)
]
RAW_WALKS = [
    ("memory", "iter_sessions"),
    ("memory", "iter_session_messages"),
    ("user", "iter_users"),
]


@pytest.fixture(scope="module")
def sync_zep() -> Iterator[Zep]:
    """One sync client for the module; nothing is ever sent through it."""
    with Zep(api_key="k", base_url=_BASE_URL) as zep:
        yield zep


def _wrong_keyword(call: Callable[..., Any]) -> str:
    """Call ``call`` with a keyword no call takes; return the TypeError's message."""
    try:
        result = call(wrongkw=1)
    except TypeError as error:
        return str(error)
    if inspect.iscoroutine(result):
        result.close()
    pytest.fail("the wrong keyword was accepted")


def _check(message: str, expected: str) -> None:
    assert message.startswith(f"{expected}() got an unexpected keyword argument 'wrongkw'")
    assert not _PRIVATE.search(message), message


def test_the_walk_covers_every_call() -> None:
    """The table holds every call of both resources (a new call joins it by itself)."""
    assert len(CALLS) >= 24
    assert {("memory", "get"), ("memory", "iter_sessions"), ("user", "iter_users")} <= set(CALLS)


@pytest.mark.parametrize(("resource", "name"), CALLS, ids="{0[0]}.{0[1]}".format)
def test_async_wrong_keyword_names_the_call(resource: str, name: str) -> None:
    """AsyncZep: a wrong keyword names resource.call(), nothing private."""
    zep = AsyncZep(api_key="k", base_url=_BASE_URL)
    _check(_wrong_keyword(getattr(getattr(zep, resource), name)), f"{resource}.{name}")


@pytest.mark.parametrize(("resource", "name"), CALLS, ids="{0[0]}.{0[1]}".format)
def test_sync_wrong_keyword_names_the_call(sync_zep: Zep, resource: str, name: str) -> None:
    """Zep: a wrong keyword names resource.call(), nothing private."""
    _check(_wrong_keyword(getattr(getattr(sync_zep, resource), name)), f"{resource}.{name}")


@pytest.mark.parametrize(
    ("resource", "name"),
    [c for c in CALLS if not c[1].startswith("iter_")],
    ids="{0[0]}.{0[1]}".format,
)
async def test_raw_form_wrong_keyword_names_the_call(resource: str, name: str) -> None:
    """with_raw_response.<call>: the wrong keyword names resource.call() when awaited."""
    zep = AsyncZep(api_key="k", base_url=_BASE_URL)
    call = getattr(getattr(zep, resource).with_raw_response, name)
    with pytest.raises(TypeError) as info:
        await call(wrongkw=1)
    _check(str(info.value), f"{resource}.{name}")


@pytest.mark.parametrize(("resource", "name"), RAW_WALKS, ids="{0[0]}.{0[1]}".format)
def test_raw_walk_wrong_keyword_names_the_call(sync_zep: Zep, resource: str, name: str) -> None:
    """with_raw_response.iter_*: async and sync name resource.with_raw_response.iter_*()."""
    expected = f"{resource}.with_raw_response.{name}"
    zep = AsyncZep(api_key="k", base_url=_BASE_URL)
    _check(_wrong_keyword(getattr(getattr(zep, resource).with_raw_response, name)), expected)
    _check(_wrong_keyword(getattr(getattr(sync_zep, resource).with_raw_response, name)), expected)


def test_a_missing_argument_names_the_call(sync_zep: Zep) -> None:
    """A missing argument is worded with the public name too."""
    with pytest.raises(TypeError, match=r"^memory\.get\(\) missing 1 required"):
        sync_zep.memory.get()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"^user\.add\(\) missing 1 required keyword"):
        sync_zep.user.add()  # type: ignore[call-arg]


def test_the_issue_s_example(sync_zep: Zep) -> None:
    """zep.memory.get(sid, memory_type="perpetual") names memory.get(), as issue 23 asks."""
    with pytest.raises(TypeError) as info:
        sync_zep.memory.get("sid", memory_type="perpetual")  # type: ignore[call-arg]
    assert str(info.value) == "memory.get() got an unexpected keyword argument 'memory_type'"
