"""Your own tests against LocalZep, with the fixtures of zep_async's pytest plugin."""

import pytest

from zep_async import AsyncZep, InternalServerError, RetryPolicy, Zep
from zep_async.testing import LocalZep

pytest_plugins = ["zep_async.testing.pytest_plugin"]

NO_WAIT = RetryPolicy(initial_delay=0, max_delay=0)


def newest_session_ids(zep: Zep, count: int) -> list[str | None]:
    """The code under test: ids of the newest sessions."""
    page = zep.memory.list_sessions(page_size=count, order_by="created_at", asc=False)
    return [session.session_id for session in page.sessions]


def test_newest_sessions(local_zep_thread: LocalZep) -> None:
    """Sync code: the server runs in its own thread."""
    local_zep_thread.add_session("old", created_at="2024-01-01T00:00:00Z")
    local_zep_thread.add_session("new", created_at="2024-06-01T00:00:00Z")
    with Zep(api_key=local_zep_thread.api_key, base_url=local_zep_thread.base_url) as zep:
        assert newest_session_ids(zep, 1) == ["new"]
    (request,) = local_zep_thread.requests
    assert request.query == {
        "page_size": "1",
        "pageSize": "1",
        "order_by": "created_at",
        "asc": "false",
    }


async def test_outage_is_retried(local_zep: LocalZep) -> None:
    """Async code: the server runs on the test's event loop; faults are scripted."""
    local_zep.seed(5)
    local_zep.fail("list_sessions", 503, times=2)
    async with AsyncZep(
        api_key=local_zep.api_key, base_url=local_zep.base_url, retry_policy=NO_WAIT
    ) as zep:
        page = await zep.memory.list_sessions()
    assert page.total_count == 5
    assert local_zep.count("list_sessions") == 3


async def test_persistent_outage_surfaces(local_zep: LocalZep) -> None:
    """When retries are used up, the typed error reaches the caller."""
    local_zep.fail("get_session", 500, times=3, json={"message": "database is down"})
    async with AsyncZep(
        api_key=local_zep.api_key, base_url=local_zep.base_url, retry_policy=NO_WAIT
    ) as zep:
        with pytest.raises(InternalServerError, match="database is down"):
            await zep.memory.get_session("anything")
