"""The ``memory`` resource: sessions, memory and messages, as the official SDK groups them.

The calls live in one module per area (``_sessions``, ``_session_writes``,
``_messages``, ``_message_search``, ``_facts``, ``_session_insights``), each piece
deriving from ``Resource`` alone; this class only joins them, one level deep, under
the official SDK's name.
"""

from __future__ import annotations

from .._validate import MAX_ENCODED_ID_LENGTH, MAX_ID_LENGTH
from ._facts import Facts
from ._message_search import MessageSearch
from ._messages import Messages
from ._session_insights import SessionInsights
from ._session_writes import SessionWrites
from ._sessions import Sessions

__all__ = ["MAX_ENCODED_SESSION_ID_LENGTH", "MAX_SESSION_ID_LENGTH", "AsyncMemory"]

#: The longest ``session_id`` accepted, in characters.
MAX_SESSION_ID_LENGTH = MAX_ID_LENGTH
#: The longest ``session_id`` accepted once percent-encoded.
MAX_ENCODED_SESSION_ID_LENGTH = MAX_ENCODED_ID_LENGTH


class AsyncMemory(
    Sessions, SessionWrites, Messages, MessageSearch, Facts, SessionInsights, name="memory"
):
    """Sessions, memory and messages, facts and summaries: ``zep.memory`` of ``AsyncZep``."""
