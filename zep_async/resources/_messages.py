"""The memory and message calls of the ``memory`` resource: add, get, list, walk, change.

``add`` is a write that recovers (``_recovery``): its messages get uuids, so a
resend after a failure that may have applied it cannot store them twice. The searches
live in ``_message_search``. The walk over a session's messages uses the
walker of ``pagination`` with the messages' wire style: ``limit`` plus
``cursor``, a 1-based page number; ``_raw_iter_session_messages`` is
``with_raw_response.iter_session_messages``, each message with its JSON text
as the server sent it.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import Any, get_args

from .. import _recovery, _validate
from .._codec import check_messages, check_metadata, encode
from .._options import RequestOptions
from .._raw import RawItem
from ..errors import APIResponseValidationError
from ..models import AddMemoryResponse, Memory, Message, MessageListResponse, RoleType
from ..pagination import max_page_items
from ._base import Listing, Resource, check_options, check_walk, session_path

__all__ = ["Messages"]

_ROLE_TYPES: tuple[str, ...] = get_args(RoleType)


def _check_roles(value: object) -> list[str]:
    if not isinstance(value, list | tuple):
        raise TypeError(
            f"ignore_roles must be a list of role types, not {_validate.type_name(value)}"
        )
    return [
        _validate.check_choice(f"ignore_roles[{i}]", item, _ROLE_TYPES)
        for i, item in enumerate(value)
    ]


def _message_key(message: Message) -> str | None:
    return message.uuid


class Messages(Resource):
    """The memory and message calls of ``memory`` (one of the pieces ``AsyncMemory`` joins)."""

    async def add(
        self,
        session_id: str,
        *,
        messages: Sequence[Message | Mapping[str, Any]],
        ignore_roles: Sequence[RoleType] | None = None,
        return_context: bool | None = None,
        request_options: RequestOptions | None = None,
    ) -> AddMemoryResponse:
        """Add messages to a session's memory, in order.

        Each message without a ``uuid`` gets one before the first attempt (yours
        are kept), so after a failure that may have stored them (a 5xx, a timeout,
        a dropped connection) they are resent and stored exactly once; a resend
        refused for those uuids is confirmed by reading each message back
        (docs/retries.md#recovered-writes). Zep limits each call
        to 30 messages and each message to 2,500 characters on free plans; the
        server enforces its limits and answers ``BadRequestError`` beyond them.

        Args:
            session_id: The session to add to (on Zep Cloud it must exist; the
                Community Edition creates it).
            messages: At least one message: ``Message`` objects, or mappings with
                the same keys. Each needs ``content`` (a str) and ``role_type``
                (``norole``, ``system``, ``assistant``, ``user``, ``function`` or
                ``tool``); ``role`` is the speaker's free-form name.
            ignore_roles: Role types whose messages are stored but kept out of
                Zep's graph (e.g. ``["assistant"]``).
            return_context: Ask for the updated context string in the answer.
            request_options: Per-call overrides (timeout, retries, headers, query).

        Returns:
            The answer; its ``context`` is set when ``return_context`` was true
            (Zep Cloud; the Community Edition never sends it).

        Raises:
            TypeError, ValueError: A bad argument (e.g. ``messages[2].role_type``,
                or two messages with one ``uuid``), before anything is sent.
            BadRequestError: The server refused the messages (too many, too long).
            NotFoundError: No session has this id (Zep Cloud).
            SessionEndedError: The session has ended.
            APIStatusError: Any other error status.
            APIConnectionError: The server could not be reached.

        Example:
            >>> await zep.memory.add(  # doctest: +SKIP
            ...     "chat-42",
            ...     messages=[Message(role_type="user", role="Jane", content="Hi")],
            ... )
        """
        session = session_path(session_id)
        checked = check_messages(messages)
        if not checked:
            raise ValueError(
                "messages is empty: there is nothing to add (skip the call when "
                "there are no new messages)"
            )
        fields = {
            "ignore_roles": None if ignore_roles is None else _check_roles(ignore_roles),
            "return_context": None
            if return_context is None
            else _validate.check_bool("return_context", return_context),
        }
        options = check_options(request_options)
        return await _recovery.add_messages(self, session, checked, fields, options)

    async def get(
        self,
        session_id: str,
        *,
        lastn: int | None = None,
        min_rating: float | None = None,
        request_options: RequestOptions | None = None,
    ) -> Memory:
        """Return a session's memory: its latest messages, relevant facts and context.

        Args:
            session_id: The session.
            lastn: How many of the latest messages to return, at least 1 (the
                server's default is 6).
            min_rating: The lowest rating of the facts to return, from 0 to 1.
            request_options: Per-call overrides (timeout, retries, headers, query).

        Returns:
            The memory: ``messages`` oldest first, ``relevant_facts``, and on Zep
            Cloud ``context``, a prompt-ready string.

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            NotFoundError: No session has this id (Zep Cloud; the Community
                Edition answers with empty lists).
            APIStatusError: Any other error status.
            APIConnectionError: The server could not be reached.

        Example:
            >>> memory = await zep.memory.get("chat-42", lastn=6)  # doctest: +SKIP
        """
        path = session_path(session_id) + "/memory"
        query: dict[str, str] = {}
        if lastn is not None:
            query["lastn"] = str(_validate.check_int("lastn", lastn, minimum=1))
        if min_rating is not None:
            query["minRating"] = repr(_validate.check_unit("min_rating", min_rating))
        options = check_options(request_options)
        return await self._call("GET", path, Memory, query=query, options=options)

    async def get_session_messages(
        self,
        session_id: str,
        *,
        limit: int | None = None,
        cursor: int | None = None,
        request_options: RequestOptions | None = None,
    ) -> MessageListResponse:
        """Return one page of a session's messages, oldest first.

        Args:
            session_id: The session.
            limit: Messages per page, at least 1 (left out: every message).
            cursor: Which page, from 1.
            request_options: Per-call overrides (timeout, retries, headers, query).

        Returns:
            The page, with ``total_count`` (all messages of the session) and
            ``row_count`` (this page).

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            NotFoundError: No session has this id (Zep Cloud; the Community
                Edition answers with an empty page).
            APIResponseValidationError: The page is not of the promised shape, or it
                holds more than ``10 * limit + 100`` messages (refused before they
                are built; without ``limit``, any number is read).
            APIStatusError: Any other error status.
            APIConnectionError: The server could not be reached.

        Example:
            >>> page = await zep.memory.get_session_messages(  # doctest: +SKIP
            ...     "chat-42", limit=50, cursor=1
            ... )
        """
        path = session_path(session_id) + "/messages"
        query: dict[str, str] = {}
        bound = None
        if limit is not None:
            query["limit"] = str(_validate.check_int("limit", limit, minimum=1))
            bound = max_page_items(limit)
        if cursor is not None:
            query["cursor"] = str(_validate.check_int("cursor", cursor, minimum=1))
        options = check_options(request_options)
        return await self._call(
            "GET", path, MessageListResponse, query=query, options=options, max_items=bound
        )

    async def get_session_message(
        self,
        session_id: str,
        message_uuid: str,
        *,
        request_options: RequestOptions | None = None,
    ) -> Message:
        """Return one message of a session (deprecated by the API).

        Args:
            session_id: The session.
            message_uuid: The message's ``uuid``.
            request_options: Per-call overrides (timeout, retries, headers, query).

        Returns:
            The message.

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            NotFoundError: The session has no such message.
            BadRequestError: ``message_uuid`` is not a UUID.
            APIStatusError: Any other error status.
            APIConnectionError: The server could not be reached.

        Example:
            >>> message = await zep.memory.get_session_message(  # doctest: +SKIP
            ...     "chat-42", "3f1e0c2a-8a4b-4f3e-9d2c-1b2a3c4d5e6f"
            ... )
        """
        path = _message_path(session_id, message_uuid)
        return await self._call("GET", path, Message, options=check_options(request_options))

    async def update_message_metadata(
        self,
        session_id: str,
        message_uuid: str,
        *,
        metadata: dict[str, Any],
        request_options: RequestOptions | None = None,
    ) -> Message:
        """Merge ``metadata`` into a message's metadata (a PATCH).

        New keys are added and existing ones replaced (one level deep); other
        keys are kept. The same merge twice leaves the same metadata, so it is
        resent after a failure that may have applied it
        (docs/retries.md#recovered-writes).

        Args:
            session_id: The session.
            message_uuid: The message's ``uuid``.
            metadata: The keys to set, as JSON.
            request_options: Per-call overrides (timeout, retries, headers, query).

        Returns:
            The message as updated.

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            NotFoundError: The session has no such message.
            APIStatusError: Any other error status.
            APIConnectionError: The server could not be reached.

        Example:
            >>> message = await zep.memory.update_message_metadata(  # doctest: +SKIP
            ...     "chat-42", message_uuid, metadata={"sentiment": "negative"}
            ... )
        """
        path = _message_path(session_id, message_uuid)
        body = encode({"metadata": check_metadata(metadata)})
        options = check_options(request_options)
        return await _recovery.update(self, path, body, Message, options)

    def iter_session_messages(
        self,
        session_id: str,
        *,
        page_size: int = 100,
        prefetch: int = 4,
        request_options: RequestOptions | None = None,
    ) -> AsyncGenerator[Message, None]:
        """Iterate over every message of a session, oldest first, page after page.

        Arguments are checked here, before the first page is requested. With the
        guarantees of ``iter_sessions`` (docs/pagination.md): each message once
        (repeats recognised by ``uuid``), in order, even while messages are
        added; pages after the first fetched ``prefetch`` at a time; memory
        bounded; leaving the loop early cancels pages in flight; a server that
        ignores ``limit`` is read once. Messages added during the walk may or may
        not be yielded. A server that ignores ``cursor`` (a later page starting
        with the first message) raises ``APIResponseValidationError`` rather
        than end the walk short, and so does a page holding more than
        ``10 * page_size + 100`` messages (refused before they are built).

        Args:
            session_id: The session.
            page_size: Messages per request, at least 1.
            prefetch: Pages fetched concurrently, at least 1 (1 = sequential).
            request_options: Per-call overrides, applied to every page request.

        Example:
            >>> async for message in zep.memory.iter_session_messages("chat-42"):  # doctest: +SKIP
            ...     print(message.role, message.content)
        """
        listing = self._message_listing(session_id, page_size, prefetch, request_options)
        return self._walk(listing).walk_items()

    def _raw_iter_session_messages(
        self,
        session_id: str,
        *,
        page_size: int = 100,
        prefetch: int = 4,
        request_options: RequestOptions | None = None,
    ) -> AsyncGenerator[RawItem[Message], None]:
        """``iter_session_messages``, each message with its JSON text as the server sent it."""
        listing = self._message_listing(session_id, page_size, prefetch, request_options)
        return self._raw_walk(listing)

    def _message_listing(
        self,
        session_id: str,
        page_size: int,
        prefetch: int,
        request_options: RequestOptions | None,
    ) -> Listing[MessageListResponse, Message]:
        """Check a walk's arguments now, at the call, and describe the list to walk."""
        path = session_path(session_id) + "/messages"
        limit = str(check_walk(page_size, prefetch))
        first: list[str | None] = []  # the key of page 1's first message

        def check(number: int, page: MessageListResponse) -> None:
            head = page.messages[0].uuid if page.messages else None
            if number == 1:
                first[:] = [head]
            elif head is not None and first and head == first[0]:
                # Messages are only appended, so a later page never starts with the
                # first message: this server ignores cursor, and the walk would
                # yield page 1 again and again while missing every later message.
                raise _cursor_ignored(path, number)

        return Listing(
            path=path,
            cls=MessageListResponse,
            array="messages",
            query=lambda number: {"limit": limit, "cursor": str(number)},
            items=lambda page: page.messages,
            total=lambda page: page.total_count,
            key=_message_key,
            page_size=page_size,
            prefetch=prefetch,
            options=check_options(request_options),
            check=check,
        )


def _cursor_ignored(path: str, number: int) -> APIResponseValidationError:
    message = (
        f"GET {path} answered cursor={number} with the first page again: the server "
        "ignores cursor, so the walk stops rather than miss messages (read them all at once "
        "with get_session_messages and no limit)"
    )
    return APIResponseValidationError(
        message, status_code=200, body="", errors=[message], method="GET"
    )


def _message_path(session_id: object, message_uuid: object) -> str:
    return (
        session_path(session_id) + "/messages/" + _validate.id_segment("message_uuid", message_uuid)
    )
