"""What the walk tests share: whether a walk left any task of the client behind."""

from __future__ import annotations

import asyncio


def client_tasks() -> list[asyncio.Task[object]]:
    """Tasks on this loop other than the test itself and the local server's handlers."""
    return [
        task
        for task in asyncio.all_tasks()
        if task is not asyncio.current_task()
        and not getattr(task.get_coro(), "__qualname__", "").startswith("RequestHandler.")
    ]


async def no_client_tasks_left() -> bool:
    """Whether every client task ends within a bounded wait (cleanup may take a loop turn)."""
    pending = client_tasks()
    if pending:
        await asyncio.wait(pending, timeout=10)
    return client_tasks() == []
