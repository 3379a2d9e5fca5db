"""What every resource shares: the one way a call is sent and decoded, and paged walks.

``Resource._call`` is the only place a resource talks to the transport: it sends
through ``Transport.send`` (the one door) and decodes the reply with the codec,
filling in the request's URL and id (and whether a write was applied) when the
body does not decode. A paged list is described once, as a ``Listing``;
``Resource._walk`` walks its models, ``Resource._raw_walk`` walks each item with
its JSON text exactly as the server wrote it (``with_raw_response.iter_*``).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from .. import _validate
from .._codec import array_items, decode, decode_reply
from .._failures import request_id
from .._options import CheckedOptions, RequestOptions, check_request_options
from .._raw import RECORDER, AsyncRawResponses, RawItem, RawResponse, call_recording
from .._reply import Reply, Resend
from .._retry import IDEMPOTENT_METHODS, READ_METHODS
from ..errors import APIResponseValidationError, APIStatusError, APITimeoutError, ZepError
from ..pagination import PagedList

if TYPE_CHECKING:
    from .._transport import Transport

__all__ = [
    "Listing",
    "Resource",
    "check_options",
    "check_walk",
    "explain_missing_route",
    "session_path",
]

P = TypeVar("P")
T = TypeVar("T")


def session_path(session_id: object) -> str:
    """Check ``session_id`` and return ``/sessions/<id>``, the id encoded as one path segment."""
    return "/sessions/" + _validate.id_segment("session_id", session_id)


def check_options(request_options: RequestOptions | None) -> CheckedOptions | None:
    """Check ``request_options`` before anything is sent (``None`` stays ``None``)."""
    return None if request_options is None else check_request_options(request_options)


def check_walk(page_size: object, prefetch: object) -> int:
    """Check a walk's ``page_size`` and ``prefetch`` (both at least 1); return ``page_size``."""
    size = _validate.check_int("page_size", page_size, minimum=1)
    _validate.check_int("prefetch", prefetch, minimum=1)
    return size


def explain_missing_route(error: APIStatusError, route: str, call: str) -> None:
    """Say so when a router, not the API, answered: the server lacks ``route``.

    The API's own errors are JSON objects (an unknown session is its JSON 404); the
    Community Edition answers a Cloud-only route with a text 404 or an empty 405.
    """
    if isinstance(error.body, dict) or error.status_code not in (404, 405):
        return
    text = (
        f"this server has no {route} route (the Zep Community Edition lacks {call}, "
        "which the API deprecates; Zep Cloud serves it)"
    )
    if error.message and error.message != "Method Not Allowed":
        text = f"{error.message}; {text}"
    error.message = text
    error.args = (text,)


def _name_calls(cls: type, name: str) -> None:
    """Give each call of ``cls`` the name users call it by (``memory.get``)."""
    for attribute in dir(cls):
        function = getattr(cls, attribute, None)
        if not callable(function) or not hasattr(function, "__code__"):
            continue
        if attribute.startswith("_raw_iter_"):  # with_raw_response.iter_*
            function.__qualname__ = f"{name}.with_raw_response.{attribute[5:]}"
        elif not attribute.startswith("_"):
            function.__qualname__ = f"{name}.{attribute}"


def _no_check(number: int, page: object) -> None:
    """Accept every page."""


@dataclass(frozen=True)
class Listing(Generic[P, T]):
    """One paged list of the API, its arguments already checked: what both walks need.

    Attributes:
        path: The list's path, percent-encoded.
        cls: The page's model.
        array: The key of the page's JSON object that holds the items.
        query: The query of page ``n`` (1-based), in the list's wire style.
        items: The items of a decoded page.
        total: The total a page reports, or ``None``.
        key: An item's identity, or ``None`` to never deduplicate it.
        page_size: The page size ``query`` asks for.
        prefetch: Pages in flight at once.
        options: The checked per-call options, for every page request.
        check: Called with each page's number and page; raises to stop the walk.
    """

    path: str
    cls: type[P]
    array: str
    query: Callable[[int], Mapping[str, str]]
    items: Callable[[P], Sequence[T]]
    total: Callable[[P], int | None]
    key: Callable[[T], Hashable]
    page_size: int
    prefetch: int
    options: CheckedOptions | None
    check: Callable[[int, P], None] = _no_check


def _applied(method: str, resend: Resend | None, reply: Reply) -> bool:
    """Whether a call answered with a 2xx may have been applied: a write was, whatever its body."""
    write = method not in READ_METHODS and resend is not Resend.ANY
    return write or reply.may_have_been_applied


