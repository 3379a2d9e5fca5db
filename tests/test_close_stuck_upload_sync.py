"""The sync Zep's close while a call's body cannot be uploaded: bounded, and no socket leaks."""

from __future__ import annotations

import socket
import threading

import pytest

from tests.conftest import NO_WAIT
from zep_async import ClientClosedError, Message, Zep


# aiohttp >= 3.x advises (as a ResourceWarning) against a raw bytes body over 1 MiB; this
# test needs one to fill the socket, and checks the socket, not that advice.
@pytest.mark.filterwarnings("ignore:Sending a large body directly:ResourceWarning")
def test_sync_close_ends_a_stuck_upload_and_frees_the_socket() -> None:
    """Zep.close() while memory.add uploads to a peer that never reads: the call ends closed."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted = threading.Event()
    peers: list[socket.socket] = []

    def accept() -> None:
        peer, _ = listener.accept()
        peer.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        peers.append(peer)  # kept open, never read
        accepted.set()

    threading.Thread(target=accept, daemon=True).start()
    base = f"http://127.0.0.1:{listener.getsockname()[1]}/api/v2"
    zep = Zep(api_key="k", base_url=base, retry_policy=NO_WAIT, max_retries=0)
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            zep.memory.add("s-1", messages=[Message(role_type="user", content="x" * (16 << 20))])
        except BaseException as exc:
            outcome.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    try:
        assert accepted.wait(30)
        fds_before = _client_fds(zep)
        zep.close()
        caller.join(30)
        assert not caller.is_alive()
        assert len(outcome) == 1
        assert isinstance(outcome[0], ClientClosedError), outcome
        assert outcome[0].may_have_been_applied
        assert fds_before
        assert all(sock.fileno() == -1 for sock in fds_before)
    finally:
        for peer in peers:
            peer.close()
        listener.close()


def _client_fds(zep: Zep) -> list[socket.socket]:
    """The sockets of the connections the client's pool has in use, read on its loop."""
    transport = zep._async._transport

    async def read() -> list[socket.socket]:
        session = transport._session
        if session is None:
            return []
        in_use = session.connector._acquired  # type: ignore[union-attr]
        return [
            proto.transport.get_extra_info("socket")
            for proto in in_use
            if proto.transport is not None
        ]

    for _ in range(1000):  # until the request is on its connection (a few loop steps)
        found = zep._core.runner.call(read)
        if found:
            return found
    pytest.fail("the call never got a connection")
