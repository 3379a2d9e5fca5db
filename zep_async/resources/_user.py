"""The ``user`` resource, as the official SDK names it: users, and a user's facts and node.

The calls live in one module per area (``_users``, ``_user_graph``), each piece deriving
from ``Resource`` alone; this class only joins them, one level deep.
"""

from __future__ import annotations

from ._user_graph import UserGraph
from ._users import Users

__all__ = ["AsyncUsers"]


class AsyncUsers(Users, UserGraph, name="user"):
    """Users, their sessions, facts and graph node: ``zep.user`` of ``AsyncZep``."""
