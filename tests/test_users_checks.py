"""The user calls refuse bad arguments before sending anything: zero requests reach LocalZep."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from zep_async import AsyncZep
from zep_async.testing import LocalZep

Call = Callable[[AsyncZep], Awaitable[Any]]

BAD_CALLS: list[tuple[str, Call, type[Exception], str]] = [
    ("add without a str id", lambda z: z.user.add(user_id=7), TypeError, "user_id must be a str"),
    ("add with an empty id", lambda z: z.user.add(user_id=""), ValueError, "user_id"),
    ("add with a blank id", lambda z: z.user.add(user_id="  "), ValueError, "user_id"),
    ("add with a control", lambda z: z.user.add(user_id="a\nb"), ValueError, "user_id"),
    ("add with a long id", lambda z: z.user.add(user_id="x" * 3000), ValueError, "user_id"),
    ("add email not str", lambda z: z.user.add(user_id="u", email=1), TypeError, "email"),
    (
        "add bad first_name",
        lambda z: z.user.add(user_id="u", first_name=b"x"),
        TypeError,
        "first_name",
    ),
    (
        "add bad last_name",
        lambda z: z.user.add(user_id="u", last_name=["x"]),
        TypeError,
        "last_name",
    ),
    ("add metadata list", lambda z: z.user.add(user_id="u", metadata=[1]), TypeError, "metadata"),
    (
        "add metadata NaN",
        lambda z: z.user.add(user_id="u", metadata={"a": [float("nan")]}),
        ValueError,
        "metadata['a'][0]",
    ),
    (
        "add bad instruction",
        lambda z: z.user.add(user_id="u", fact_rating_instruction={"instruction": 3}),
        TypeError,
        "fact_rating_instruction.instruction",
    ),
    (
        "add lone surrogate",
        lambda z: z.user.add(user_id="u", email="\ud800"),
        ValueError,
        "email",
    ),
    ("add NUL", lambda z: z.user.add(user_id="u", last_name="a\x00b"), ValueError, "last_name"),
    ("add positional id", lambda z: z.user.add("u"), TypeError, "positional"),
    ("get not str", lambda z: z.user.get(None), TypeError, "user_id must be a str"),
    ("get empty", lambda z: z.user.get(""), ValueError, "user_id"),
    ("update not str", lambda z: z.user.update(1), TypeError, "user_id"),
    ("update email", lambda z: z.user.update("u", email=2), TypeError, "email"),
    ("update metadata", lambda z: z.user.update("u", metadata="x"), TypeError, "metadata"),
    ("delete empty", lambda z: z.user.delete(""), ValueError, "user_id"),
    ("sessions not str", lambda z: z.user.get_sessions(5), TypeError, "user_id"),
    ("page_number 0", lambda z: z.user.list_ordered(page_number=0), ValueError, "page_number"),
    ("page_size str", lambda z: z.user.list_ordered(page_size="5"), TypeError, "page_size"),
    ("page_size bool", lambda z: z.user.list_ordered(page_size=True), TypeError, "page_size"),
    (
        "bad options",
        lambda z: z.user.get("u", request_options={"timeout_in_seconds": -1}),
        ValueError,
        "timeout_in_seconds",
    ),
    (
        "unknown option",
        lambda z: z.user.add(user_id="u", request_options={"retry_write": True}),
        TypeError,
        "retry_write",
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "fragment"),
    [case[1:] for case in BAD_CALLS],
    ids=[case[0] for case in BAD_CALLS],
)
async def test_a_bad_argument_is_refused_before_sending(
    local_zep: LocalZep, client: AsyncZep, call: Call, error: type[Exception], fragment: str
) -> None:
    """Each bad argument raises TypeError/ValueError naming it, and no request is sent."""
    with pytest.raises(error) as info:
        await call(client)
    assert fragment in str(info.value)
    assert local_zep.count() == 0


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        ({"page_size": 0}, "page_size"),
        ({"prefetch": 0}, "prefetch"),
        ({"page_size": 1.5}, "page_size"),
        ({"request_options": {"max_retries": -1}}, "max_retries"),
    ],
)
async def test_iter_users_checks_its_arguments_at_the_call(
    local_zep: LocalZep, client: AsyncZep, arguments: dict[str, Any], fragment: str
) -> None:
    """iter_users raises at the call, before the first page is requested."""
    with pytest.raises((TypeError, ValueError)) as info:
        client.user.iter_users(**arguments)
    assert fragment in str(info.value)
    assert local_zep.count() == 0
