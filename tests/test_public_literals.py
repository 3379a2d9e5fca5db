"""The exported literals name exactly what the calls accept, and search answers decode."""

from __future__ import annotations

from typing import get_args

import pytest

from zep_async import (
    AsyncZep,
    Message,
    OrderBy,
    SearchScope,
    SearchType,
    SessionSearchResponse,
    SessionSearchResult,
)
from zep_async.testing import LocalZep


@pytest.mark.parametrize("order_by", get_args(OrderBy))
async def test_every_order_by_is_accepted_and_sent(
    local_zep: LocalZep, client: AsyncZep, order_by: str
) -> None:
    """Each value of `OrderBy` passes the check and goes out as the `order_by` query."""
    await client.memory.list_sessions(order_by=order_by)  # type: ignore[arg-type]
    (request,) = local_zep.requests
    assert request.query["order_by"] == order_by


@pytest.mark.parametrize("scope", get_args(SearchScope))
@pytest.mark.parametrize("kind", get_args(SearchType))
async def test_every_search_scope_and_type_is_accepted_and_sent(
    local_zep: LocalZep, client: AsyncZep, scope: str, kind: str
) -> None:
    """Each value of `SearchScope` and `SearchType` passes the check and is sent as given."""
    local_zep.add_session("s")
    await client.memory.search("s", text="tea", search_scope=scope, search_type=kind)  # type: ignore[arg-type]
    (request,) = local_zep.requests
    assert request.json is not None
    assert (request.json["search_scope"], request.json["search_type"]) == (scope, kind)


async def test_search_sessions_answers_with_session_search_results(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """`search_sessions` returns a `SessionSearchResponse` of `SessionSearchResult`s."""
    local_zep.add_session("s", user_id="jane")
    await client.memory.add(
        "s", messages=[Message(role_type="user", role="Jane", content="Jane likes tea.")]
    )
    answer = await client.memory.search_sessions(text="tea", user_id="jane")
    assert isinstance(answer, SessionSearchResponse)
    assert answer.results
    assert all(isinstance(result, SessionSearchResult) for result in answer.results)
    assert answer.results[0].message is not None
    assert answer.results[0].message.content == "Jane likes tea."
