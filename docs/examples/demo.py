"""The main job, end to end, against the local Zep server that ships in the package.

Run it with ``make demo`` (or ``python docs/examples/demo.py``). Point the same
code at Zep Cloud by dropping ``base_url`` and setting ``ZEP_API_KEY``.
"""

from __future__ import annotations

import asyncio

from zep_async import AsyncZep, NotFoundError, Zep
from zep_async.testing import LocalZep


async def main(server: LocalZep) -> None:
    async with AsyncZep(api_key=server.api_key, base_url=server.base_url) as zep:
        page = await zep.memory.list_sessions(page_size=5, order_by="created_at", asc=False)
        print(f"{page.total_count} sessions in the project; the 5 newest:")
        for session in page.sessions:
            created = session.created_at.isoformat() if session.created_at else "?"
            print(f"  {session.session_id:<28} user={session.user_id}  created={created}")

        first = page.sessions[0].session_id
        assert first is not None
        session = await zep.memory.get_session(first)
        print(f"\nget_session({first!r}) -> metadata={session.metadata}")

        try:
            await zep.memory.get_session("no/such session")
        except NotFoundError as error:
            print(f"\nA missing session raises {type(error).__name__}: {error}")

        count = 0
        async for _ in zep.memory.iter_sessions(page_size=50):
            count += 1
        print(f"\niter_sessions walked {count} sessions, each exactly once")


def sync_twin(server: LocalZep) -> None:
    with Zep(api_key=server.api_key, base_url=server.base_url) as zep:
        page = zep.memory.list_sessions(page_size=3, order_by="session_id", asc=True)
        names = ", ".join(str(s.session_id) for s in page.sessions)
        print(f"\nThe sync client, same calls without await: first three by id: {names}")


if __name__ == "__main__":
    local = LocalZep()
    local.seed(240)
    with local.run_in_thread():
        asyncio.run(main(local))
        sync_twin(local)
