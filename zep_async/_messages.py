"""The memory and message calls of the ``memory`` resource."""

from __future__ import annotations

from ._resource import Resource

__all__ = ["MessageCalls"]


class MessageCalls(Resource):
    """The memory and message calls of ``memory``: add, get, list, walk, search."""
