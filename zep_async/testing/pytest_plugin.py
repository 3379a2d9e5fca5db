"""pytest fixtures for the local Zep server.

Enable them in a ``conftest.py`` with::

    pytest_plugins = ["zep_async.testing.pytest_plugin"]

The async fixture needs pytest-asyncio (not a dependency of zep_async itself).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from ._server import LocalZep


@pytest_asyncio.fixture
async def local_zep() -> AsyncIterator[LocalZep]:
    """A started LocalZep on the test's event loop, closed after the test."""
    async with LocalZep() as server:
        yield server


@pytest.fixture
def local_zep_thread() -> Iterator[LocalZep]:
    """A LocalZep running on its own event loop in a daemon thread, for sync tests."""
    server = LocalZep()
    with server.run_in_thread():
        yield server
