"""A user's facts and graph node (Zep Cloud only; ``get_facts`` deprecated by the API)."""

from __future__ import annotations

from .._options import RequestOptions
from ..models import FactsResponse, UserNodeResponse
from ._base import Resource, check_options, user_path

__all__ = ["UserGraph"]


class UserGraph(Resource):
    """``user.get_facts`` and ``user.get_node``: what Zep Cloud learned about a user."""

    async def get_facts(
        self, user_id: str, *, request_options: RequestOptions | None = None
    ) -> FactsResponse:
        """Return the facts of all a user's sessions (Zep Cloud; deprecated by the API).

        Args:
            user_id: Your own id of the user, sent percent-encoded as one path segment.
            request_options: Per-call overrides (timeout, retries, headers, query).

        Returns:
            ``FactsResponse`` with the facts (``[]`` for none).

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            NotFoundError: No user has this id (or the server lacks the route).
            APIStatusError, APIConnectionError: Any other failure.

        Example:
            >>> facts = (await zep.user.get_facts("jane")).facts  # doctest: +SKIP
        """
        path = user_path(user_id) + "/facts"
        options = check_options(request_options)
        cloud = ("GET /users/{id}/facts", "user.get_facts")
        return await self._call("GET", path, FactsResponse, options=options, cloud_only=cloud)

    async def get_node(
        self, user_id: str, *, request_options: RequestOptions | None = None
    ) -> UserNodeResponse:
        """Return the node that stands for a user in Zep's knowledge graph (Zep Cloud).

        Args:
            user_id: Your own id of the user, sent percent-encoded as one path segment.
            request_options: Per-call overrides (timeout, retries, headers, query).

        Returns:
            ``UserNodeResponse`` whose ``node`` is an ``EntityNode``.

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            NotFoundError: No user has this id (or the server lacks the route).
            APIStatusError, APIConnectionError: Any other failure.

        Example:
            >>> node = (await zep.user.get_node("jane")).node  # doctest: +SKIP
        """
        path = user_path(user_id) + "/node"
        options = check_options(request_options)
        cloud = ("GET /users/{id}/node", "user.get_node")
        return await self._call("GET", path, UserNodeResponse, options=options, cloud_only=cloud)
