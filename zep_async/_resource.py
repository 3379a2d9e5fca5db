"""What every resource shares: ids as path segments, request options, a transport."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote

from . import _validate
from ._options import CheckedOptions, RequestOptions, check_request_options
from ._raw import AsyncRawResponses

if TYPE_CHECKING:
    from ._transport import Transport

__all__ = [
    "MAX_ENCODED_ID_LENGTH",
    "MAX_ID_LENGTH",
    "Resource",
    "id_segment",
    "check_options",
    "session_path",
]

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


class Resource:
    """The base of every resource: it holds the client's transport, nothing else."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    @property
    def with_raw_response(self) -> AsyncRawResponses:
        """This resource's calls, each returning a ``RawResponse`` (status, headers, ...)."""
        return AsyncRawResponses(self)
