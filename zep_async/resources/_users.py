"""The ``user`` resource: create, read, change, delete and list users, a user's sessions,
and (Zep Cloud only; ``get_facts`` deprecated by the API) a user's facts and graph node.

``_raw_iter_users`` is ``with_raw_response.iter_users``: the walk of ``iter_users``,
each user with its JSON text as the server sent it.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from .. import _recovery, _validate
from .._codec import check_fact_rating_instruction, check_metadata, encode
from .._options import RequestOptions
from .._raw import RawItem
from .._validate import MAX_ID_LENGTH, check_optional_str, id_segment
from ..models import (
    FactRatingInstruction,
    FactsResponse,
    Session,
    SuccessResponse,
    User,
    UserListResponse,
    UserNodeResponse,
)
from ._base import Listing, Resource, check_options, check_walk

__all__ = ["AsyncUsers"]

_LIST_PATH = "/users-ordered"


def _user_path(user_id: object) -> str:
    return "/users/" + id_segment("user_id", user_id)


def _fields(
    email: object,
    first_name: object,
    last_name: object,
    metadata: object,
    fact_rating_instruction: object,
) -> dict[str, object]:
    """Check the fields ``add`` and ``update`` share; return them keyed by their JSON names."""
    return {
        "email": check_optional_str("email", email),
        "first_name": check_optional_str("first_name", first_name),
        "last_name": check_optional_str("last_name", last_name),
        "metadata": None if metadata is None else check_metadata(metadata),
        "fact_rating_instruction": (
            None
            if fact_rating_instruction is None
            else check_fact_rating_instruction(fact_rating_instruction)
        ),
    }


def _page_query(page_number: int | None, page_size: int | None) -> dict[str, str]:
    # camelCase on the wire: the one list of the API that spells its paging this way.
    query: dict[str, str] = {}
    if page_number is not None:
        query["pageNumber"] = str(_validate.check_int("page_number", page_number, minimum=1))
    if page_size is not None:
        query["pageSize"] = str(_validate.check_int("page_size", page_size, minimum=1))
    return query


def _user_key(user: User) -> str | None:
    return user.uuid if user.uuid is not None else user.user_id


class AsyncUsers(Resource, name="user"):
    """Users: ``zep.user`` of ``AsyncZep``. Each session belongs to one user."""

    async def add(
        self,
        *,
        user_id: str,
        email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        metadata: dict[str, Any] | None = None,
        fact_rating_instruction: FactRatingInstruction | None = None,
        request_options: RequestOptions | None = None,
    ) -> User:
        """Create a user.

        After a failure that may have created the user (a 5xx, a timeout, a lost
        connection) it is resent; a resend meeting "already exists" met this
        call's first attempt, so the user is read back and returned
        (docs/retries.md#recovered-writes). Arguments left ``None`` are not sent.

        Args:
            user_id: Your own id for the user: non-empty text without control
                characters, up to 2,048 characters.
            email: The user's e-mail address.
            first_name: The user's first name.
            last_name: The user's last name.
            metadata: A dict of JSON values (deprecated by the API).
            fact_rating_instruction: A ``FactRatingInstruction`` or a mapping with
                its keys (deprecated by the API; the Community Edition ignores it).
            request_options: Per-call overrides (timeout, retries, headers, query,
                ``retry_writes``).

        Returns:
            The new user.

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            AlreadyExistsError: A user with this ``user_id`` exists.
            BadRequestError: The server refused an argument.
            APIStatusError: Any other error status.
            APIConnectionError: The server could not be reached.

        Example:
            >>> user = await zep.user.add(user_id="jane", first_name="Jane")  # doctest: +SKIP
        """
        text = _validate.check_text("user_id", user_id, max_length=MAX_ID_LENGTH)
        fields = _fields(email, first_name, last_name, metadata, fact_rating_instruction)
        body = encode({"user_id": text, **fields})
        options = check_options(request_options)
        return await _recovery.create(
            self,
            "/users",
            body,
            User,
            options,
            read_path=_user_path(text),
            differs=_recovery.user_differs(email, first_name, last_name),
        )

    async def get(self, user_id: str, *, request_options: RequestOptions | None = None) -> User:
        """Return one user by its id.

        Args:
            user_id: Your own id of the user, sent percent-encoded as one path segment.
            request_options: Per-call overrides (timeout, retries, headers, query).

        Returns:
            The user.

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            NotFoundError: No user has this id.
            APIStatusError: Any other error status.
            APIConnectionError: The server could not be reached.

        Example:
            >>> user = await zep.user.get("jane")  # doctest: +SKIP
        """
        path = _user_path(user_id)
        return await self._call("GET", path, User, options=check_options(request_options))

    async def update(
        self,
        user_id: str,
        *,
        email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        metadata: dict[str, Any] | None = None,
        fact_rating_instruction: FactRatingInstruction | None = None,
        request_options: RequestOptions | None = None,
    ) -> User:
        """Change a user's fields; those left ``None`` are not sent and stay as they are.

        ``metadata`` is merged into the user's (keys given replace theirs). An
        empty string changes nothing on the Community Edition, so a field cannot
        be cleared there. The same update twice leaves the same user, so it is
        resent after a failure that may have applied it
        (docs/retries.md#recovered-writes).

        Args:
            user_id: Your own id of the user, sent percent-encoded as one path segment.
            email: The new e-mail address.
            first_name: The new first name.
            last_name: The new last name.
            metadata: A dict of JSON values to merge (deprecated by the API).
            fact_rating_instruction: A ``FactRatingInstruction`` or a mapping with
                its keys (deprecated by the API).
            request_options: Per-call overrides (timeout, retries, headers, query,
                ``retry_writes``).

        Returns:
            The user as it is now.

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            NotFoundError: No user has this id.
            BadRequestError: The server refused an argument.
            APIStatusError: Any other error status.
            APIConnectionError: The server could not be reached.

        Example:
            >>> user = await zep.user.update("jane", email="jane@example.com")  # doctest: +SKIP
        """
        path = _user_path(user_id)
        fields = _fields(email, first_name, last_name, metadata, fact_rating_instruction)
        body = encode(fields)
        options = check_options(request_options)
        return await _recovery.update(self, path, body, User, options)

    async def delete(
        self, user_id: str, *, request_options: RequestOptions | None = None
    ) -> SuccessResponse:
        """Delete a user, with all of its sessions and their messages.

        A DELETE is retried after a failure; a ``NotFoundError`` after an attempt
        that may have deleted the user has ``may_have_been_applied`` set.

        Args:
            user_id: Your own id of the user, sent percent-encoded as one path segment.
            request_options: Per-call overrides (timeout, retries, headers, query).

        Returns:
            The server's acknowledgement.

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            NotFoundError: No user has this id.
            APIStatusError: Any other error status.
            APIConnectionError: The server could not be reached.

        Example:
            >>> await zep.user.delete("jane")  # doctest: +SKIP
        """
        path = _user_path(user_id)
        options = check_options(request_options)
        return await self._call("DELETE", path, SuccessResponse, options=options)

    async def list_ordered(
        self,
        *,
        page_number: int | None = None,
        page_size: int | None = None,
        request_options: RequestOptions | None = None,
    ) -> UserListResponse:
        """Return one page of the project's users, newest first.

        Sent as ``pageNumber`` and ``pageSize`` (the API's spelling); left
        ``None``, they are not sent (the Community Edition then returns every user).

        Args:
            page_number: Which page, from 1.
            page_size: Users per page, at least 1.
            request_options: Per-call overrides (timeout, retries, headers, query).

        Returns:
            The page, with ``total_count`` of all users and ``row_count`` on it.

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            BadRequestError: The server refused a parameter.
            APIStatusError: Any other error status.
            APIConnectionError: The server could not be reached.

        Example:
            >>> page = await zep.user.list_ordered(page_size=50)  # doctest: +SKIP
        """
        query = _page_query(page_number, page_size)
        options = check_options(request_options)
        return await self._call("GET", _LIST_PATH, UserListResponse, query=query, options=options)

    async def get_sessions(
        self, user_id: str, *, request_options: RequestOptions | None = None
    ) -> list[Session]:
        """Return the sessions of a user (the API answers ``[]`` for an unknown user).

        Args:
            user_id: Your own id of the user, sent percent-encoded as one path segment.
            request_options: Per-call overrides (timeout, retries, headers, query).

        Returns:
            The user's sessions, in no particular order.

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            APIStatusError: An error status.
            APIConnectionError: The server could not be reached.

        Example:
            >>> sessions = await zep.user.get_sessions("jane")  # doctest: +SKIP
        """
        path = _user_path(user_id) + "/sessions"
        options = check_options(request_options)
        return await self._call("GET", path, list[Session], options=options)

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
        path = _user_path(user_id) + "/facts"
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
        path = _user_path(user_id) + "/node"
        options = check_options(request_options)
        cloud = ("GET /users/{id}/node", "user.get_node")
        return await self._call("GET", path, UserNodeResponse, options=options, cloud_only=cloud)

    def iter_users(
        self,
        *,
        page_size: int = 100,
        prefetch: int = 4,
        request_options: RequestOptions | None = None,
    ) -> AsyncGenerator[User, None]:
        """Iterate over every user of the project, newest first, page after page.

        Arguments are checked here, before the first page is requested. The walk
        has the guarantees of ``memory.iter_sessions`` (docs/pagination.md): pages
        after the first fetched ``prefetch`` at a time and yielded in order; every
        user that exists for the whole walk yielded exactly once, even while others
        are created (repeats are recognised by ``uuid``, else ``user_id``); memory
        bounded; leaving the loop early cancels pages in flight.

        Args:
            page_size: Users per page, at least 1.
            prefetch: Pages fetched concurrently, at least 1 (1 = sequential).
            request_options: Per-call overrides, applied to every page request.

        Raises:
            TypeError, ValueError: A bad argument, at the call.

        Example:
            >>> async for user in zep.user.iter_users():  # doctest: +SKIP
            ...     print(user.user_id)
        """
        return self._walk(self._user_listing(page_size, prefetch, request_options)).walk_items()

    def _raw_iter_users(
        self,
        *,
        page_size: int = 100,
        prefetch: int = 4,
        request_options: RequestOptions | None = None,
    ) -> AsyncGenerator[RawItem[User], None]:
        """``iter_users``, each user with its JSON text as the server sent it, on one line."""
        return self._raw_walk(self._user_listing(page_size, prefetch, request_options))

    def _user_listing(
        self, page_size: int, prefetch: int, request_options: RequestOptions | None
    ) -> Listing[UserListResponse, User]:
        """Check a walk's arguments now, at the call, and describe the list to walk."""
        size = check_walk(page_size, prefetch)
        return Listing(
            path=_LIST_PATH,
            cls=UserListResponse,
            array="users",
            query=lambda number: _page_query(number, size),
            items=lambda page: page.users,
            total=lambda page: page.total_count,
            key=_user_key,
            page_size=size,
            prefetch=prefetch,
            options=check_options(request_options),
        )
