"""Round-2 attacks on the transport's one door: a write body over 1 MiB under ``-W error``.

aiohttp warns (``ResourceWarning``) for every request body given as ``bytes`` over
1 MiB; an application whose tests turn ResourceWarning into an error (as this
project's own ``make pytest-dev`` does) got that warning raised from its write,
a bare ``ResourceWarning`` instead of the call's result. The API takes bodies up
to 5 MiB.
"""

from __future__ import annotations

import pytest

from zep_async import AsyncZep
from zep_async.testing import LocalZep

BIG = "x" * (1 << 20)  # the body is a little over 1 MiB with it


@pytest.mark.filterwarnings("error::ResourceWarning")
async def test_a_write_over_one_mib_is_sent_without_a_warning(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """A 1 MiB metadata update goes out and is applied under -W error::ResourceWarning."""
    local_zep.add_session("s-1")
    session = await client.memory.update_session("s-1", metadata={"big": BIG})
    assert session.metadata == {"big": BIG}
    assert local_zep.count("update_session") == 1


@pytest.mark.filterwarnings("error::ResourceWarning")
async def test_a_big_write_resent_after_a_503_sends_the_whole_body_again(
    local_zep: LocalZep, client: AsyncZep
) -> None:
    """The resend of a recovered 1 MiB update carries the whole body, not an emptied buffer."""
    local_zep.add_session("s-1")
    local_zep.fail("update_session", 503)
    session = await client.memory.update_session("s-1", metadata={"big": BIG})
    assert session.metadata == {"big": BIG}
    assert local_zep.count("update_session") == 2
    assert [s["metadata"] for s in local_zep.sessions] == [{"big": BIG}]
