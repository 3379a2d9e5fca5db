"""Bad arguments to the session writes raise TypeError/ValueError naming them, sending nothing."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from zep_async import AsyncZep
from zep_async.testing import LocalZep

Call = Callable[[AsyncZep], Awaitable[object]]
NAN = float("nan")


def add(**kwargs: Any) -> Call:
    kwargs.setdefault("session_id", "s")
    return lambda zep: zep.memory.add_session(**kwargs)


def update(session_id: Any = "s", **kwargs: Any) -> Call:
    kwargs.setdefault("metadata", {})
    return lambda zep: zep.memory.update_session(session_id, **kwargs)


def delete(session_id: Any, **kwargs: Any) -> Call:
    return lambda zep: zep.memory.delete(session_id, **kwargs)


def end(session_id: Any = "s", **kwargs: Any) -> Call:
    return lambda zep: zep.memory.end_session(session_id, **kwargs)


def end_many(**kwargs: Any) -> Call:
    kwargs.setdefault("session_ids", ["s"])
    return lambda zep: zep.memory.end_sessions(**kwargs)


#: (call, the error, the start of its message).
BAD: dict[str, tuple[Call, type[Exception], str]] = {
    "add: session_id None": (add(session_id=None), TypeError, "session_id must be a str"),
    "add: session_id empty": (add(session_id=""), ValueError, "session_id must not be empty"),
    "add: session_id control": (add(session_id="a\x00b"), ValueError, "session_id must not"),
    "add: session_id too long": (add(session_id="x" * 2049), ValueError, "session_id is 2049"),
    "add: user_id int": (add(user_id=7), TypeError, "user_id must be a str"),
    "add: user_id blank": (add(user_id=" "), ValueError, "user_id must not be empty"),
    "add: metadata list": (add(metadata=[1]), TypeError, "metadata must be a dict"),
    "add: metadata NaN": (add(metadata={"a": [NAN]}), ValueError, "metadata['a'][0] is nan"),
    "add: metadata set": (add(metadata={"a": {1}}), TypeError, "metadata['a'] is a set"),
    "add: metadata int key": (add(metadata={1: "x"}), TypeError, "metadata has a key 1"),
    "add: metadata surrogate": (add(metadata={"a": "\ud800"}), ValueError, "metadata['a'] is not"),
    "add: instruction str": (
        add(fact_rating_instruction="rate"),
        TypeError,
        "fact_rating_instruction must be a FactRatingInstruction or a mapping",
    ),
    "add: instruction unknown key": (
        add(fact_rating_instruction={"instructions": "x"}),
        ValueError,
        "fact_rating_instruction has an unknown key 'instructions'",
    ),
    "add: instruction nested": (
        add(fact_rating_instruction={"examples": {"high": 1}}),
        TypeError,
        "fact_rating_instruction.examples.high must be a str",
    ),
    "add: options": (
        add(request_options={"retry_writes": "yes"}),
        TypeError,
        "request_options['retry_writes'] must be a bool",
    ),
    "update: session_id int": (update(5), TypeError, "session_id must be a str"),
    "update: metadata None": (update(metadata=None), TypeError, "metadata must be a dict"),
    "update: metadata text": (update(metadata="{}"), TypeError, "metadata must be a dict"),
    "update: metadata object": (
        update(metadata={"k": object()}),
        TypeError,
        "metadata['k'] is an object, not JSON",
    ),
    "update: instruction": (
        update(fact_rating_instruction=["x"]),
        TypeError,
        "fact_rating_instruction must be",
    ),
    "update: options": (
        update(request_options={"timeout_in_seconds": 0}),
        ValueError,
        "request_options['timeout_in_seconds']",
    ),
    "delete: session_id None": (delete(None), TypeError, "session_id must be a str"),
    "delete: session_id empty": (delete(""), ValueError, "session_id must not be empty"),
    "delete: options": (delete("s", request_options={"x": 1}), TypeError, "request_options has"),
    "end: session_id bytes": (end(b"s"), TypeError, "session_id must be a str"),
    "end: classify str": (end(classify="topic"), TypeError, "classify must be a"),
    "end: classify no name": (
        end(classify={"classes": ["a"]}),
        TypeError,
        "classify.name is required",
    ),
    "end: classify classes str": (
        end(classify={"classes": "ab", "name": "n"}),
        TypeError,
        "classify.classes must be a list of str",
    ),
    "end: classify last_n": (
        end(classify={"classes": ["a"], "name": "n", "last_n": "4"}),
        TypeError,
        "classify.last_n must be an int",
    ),
    "end: instruction int": (end(instruction=3), TypeError, "instruction must be a str"),
    "end: instruction surrogate": (
        end(instruction="\udcff"),
        ValueError,
        "instruction is not valid Unicode",
    ),
    "end many: a str": (end_many(session_ids="s-1"), TypeError, "session_ids must be a list"),
    "end many: None": (end_many(session_ids=None), TypeError, "session_ids must be a list"),
    "end many: empty": (end_many(session_ids=[]), ValueError, "session_ids must name at least"),
    "end many: an empty id": (
        end_many(session_ids=["ok", ""]),
        ValueError,
        "session_ids[1] must not be empty",
    ),
    "end many: an int id": (
        end_many(session_ids=["ok", 3]),
        TypeError,
        "session_ids[1] must be a str",
    ),
    "end many: instruction": (end_many(instruction=b"x"), TypeError, "instruction must be a str"),
}


@pytest.mark.parametrize("case", sorted(BAD))
async def test_bad_arguments_are_refused_before_sending(local_zep: LocalZep, case: str) -> None:
    """Each bad argument raises, naming the parameter, and no request reaches the server."""
    call, error, message = BAD[case]
    async with AsyncZep(api_key=local_zep.api_key, base_url=local_zep.base_url) as zep:
        with pytest.raises(error, match="^" + re.escape(message)):
            await call(zep)
    assert local_zep.count() == 0


async def test_metadata_may_hold_any_json(local_zep: LocalZep) -> None:
    """Deep, unicode and numeric JSON in metadata is sent as given."""
    metadata = {"é": [1.5, -2, True, None, {"deep": [[["x"]]]}], "emoji": "🎉"}
    local_zep.add_session("s")
    async with AsyncZep(api_key=local_zep.api_key, base_url=local_zep.base_url) as zep:
        await zep.memory.add_session(session_id="new", metadata=metadata)
        await zep.memory.update_session("s", metadata=metadata)
    assert [r.json["metadata"] for r in local_zep.requests] == [metadata, metadata]