class Resource:
    """The base of every resource piece: it holds the client's transport, nothing else.

    A resource that users reach as ``zep.<name>`` joins its pieces with
    ``class AsyncMemory(Sessions, Messages, name="memory")``: each of its calls is then
    named as the user wrote it (``memory.get()``) in Python's own errors, such as
    ``TypeError: memory.get() got an unexpected keyword argument 'x'``.
    """

    def __init_subclass__(cls, name: str | None = None, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if name is not None:
            _name_calls(cls, name)

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    @property
    def with_raw_response(self) -> AsyncRawResponses:
        """This resource's calls, each returning a ``RawResponse`` (status, headers, body)."""
        return AsyncRawResponses(self)

    async def _call(
        self,
        method: str,
        path: str,
        cls: type[T],
        *,
        query: Mapping[str, str] | None = None,
        body: bytes | None = None,
        options: CheckedOptions | None = None,
        resend: Resend | None = None,
        reply_to: list[Reply] | None = None,
        cloud_only: tuple[str, str] | None = None,
        empty: T | None = None,
    ) -> T:
        """Send one call through the transport's one door; return its 2xx body as ``cls``.

        ``resend=Resend.ANY`` on a POST declares a read sent as POST (a search): it
        is retried like a read, and its errors never say ``may_have_been_applied``.
        ``reply_to`` gets the ``Reply`` (its attempts, for ``_recovery``).
        ``cloud_only`` is ``(route, call)`` of a route the Community Edition lacks: a
        router's 404 or 405 then says so (``explain_missing_route``). ``empty``, if
        given, is the answer to a 2xx with an empty body.
        """
        try:
            reply = await self._transport.send(
                method, path, query=query, body=body, options=options, resend=resend
            )
        except ZepError as error:
            if resend is Resend.ANY and method not in IDEMPOTENT_METHODS:
                error.may_have_been_applied = False  # it changes nothing on the server
            if cloud_only is not None and isinstance(error, APIStatusError):
                explain_missing_route(error, *cloud_only)
            raise
        if reply_to is not None:
            reply_to.append(reply)
        recorder = RECORDER.get()
        if recorder is not None:  # a with_raw_response call: the reply is what it shows
            recorder.fill(reply, request_id(reply.headers))
        if empty is not None and not reply.body.strip():
            return empty
        try:
            if reply.deadline is None:
                return decode(
                    cls,
                    reply.body,
                    status_code=reply.status,
                    method=method,
                    attempts=reply.attempts,
                )
            # Decoding is work inside the call: it counts against total_timeout.
            transport = self._transport
            return decode_reply(
                cls, reply, clock=transport.clock, total_timeout=transport.total_timeout(options)
            )
        except APIResponseValidationError as error:
            # Filled in on the rare failure, not for every response.
            error.url, error.request_id = reply.url, request_id(reply.headers)
            error.may_have_been_applied = _applied(method, resend, reply)
            raise
        except APITimeoutError as error:  # decoded past the deadline
            error.may_have_been_applied = _applied(method, resend, reply)
            raise

    def _walk(self, listing: Listing[P, T]) -> PagedList[P, T]:
        """The walk of ``listing`` over its models (``pages()``, ``walk_items()``)."""

        async def fetch(number: int) -> P:
            query = listing.query(number)
            page = await self._call(
                "GET", listing.path, listing.cls, query=query, options=listing.options
            )
            listing.check(number, page)
            return page

        return PagedList(
            fetch,
            items=listing.items,
            total=listing.total,
            key=listing.key,
            page_size=listing.page_size,
            prefetch=listing.prefetch,
        )

    def _raw_walk(self, listing: Listing[P, T]) -> AsyncGenerator[RawItem[T], None]:
        """The same walk, each item with its JSON text as the server sent it, on one line.

        Order, each item once, prefetch, checks and cancellation are those of
        ``_walk``; each page is fetched as ``with_raw_response`` fetches one call,
        and the items' text is cut from its body, so timestamps, escapes and
        numbers stay exactly as written (whitespace between tokens of a
        pretty-printed body aside).
        """

        async def fetch(number: int) -> tuple[P, list[RawItem[T]]]:
            raw: RawResponse[P] = await call_recording(
                self._call,
                "GET",
                listing.path,
                listing.cls,
                query=listing.query(number),
                options=listing.options,
            )
            page = raw.parsed
            listing.check(number, page)
            texts = array_items(raw.text, listing.array)
            pairs = zip(listing.items(page), texts, strict=True)
            return page, [RawItem(parsed=item, text=text) for item, text in pairs]

        key = listing.key

        def item_key(item: RawItem[T]) -> Hashable:
            return key(item.parsed)

        walk: PagedList[tuple[P, list[RawItem[T]]], RawItem[T]] = PagedList(
            fetch,
            items=lambda page: page[1],
            total=lambda page: listing.total(page[0]),
            key=item_key,
            page_size=listing.page_size,
            prefetch=listing.prefetch,
        )
        return walk.walk_items()
