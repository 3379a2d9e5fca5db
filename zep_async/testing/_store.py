"""The whole store of LocalZep: users, sessions and messages, and what crosses them.

Deleting a session deletes its messages; deleting a user deletes its sessions
and their messages. Not thread-safe on its own: LocalZep guards every call.
"""

from __future__ import annotations

from ._store_facts import FactStore
from ._store_messages import MessageStore
from ._store_sessions import SessionStore
from ._store_users import UserStore
from ._wire import Clock


class Store:
    """Users, sessions and messages sharing one clock."""

    def __init__(self) -> None:
        """Create an empty store."""
        self.clock = Clock()
        self.users = UserStore(self.clock)
        self.sessions = SessionStore(self.clock)
        self.messages = MessageStore(self.clock)
        self.facts = FactStore(self.clock)

    def clear(self) -> None:
        """Forget everything; row ids restart at 1."""
        self.users.clear()
        self.sessions.clear()
        self.messages.clear()
        self.facts.clear()

    def delete_session(self, session_id: str) -> None:
        """Delete a session, its messages and its facts.

        Raises:
            KeyError: If no session has this id.
        """
        self.sessions.remove(session_id)
        self.messages.drop_session(session_id)
        self.facts.drop_session(session_id)

    def delete_user(self, user_id: str) -> None:
        """Delete a user, its sessions and their messages.

        Raises:
            KeyError: If no user has this id.
        """
        self.users.remove(user_id)
        for data in list(self.sessions.of_user(user_id)):
            self.delete_session(data["session_id"])
