"""Message uuids for recovered ``memory.add``: the caller's kept, the rest random, none twice."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

from attrs import evolve

from .models import Message

__all__ = ["with_unique_uuids"]


def with_unique_uuids(messages: Sequence[Message], *, assign: bool) -> list[Message]:
    """Refuse a uuid given twice in a call; with ``assign``, give each message without one a uuid4.

    Raises:
        ValueError: Two messages of the call share a uuid (naming both).
    """
    seen: dict[str, int] = {}
    for index, message in enumerate(messages):
        given = message.uuid
        if given:
            first = seen.setdefault(given, index)
            if first != index:
                raise ValueError(
                    f"messages[{index}].uuid repeats messages[{first}].uuid ({given!r}): "
                    "the server stores a uuid once, so one call cannot add both"
                )
    if not assign or len(seen) == len(messages):
        return list(messages)
    fresh = _uuid4s(len(messages) - len(seen))
    return [message if message.uuid else evolve(message, uuid=next(fresh)) for message in messages]


def _uuid4s(count: int) -> Iterator[str]:
    """``count`` random (version 4) UUIDs as text, from one read of the OS's random source."""
    # uuid.uuid4() reads os.urandom once per call: a call of 30 messages would pay 30 reads.
    digits = os.urandom(16 * count).hex()
    for start in range(0, 32 * count, 32):
        h = digits[start : start + 32]
        variant = "89ab"[int(h[16], 16) & 3]
        yield f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:]}"
