"""Shared fixtures: the local Zep server, clients pointed at it, and one aioresponses shim."""

from __future__ import annotations

import asyncio
import inspect
import shlex
import sys
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from zep_async import AsyncZep, RetryPolicy, Zep
from zep_async.testing import LocalZep

pytest_plugins = ["zep_async.testing.pytest_plugin"]

#: Retries without waiting: the documented switch for test suites.
NO_WAIT = RetryPolicy(initial_delay=0, max_delay=0)
API_KEY = "test-api-key"


def _patch_aioresponses() -> None:
    """Make aioresponses 0.7.9 work with aiohttp >= 3.14.

    aiohttp 3.14 added a required ``stream_writer`` argument to ``ClientResponse``,
    which aioresponses 0.7.9 does not pass (pnuckowski/aioresponses#289, fix in
    #288). aiohttp reads only ``output_size`` from it for a finished request, so
    a stand-in with ``output_size = 0`` is enough. Delete this once aioresponses
    ships the fix; it does nothing where the argument is not required.
    """
    import aioresponses.core

    parameters = inspect.signature(aiohttp.ClientResponse.__init__).parameters
    if "stream_writer" not in parameters:
        return

    class _FinishedWriter:
        output_size = 0

    class _ShimResponse(aiohttp.ClientResponse):
        def __init__(self, *args: object, **kwargs: object) -> None:
            kwargs.setdefault("stream_writer", _FinishedWriter())
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    aioresponses.core.ClientResponse = _ShimResponse  # type: ignore[misc]


_patch_aioresponses()


def _interpreter_flags() -> list[str]:
    """The ``-X`` and ``-W`` options this interpreter was started with."""
    xoptions = [f"-X{k}" if v is True else f"-X{k}={v}" for k, v in sys._xoptions.items()]
    return [*xoptions, *(f"-W{option}" for option in sys.warnoptions)]


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_setupnodes(config: pytest.Config, specs: list[Any]) -> None:
    """pytest-xdist workers run with this interpreter's -X and -W options.

    xdist starts each worker as a plain ``python -c``, so without this the ``-X dev -W
    error::ResourceWarning`` run of `make test` would run its tests without either.
    """
    for spec in specs:
        if spec.popen and not spec.python:
            spec.python = shlex.join([sys.executable, *_interpreter_flags()])


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """Tell each worker the options it must have been started with."""
    node.workerinput["interpreter_flags"] = _interpreter_flags()


def pytest_configure(config: pytest.Config) -> None:
    """A worker started without the controller's -X/-W options refuses to run."""
    wanted = getattr(config, "workerinput", {}).get("interpreter_flags")
    if wanted is not None and wanted != _interpreter_flags():
        raise pytest.UsageError(f"worker runs with {_interpreter_flags()}, not {wanted}")


def local_client(server: LocalZep, **options: Any) -> AsyncZep:
    """An AsyncZep pointed at ``server``, retrying without waits; ``options`` add to it."""
    return AsyncZep(
        api_key=server.api_key, base_url=server.base_url, retry_policy=NO_WAIT, **options
    )


def local_sync_client(server: LocalZep, **options: Any) -> Zep:
    """A sync Zep pointed at ``server``, retrying without waits; ``options`` add to it."""
    return Zep(api_key=server.api_key, base_url=server.base_url, retry_policy=NO_WAIT, **options)


@pytest_asyncio.fixture
async def client(local_zep: LocalZep) -> AsyncIterator[AsyncZep]:
    """An AsyncZep pointed at the local server, retrying without waits."""
    async with local_client(local_zep) as zep:
        yield zep


def _client_tasks() -> list[asyncio.Task[object]]:
    """Tasks on this loop other than the test itself and the local server's own."""
    return [
        task
        for task in asyncio.all_tasks()
        if task is not asyncio.current_task()
        # The server's handlers, and its delayed handlings that outlive a client gone away.
        and not getattr(task.get_coro(), "__qualname__", "").startswith(
            ("RequestHandler.", "Serving.")
        )
    ]


async def no_client_tasks_left() -> bool:
    """Whether every client task ends within a bounded wait (cleanup may take a loop turn)."""
    pending = _client_tasks()
    if pending:
        await asyncio.wait(pending, timeout=10)
    return _client_tasks() == []
