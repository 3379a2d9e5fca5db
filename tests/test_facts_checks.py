"""Bad arguments of the ten calls of issue 26: refused before sending, naming the parameter.

One table of (call, good arguments, parameter, bad value, error); each row runs
through ``AsyncZep`` and the sync ``Zep`` against one server, which must see
nothing new.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from zep_async import AsyncZep, NewFact, NotFoundError, Zep
from zep_async.testing import LocalZep

from .test_reliability_inputs import (
    BAD_COUNT,
    BAD_OPTIONS,
    BAD_TEXT,
    SECRET,
    _check_message,
    _label,
)

#: Good arguments of each call, by ``resource.call``.
GOOD: dict[str, dict[str, Any]] = {
    "memory.get_fact": {"fact_uuid": "f"},
    "memory.delete_fact": {"fact_uuid": "f"},
    "memory.get_session_facts": {"session_id": "s"},
    "memory.add_session_facts": {"session_id": "s", "facts": [{"fact": "x"}]},
    "memory.classify_session": {"session_id": "s", "classes": ["a"], "name": "n"},
    "memory.extract_data": {"session_id": "s", "last_n": 1, "model_schema": "{}"},
    "memory.get_summaries": {"session_id": "s"},
    "memory.synthesize_question": {"session_id": "s"},
    "user.get_facts": {"user_id": "u"},
    "user.get_node": {"user_id": "u"},
}
_ID = {"memory.get_fact": "fact_uuid", "memory.delete_fact": "fact_uuid"}
_ID |= {"user.get_facts": "user_id", "user.get_node": "user_id"}

#: Wrong for a free text a body carries (newlines are fine there).
BAD_FREE_TEXT: list[tuple[object, type[Exception]]] = [
    (42, TypeError),
    (b"x", TypeError),
    (["x"], TypeError),
    ("\ud800", ValueError),
    ("a\x00b", ValueError),
]
BAD_BOOL: list[tuple[object, type[Exception]]] = [(1, TypeError), ("true", TypeError)]
BAD_RATING: list[tuple[object, type[Exception]]] = [
    (-0.1, ValueError),
    (1.5, ValueError),
    (float("nan"), ValueError),
    (float("inf"), ValueError),
    (10**400, ValueError),
    ("0.5", TypeError),
    (True, TypeError),
]
BAD_FACTS: list[tuple[object, type[Exception], str]] = [
    (None, TypeError, "facts"),
    ("a fact", TypeError, "facts"),
    ({"fact": "x"}, TypeError, "facts"),
    ([], ValueError, "facts"),
    ([None], TypeError, "facts[0]"),
    (["plain text"], TypeError, "facts[0]"),
    ([{"fact": "x"}, {}], TypeError, "facts[1].fact is required"),
    ([{"fact": ""}], ValueError, "facts[0].fact"),
    ([{"fact": "   "}], ValueError, "facts[0].fact"),
    ([{"fact": 42}], TypeError, "facts[0].fact"),
    ([{"fact": "x", "rating": 1}], ValueError, "facts[0]"),
    ([NewFact(fact=42)], TypeError, "facts[0].fact"),  # type: ignore[arg-type]
    ([{"fact": "\ud800"}], ValueError, "facts"),
    ([{"fact": "a\x00b"}], ValueError, "facts[0].fact must not contain a NUL"),
]
BAD_CLASSES: list[tuple[object, type[Exception], str]] = [
    (None, TypeError, "classes"),
    ("sales", TypeError, "classes"),
    ([], ValueError, "classes"),
    ([1], TypeError, "classes[0]"),
    (["a", ""], ValueError, "classes[1]"),
    (["a\nb"], ValueError, "classes[0]"),
]
BAD_DATE: list[tuple[object, type[Exception]]] = [
    (datetime(2024, 5, 1), ValueError),  # naive: it would not say where you are
    (1714557600, TypeError),
    ("", ValueError),
]


def _rows() -> Iterator[Any]:
    def row(call: str, name: str, value: object, error: type[Exception], named: str = "") -> Any:
        kwargs = {**GOOD[call], name: value}
        label = _label(value)
        return pytest.param(call, kwargs, error, named or name, id=f"{call}-{name}={label}")

    for call in GOOD:
        id_name = _ID.get(call, "session_id")
        for value, error in BAD_TEXT:
            yield row(call, id_name, value, error)
        yield row(call, id_name, "x" * 2049, ValueError)
        for option in BAD_OPTIONS:
            kwargs, error, named = option.values
            yield pytest.param(
                call, {**GOOD[call], **kwargs}, error, named, id=f"{call}-{option.id}"
            )
    for value, error in BAD_RATING:
        yield row("memory.get_session_facts", "min_rating", value, error)
    for value, error, named in BAD_FACTS:
        yield row("memory.add_session_facts", "facts", value, error, named)
    for value, error, named in BAD_CLASSES:
        yield row("memory.classify_session", "classes", value, error, named)
    for value, error in BAD_TEXT:
        yield row("memory.classify_session", "name", value, error)
    for value, error in BAD_FREE_TEXT:
        yield row("memory.classify_session", "instruction", value, error)
        yield row("memory.extract_data", "model_schema", value, error)
    yield row("memory.extract_data", "model_schema", None, TypeError)
    yield row("memory.extract_data", "model_schema", " \n", ValueError)
    for value, error in BAD_COUNT:
        yield row("memory.classify_session", "last_n", value, error)
        yield row("memory.extract_data", "last_n", value, error)
        yield row("memory.synthesize_question", "last_n_messages", value, error)
    for value, error in BAD_BOOL:
        yield row("memory.classify_session", "persist", value, error)
        yield row("memory.extract_data", "validate", value, error)
    for value, error in BAD_DATE:
        yield row("memory.extract_data", "current_date_time", value, error)


ROWS = list(_rows())


@pytest.fixture(scope="module")
def server() -> Iterator[LocalZep]:
    """One threaded LocalZep for the whole table; each row checks it saw nothing new."""
    local = LocalZep(api_key=SECRET)
    with local.run_in_thread():
        yield local


@pytest.fixture(scope="module")
def sync_zep(server: LocalZep) -> Iterator[Zep]:
    """One sync client for the whole table."""
    with Zep(api_key=SECRET, base_url=server.base_url, max_retries=0) as client:
        yield client


def _method(client: Any, call: str) -> Any:
    resource, name = call.split(".")
    return getattr(getattr(client, resource), name)


@pytest.mark.parametrize(("call", "kwargs", "error", "name"), ROWS)
async def test_async_call_refuses_bad_argument(
    server: LocalZep, call: str, kwargs: dict[str, Any], error: type[Exception], name: str
) -> None:
    """An AsyncZep call with a bad argument raises naming it and sends nothing."""
    before = server.count()
    async with AsyncZep(api_key=SECRET, base_url=server.base_url) as zep:
        with pytest.raises(error) as info:
            await _method(zep, call)(**kwargs)
    _check_message(info.value, name)
    assert server.count() == before


@pytest.mark.parametrize(("call", "kwargs", "error", "name"), ROWS[::7])
def test_sync_call_refuses_bad_argument(
    server: LocalZep,
    sync_zep: Zep,
    call: str,
    kwargs: dict[str, Any],
    error: type[Exception],
    name: str,
) -> None:
    """A Zep call with a bad argument raises the same error in the caller and sends nothing."""
    before = server.count()
    with pytest.raises(error) as info:
        _method(sync_zep, call)(**kwargs)
    _check_message(info.value, name)
    assert server.count() == before


@pytest.mark.parametrize("call", sorted(GOOD))
async def test_good_arguments_are_sent(server: LocalZep, call: str) -> None:
    """The table's good arguments pass the checks and reach the server (the rows are fair)."""
    before = server.count()
    async with AsyncZep(api_key=SECRET, base_url=server.base_url, max_retries=0) as zep:
        with contextlib.suppress(NotFoundError):  # unknown ids: the server's 404 is fine
            await _method(zep, call)(**GOOD[call])
    assert server.count() == before + 1


async def test_accepted_edge_values_reach_the_server(server: LocalZep) -> None:
    """A rating of 0 or 1 (int or float), newlines in free text and an aware datetime go out."""
    server.add_session("edge")
    async with AsyncZep(api_key=SECRET, base_url=server.base_url) as zep:
        await zep.memory.get_session_facts("edge", min_rating=1)
        assert server.requests[-1].query == {"minRating": "1"}
        await zep.memory.get_session_facts("edge", min_rating=0.0)
        assert server.requests[-1].query == {"minRating": "0.0"}
        when = datetime.fromisoformat("2024-05-01T10:00:00-07:00")
        await zep.memory.extract_data(
            "edge", last_n=1, model_schema="{\n}", current_date_time=when, validate=False
        )
        assert server.requests[-1].json == {
            "current_date_time": "2024-05-01T10:00:00-07:00",
            "last_n": 1,
            "model_schema": "{\n}",
            "validate": False,
        }
