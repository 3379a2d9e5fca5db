"""The session reads of the ``memory`` resource: get, list and walk (writes: ``_session_writes``).

``_raw_iter_sessions`` is ``with_raw_response.iter_sessions``: the walk of
``iter_sessions``, each session with its JSON text as the server sent it.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Literal, get_args

from .. import _validate
from .._options import RequestOptions
from .._raw import RawItem
from ..models import Session, SessionListResponse
from ..pagination import max_page_items
from ._base import Listing, Resource, check_options, check_walk, session_path

__all__ = ["ORDER_BY_FIELDS", "OrderBy", "Sessions"]

#: The fields ``list_sessions`` and the session walks can sort by.
OrderBy = Literal["created_at", "updated_at", "user_id", "session_id"]
ORDER_BY_FIELDS: tuple[str, ...] = get_args(OrderBy)


def _list_query(
    page_number: int | None, page_size: int | None, order_by: str | None, asc: bool | None
) -> dict[str, str]:
    # Each paging value goes out under both spellings: page_number/page_size, as Zep
    # Cloud documents them, and pageNumber/pageSize, the only ones the Community
    # Edition reads (it would otherwise answer every session at once). They agree,
    # so whichever a server reads, the page is the same.
    query: dict[str, str] = {}
    if page_number is not None:
        number = str(_validate.check_int("page_number", page_number, minimum=1))
        query["page_number"] = query["pageNumber"] = number
    if page_size is not None:
        size = str(_validate.check_int("page_size", page_size, minimum=1))
        query["page_size"] = query["pageSize"] = size
    if order_by is not None:
        query["order_by"] = _validate.check_choice("order_by", order_by, ORDER_BY_FIELDS)
    if asc is not None:
        query["asc"] = "true" if _validate.check_bool("asc", asc) else "false"
    return query


def _session_key(session: Session) -> str | None:
    return session.uuid if session.uuid is not None else session.session_id


class Sessions(Resource):
    """The session reads of ``memory`` (one of the pieces ``AsyncMemory`` joins)."""

    async def get_session(
        self, session_id: str, *, request_options: RequestOptions | None = None
    ) -> Session:
        """Return one session by its id.

        Args:
            session_id: Your own id of the session: any non-empty text without control
                characters, up to 2,048 characters (6,144 once percent-encoded, which
                512 emoji fill). It is sent percent-encoded as one
                path segment, so ``/``, ``?``, ``#``, ``%`` and ``..`` are safe.
            request_options: Per-call overrides (timeout, retries, headers, query).

        Returns:
            The session.

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            NotFoundError: No session has this id.
            APIStatusError: Any other error status.
            APIConnectionError: The server could not be reached.

        Example:
            >>> session = await zep.memory.get_session("support-chat-42")  # doctest: +SKIP
        """
        path = session_path(session_id)
        return await self._call("GET", path, Session, options=check_options(request_options))

    async def list_sessions(
        self,
        *,
        page_number: int | None = None,
        page_size: int | None = None,
        order_by: OrderBy | None = None,
        asc: bool | None = None,
        request_options: RequestOptions | None = None,
    ) -> SessionListResponse:
        """Return one page of the project's sessions.

        Parameters left as ``None`` are not sent, and the server's defaults apply
        (creation order, newest first; the Community Edition then returns every
        session). ``page_number`` and ``page_size`` are sent under both spellings,
        ``page_number``/``page_size`` (Zep Cloud's) and ``pageNumber``/``pageSize``
        (the only ones the Community Edition reads), with the same values.

        Args:
            page_number: Which page, from 1.
            page_size: Sessions per page, at least 1.
            order_by: Sort by ``created_at``, ``updated_at``, ``user_id`` or ``session_id``.
            asc: ``True`` for ascending, ``False`` for descending.
            request_options: Per-call overrides (timeout, retries, headers, query).

        Returns:
            The page, with ``total_count`` of all sessions.

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            BadRequestError: The server refused a parameter.
            APIResponseValidationError: The page is not of the promised shape, or it
                holds more than ``10 * page_size + 100`` sessions (refused before they
                are built; without ``page_size``, any number is read).
            APIStatusError: Any other error status.
            APIConnectionError: The server could not be reached.

        Example:
            >>> page = await zep.memory.list_sessions(page_size=50)  # doctest: +SKIP
        """
        query = _list_query(page_number, page_size, order_by, asc)
        options = check_options(request_options)
        bound = None if page_size is None else max_page_items(page_size)
        return await self._call(
            "GET",
            "/sessions-ordered",
            SessionListResponse,
            query=query,
            options=options,
            max_items=bound,
        )

    def iter_session_pages(
        self,
        *,
        page_size: int = 100,
        order_by: OrderBy | None = None,
        asc: bool | None = None,
        prefetch: int = 4,
        request_options: RequestOptions | None = None,
    ) -> AsyncGenerator[SessionListResponse, None]:
        """Iterate over every page of sessions, in order.

        Arguments are checked here, before the first page is requested. Pages
        after the first may be fetched ``prefetch`` at a time; they are still
        yielded in order, and the walk stops at the first empty or short page,
        after a page longer than ``page_size`` (a server that ignored it sent
        everything), or when ``total_count`` is reached. A prefetched page whose
        ``total_count`` differs from the page before it is read again. Leaving
        the loop early cancels pages in flight. Pages are asked for under both
        spellings of the paging names (as ``list_sessions``), so the Community
        Edition pages too.

        Args:
            page_size: Sessions per page, at least 1.
            order_by: Sort field, as in ``list_sessions``.
            asc: Sort direction, as in ``list_sessions``.
            prefetch: Pages fetched concurrently, at least 1 (1 = sequential).
            request_options: Per-call overrides, applied to every page request.

        Raises:
            TypeError, ValueError: A bad argument, at the call.
            APIResponseValidationError: A page is not of the promised shape, or
                holds more than ``10 * page_size + 100`` sessions (refused before
                they are built), after the pages before it.

        Example:
            >>> async for page in zep.memory.iter_session_pages():  # doctest: +SKIP
            ...     print(page.response_count)
        """
        listing = self._session_listing(page_size, order_by, asc, prefetch, request_options)
        return self._walk(listing).pages()

    def iter_sessions(
        self,
        *,
        page_size: int = 100,
        order_by: OrderBy | None = None,
        asc: bool | None = None,
        prefetch: int = 4,
        request_options: RequestOptions | None = None,
    ) -> AsyncGenerator[Session, None]:
        """Iterate over every session of the project, page after page.

        Takes the arguments of ``iter_session_pages``. Every session that exists
        for the whole walk is yielded exactly once, even while others are being
        created (as long as fewer than 10,000 are created between two page
        reads): repeats are recognised by ``uuid`` (or ``session_id`` when there
        is no uuid) among the last 10,000 sessions yielded, so the walk's memory
        stays bounded. Deletions during the walk can make a session be missed;
        see docs/pagination.md. An error stops the walk where it happens, after
        the sessions before it; a page holding more than ``10 * page_size + 100``
        sessions raises ``APIResponseValidationError`` before they are built.

        Example:
            >>> async for session in zep.memory.iter_sessions():  # doctest: +SKIP
            ...     print(session.session_id)
        """
        listing = self._session_listing(page_size, order_by, asc, prefetch, request_options)
        return self._walk(listing).walk_items()

    def _session_listing(
        self,
        page_size: int,
        order_by: OrderBy | None,
        asc: bool | None,
        prefetch: int,
        request_options: RequestOptions | None,
    ) -> Listing[SessionListResponse, Session]:
        """Check a walk's arguments now, at the call, and describe the list to walk."""
        query = _list_query(None, page_size, order_by, asc)
        # Required here: None would mean "the server's default", which the walk cannot know.
        check_walk(page_size, prefetch)
        return Listing(
            path="/sessions-ordered",
            cls=SessionListResponse,
            array="sessions",
            query=lambda number: {"page_number": str(number), "pageNumber": str(number), **query},
            items=lambda page: page.sessions,
            total=lambda page: page.total_count,
            key=_session_key,
            page_size=page_size,
            prefetch=prefetch,
            options=check_options(request_options),
        )

    def _raw_iter_sessions(
        self,
        *,
        page_size: int = 100,
        order_by: OrderBy | None = None,
        asc: bool | None = None,
        prefetch: int = 4,
        request_options: RequestOptions | None = None,
    ) -> AsyncGenerator[RawItem[Session], None]:
        """``iter_sessions``, each session with its JSON text as the server sent it, on one line."""
        listing = self._session_listing(page_size, order_by, asc, prefetch, request_options)
        return self._raw_walk(listing)
