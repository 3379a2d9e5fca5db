"""The API's resources: one module per area, each piece deriving from ``Resource`` alone.

``AsyncMemory`` (``zep.memory``) joins the session, message and search pieces;
``AsyncUsers`` (``zep.user``) joins the users and the user-graph pieces. Every call goes through
``Resource._call`` (docs/anatomy.md).
"""

from ._memory import MAX_ENCODED_SESSION_ID_LENGTH, MAX_SESSION_ID_LENGTH, AsyncMemory
from ._sessions import ORDER_BY_FIELDS, OrderBy
from ._user import AsyncUsers

__all__ = [
    "MAX_ENCODED_SESSION_ID_LENGTH",
    "MAX_SESSION_ID_LENGTH",
    "ORDER_BY_FIELDS",
    "AsyncMemory",
    "AsyncUsers",
    "OrderBy",
]
