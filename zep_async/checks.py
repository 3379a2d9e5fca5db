"""The argument checks the SDK runs before sending, for code that checks input early.

A tool that reads many inputs (the command line reads messages from stdin) can
refuse a bad one before sending any, with the same words the calls would use.

Example:
    >>> from zep_async.checks import check_id, check_messages
    >>> check_messages([{"role_type": "user", "content": "Hi"}])[0].content
    'Hi'
    >>> check_id("session_id", "chat-42")
    'chat-42'
"""

from __future__ import annotations

from ._codec import check_messages as _check_messages
from ._validate import id_segment
from .models import Message

__all__ = ["check_id", "check_messages"]


def check_id(name: str, value: object) -> str:
    """Check an id as every call checks one (e.g. ``session_id``) and return it unchanged.

    Raises:
        TypeError, ValueError: naming ``name``; ``value`` is not an id that can be sent.
    """
    id_segment(name, value)
    return value  # type: ignore[return-value]  # id_segment accepts only a str


def check_messages(value: object, name: str = "messages") -> list[Message]:
    """Check a list of messages as ``memory.add`` does; return them as ``Message`` objects.

    Each item is a ``Message`` or a mapping with its keys; each needs ``content``
    and ``role_type``.

    Raises:
        TypeError, ValueError: naming the item and field, e.g. ``messages[2].role_type``.
    """
    return _check_messages(value, name)
