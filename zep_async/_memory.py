"""The ``memory`` resource: sessions, memory and messages, as the official SDK groups them.

The calls live in one module per concern (``_sessions``, ``_messages``,
``_facts_calls``, ``_session_insights``); this class only joins them under the
official SDK's name.
"""

from __future__ import annotations

from ._facts_calls import SessionFactCalls
from ._messages import MessageCalls
from ._resource import MAX_ENCODED_ID_LENGTH, MAX_ID_LENGTH, session_path
from ._session_insights import SessionInsightCalls
from ._sessions import ORDER_BY_FIELDS, OrderBy, SessionCalls

__all__ = [
    "MAX_ENCODED_SESSION_ID_LENGTH",
    "MAX_SESSION_ID_LENGTH",
    "ORDER_BY_FIELDS",
    "AsyncMemory",
    "OrderBy",
    "session_path",
]

#: The longest ``session_id`` accepted, in characters.
MAX_SESSION_ID_LENGTH = MAX_ID_LENGTH
#: The longest ``session_id`` accepted once percent-encoded.
MAX_ENCODED_SESSION_ID_LENGTH = MAX_ENCODED_ID_LENGTH


class AsyncMemory(SessionCalls, MessageCalls, SessionFactCalls, SessionInsightCalls):
    """Sessions, memory and messages, facts and summaries: ``zep.memory`` of ``AsyncZep``."""
