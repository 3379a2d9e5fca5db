"""What every resource shares: ids as path segments, request options, a transport, walks.

A paged list is described once, as a ``Listing``; ``Resource`` walks it two ways:
``_walk`` gives the models (the public ``iter_*`` calls), ``_walk_json`` gives each
item's model together with its JSON text exactly as the server wrote it, cut from
the page's body (``_rawjson``). The second is private: the command line's exports
and ``--json`` outputs that promise what the server sent use it, and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, NamedTuple, TypeVar
from urllib.parse import quote

from . import _validate
from ._codec import array_items, body_text, decode, one_line
from ._failures import request_id
from ._options import CheckedOptions, RequestOptions, check_request_options
from ._raw import AsyncRawResponses
from .errors import APIResponseValidationError
from .pagination import PagedList

if TYPE_CHECKING:
    from ._transport import Transport

__all__ = [
    "MAX_ENCODED_ID_LENGTH",
    "MAX_ID_LENGTH",
    "JsonPage",
    "Listing",
    "Resource",
    "check_options",
    "check_walk",
    "id_segment",
    "session_path",
]

P = TypeVar("P")
T = TypeVar("T")

#: RFC 3986 unreserved characters: a segment of only these is sent as it is.
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]+")

#: Longer ids would make URLs that servers and proxies commonly refuse (about 8 KB).
MAX_ID_LENGTH = 2048
#: The same bound on the id once percent-encoded: 2,048 emoji take 24 KB on the wire.
MAX_ENCODED_ID_LENGTH = 6144


def id_segment(name: str, value: object) -> str:
    """Check the id ``value`` (parameter ``name``) and return it encoded as one path segment.

    Raises:
        TypeError, ValueError: ``value`` is not an id that can be sent.
    """
    if type(value) is str and len(value) <= MAX_ID_LENGTH and _UNRESERVED.fullmatch(value):
        segment = value  # the common id: nothing to refuse, nothing to encode
    else:
        text = _validate.check_text(name, value, max_length=MAX_ID_LENGTH)
        segment = quote(text, safe="")
        if len(segment) > MAX_ENCODED_ID_LENGTH:
            raise ValueError(
                f"{name} is {len(segment)} characters long once percent-encoded; "
                f"at most {MAX_ENCODED_ID_LENGTH} are allowed"
            )
    if segment in (".", ".."):
        # Dot-segments would be resolved away by URL normalisation; %2E survives it.
        segment = segment.replace(".", "%2E")
    return segment


def session_path(session_id: object) -> str:
    """Check ``session_id`` and return ``/sessions/<id>``, the id encoded as one path segment."""
    return "/sessions/" + id_segment("session_id", session_id)


def check_options(request_options: RequestOptions | None) -> CheckedOptions | None:
    """Check ``request_options`` before anything is sent (``None`` stays ``None``)."""
    return None if request_options is None else check_request_options(request_options)


def check_walk(page_size: object, prefetch: object) -> int:
    """Check a walk's ``page_size`` and ``prefetch`` (both at least 1); return ``page_size``."""
    size = _validate.check_int("page_size", page_size, minimum=1)
    _validate.check_int("prefetch", prefetch, minimum=1)
    return size


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


class JsonPage(NamedTuple, Generic[P, T]):
    """A decoded page, and its items paired with their JSON text as the server sent it."""

    page: P
    items: list[tuple[T, str]]


class Resource:
    """The base of every resource: it holds the client's transport, nothing else."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    @property
    def with_raw_response(self) -> AsyncRawResponses:
        """This resource's calls, each returning a ``RawResponse`` (status, headers, ...)."""
        return AsyncRawResponses(self)

    async def _decoded(
        self,
        method: str,
        path: str,
        cls: type[T],
        *,
        query: Mapping[str, str] | None = None,
        body: bytes | None = None,
        options: CheckedOptions | None = None,
        retry_non_idempotent: bool = False,
    ) -> tuple[T, bytes]:
        """Send one call; return its 2xx body decoded into ``cls`` and as it came.

        Decoded as ``Transport.call`` does, a failure naming the request's URL and id.
        """
        status, data, headers, url, attempts = await self._transport.request(
            method,
            path,
            query=query,
            body=body,
            options=options,
            retry_non_idempotent=retry_non_idempotent,
        )
        try:
            model = decode(cls, data, status_code=status, method=method, attempts=attempts)
        except APIResponseValidationError as error:
            # Filled in on the rare failure, as Transport.call does, not for every response.
            error.url, error.request_id = str(url), request_id(headers)
            raise
        return model, data

    async def _get_json(
        self, path: str, cls: type[T], options: CheckedOptions | None
    ) -> tuple[T, str]:
        """GET one object: its model, and its JSON text as the server sent it, on one line."""
        model, data = await self._decoded("GET", path, cls, options=options)
        return model, one_line(body_text(data))

    def _walk(self, listing: Listing[P, T]) -> PagedList[P, T]:
        """The walk of ``listing`` over its models (``pages()``, ``walk_items()``)."""
        transport = self._transport

        async def fetch(number: int) -> P:
            query = listing.query(number)
            options = listing.options
            page = await transport.get(listing.path, listing.cls, query=query, options=options)
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

    def _walk_json(self, listing: Listing[P, T]) -> AsyncGenerator[tuple[T, str], None]:
        """The same walk, each item with its JSON text as the server sent it, on one line.

        Order, each item once, prefetch, checks and cancellation are those of
        ``_walk``; the text is cut from the page's body, so timestamps, escapes and
        numbers stay exactly as written (whitespace between tokens of a
        pretty-printed body aside).
        """

        async def fetch(number: int) -> JsonPage[P, T]:
            query = listing.query(number)
            page, data = await self._decoded(
                "GET", listing.path, listing.cls, query=query, options=listing.options
            )
            listing.check(number, page)
            texts = array_items(body_text(data), listing.array)
            return JsonPage(page, list(zip(listing.items(page), texts, strict=True)))

        key = listing.key
        walk = PagedList(
            fetch,
            items=lambda page: page.items,
            total=lambda page: listing.total(page.page),
            key=lambda item: key(item[0]),
            page_size=listing.page_size,
            prefetch=listing.prefetch,
        )
        return walk.walk_items()
