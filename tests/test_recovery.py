"""Recovered writes end to end: every recoverable write, every fault, both flavors, async and sync.

A failure after the server stored the write (503, 500, a dropped connection, a cut
body) and one before it (503, 500, a drop, a timeout) each give the caller success,
and the server holds the write exactly once.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio

from zep_async import AsyncZep, Zep
from zep_async.testing import LocalZep

from .conftest import local_client, local_sync_client
from .recovery_support import APPLIED, FAULTS, WRITES, options_for

FLAVORS = ("cloud", "ce")


@pytest_asyncio.fixture(params=FLAVORS)
async def server(request: pytest.FixtureRequest) -> AsyncIterator[LocalZep]:
    """A LocalZep of each flavor on the test's loop."""
    async with LocalZep(flavor=request.param) as local:
        yield local


@pytest.fixture(params=FLAVORS)
def thread_server(request: pytest.FixtureRequest) -> Iterator[LocalZep]:
    """A LocalZep of each flavor on a thread of its own, for the sync client."""
    local = LocalZep(flavor=request.param)
    with local.run_in_thread():
        yield local


def _with_options(call: Any, client: Any, seeded: Any, fault: str) -> Any:
    """Call the write with the fault's request options (a short timeout for a stall)."""
    options = options_for(fault)
    if not options:
        return call(client, seeded)

    class _Options:
        """The client, each call of its resources given ``request_options``."""

        def __init__(self, inner: Any) -> None:
            self._inner = inner

        def __getattr__(self, name: str) -> Any:
            value = getattr(self._inner, name)
            if callable(value):
                return lambda *a, **k: value(*a, request_options=options, **k)
            return _Options(value)

    return call(_Options(client), seeded)


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("write", sorted(WRITES))
async def test_a_write_after_a_fault_succeeds_and_is_held_once(
    server: LocalZep, write: str, fault: str
) -> None:
    """The caller gets success and the server holds the write once (async)."""
    spec = WRITES[write]
    seeded = spec.seed(server)
    FAULTS[fault](server, spec.route)
    async with local_client(server) as zep:
        result = _with_options(spec.call, zep, seeded, fault)
        assert inspect.isawaitable(result)
        await result
    assert spec.held(server, seeded) == spec.expected
    assert server.count(spec.route) == 2


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("write", sorted(WRITES))
def test_a_sync_write_after_a_fault_succeeds_and_is_held_once(
    thread_server: LocalZep, write: str, fault: str
) -> None:
    """The caller gets success and the server holds the write once (sync)."""
    spec = WRITES[write]
    seeded = spec.seed(thread_server)
    FAULTS[fault](thread_server, spec.route)
    with local_sync_client(thread_server) as zep:
        _with_options(spec.call, zep, seeded, fault)
    assert spec.held(thread_server, seeded) == spec.expected
    assert thread_server.count(spec.route) == 2


@pytest.mark.parametrize("write", sorted(WRITES))
async def test_a_write_without_a_fault_is_sent_once(server: LocalZep, write: str) -> None:
    """No fault: one request, no read-back, the write held once."""
    spec = WRITES[write]
    seeded = spec.seed(server)
    async with local_client(server) as zep:
        raw = await spec.call(zep_raw(zep), seeded)
    assert (raw.recovered, raw.read_back, raw.attempts) == (False, False, 1)
    assert spec.held(server, seeded) == spec.expected
    assert server.count() == 1


@pytest.mark.parametrize("fault", sorted(APPLIED))
@pytest.mark.parametrize("write", sorted(WRITES))
async def test_recovery_off_for_the_client_raises_may_have_been_applied(
    server: LocalZep, write: str, fault: str
) -> None:
    """recover_writes=False keeps the plain rule: one attempt, an error saying 'may have'."""
    spec = WRITES[write]
    seeded = spec.seed(server)
    FAULTS[fault](server, spec.route)
    async with local_client(server, recover_writes=False) as zep:
        with pytest.raises(Exception) as info:  # noqa: PT011 - the class depends on the fault
            await spec.call(zep, seeded)
    assert getattr(info.value, "may_have_been_applied", None) is True
    assert server.count(spec.route) == 1
    assert spec.held(server, seeded) == spec.expected


def zep_raw(zep: AsyncZep | Zep) -> Any:
    """The client with each resource replaced by its ``with_raw_response`` form."""

    class _Raw:
        memory = zep.memory.with_raw_response
        user = zep.user.with_raw_response

    return _Raw()


def test_the_comparison_script_runs_our_side() -> None:
    """benchmarks/recovery_vs_official.py: our row of '503 after applying' to memory.add."""
    from benchmarks.recovery_vs_official import run_one

    row = run_one("zep_async", "memory.add", 503, True, "ce", python="")
    assert (row["ok"], row["requests"], row["held"]) == (True, 2, "1 message(s)")
