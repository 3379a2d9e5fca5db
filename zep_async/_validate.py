"""Argument checks shared by the client, the resources and the request options.

Each check raises ``TypeError`` for a value of the wrong type and ``ValueError``
for a value out of range, naming the parameter, and never echoes secrets.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

# C0 controls and DEL. They are never part of a real id and usually mean a stray newline.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A header value may hold a tab (RFC 9110 field-value), but no other control character.
_HEADER_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# A header name is an RFC 9110 token; anything else is refused by servers, or worse, mangled.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: Headers that frame the message or manage the connection: aiohttp sends a caller's
#: value as it is, so a copied ``Content-Length`` cuts the body short (a corrupted
#: write) or makes the server wait for a body that never comes (a hung GET).
_TRANSPORT_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "connection", "keep-alive", "te", "trailer", "upgrade"}
)

#: The largest count or wire integer accepted: a signed 64-bit integer, what the (Go)
#: server reads. Larger ones are refused before Python would even print them.
MAX_INT = 2**63 - 1
#: The longest header value (the API key included): servers refuse header lines over 8 KB.
MAX_HEADER_LENGTH = 8000
#: The longest query parameter name or value; URLs over about 8 KB are commonly refused.
MAX_QUERY_LENGTH = 2048


def type_name(value: object) -> str:
    """Name the type of ``value`` for an error message."""
    return type(value).__name__


def check_text(
    name: str,
    value: object,
    *,
    max_length: int | None = None,
    secret: bool = False,
    header: bool = False,
) -> str:
    """Require a non-blank ``str`` free of control characters and lone surrogates.

    With ``header``, the text goes into a header (the API key), so it must also
    be Latin-1 (see ``check_headers``).
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type_name(value)}")
    if not value or value.isspace():
        raise ValueError(f"{name} must not be empty or blank")
    if max_length is not None and len(value) > max_length:
        raise ValueError(
            f"{name} is {len(value)} characters long; at most {max_length} are allowed"
        )
    if _CONTROL.search(value):
        raise ValueError(f"{name} must not contain control characters{_shown(value, secret)}")
    # Raised outside the `except`: a chained UnicodeEncodeError would hold the text (a key?).
    if not _is_unicode(value):
        raise ValueError(
            f"{name} must be valid Unicode text (no lone surrogates){_shown(value, secret)}"
        )
    if header and not _is_latin1(value):
        raise ValueError(f"{name} {_NOT_LATIN1}{_shown(value, secret)}")
    return value


def _shown(value: str, secret: bool) -> str:
    """The value for a message, cut to 40 characters; nothing for a secret."""
    return "" if secret else f" (got {show_text(value)})"


def show_number(value: int | float) -> str:
    """Show a number in a message; one too large to print readably is described instead."""
    if isinstance(value, int) and value.bit_length() > 64:
        return f"{'-' if value < 0 else ''}an int of {value.bit_length()} bits"
    return repr(value)


def check_int(name: str, value: object, *, minimum: int, maximum: int = MAX_INT) -> int:
    """Require an ``int`` (not a ``bool``) from ``minimum`` to ``maximum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type_name(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {show_number(value)}")
    if value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {show_number(value)}")
    return value


def check_bool(name: str, value: object) -> bool:
    """Require a ``bool``; truthy strings like ``"false"`` are refused."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, not {type_name(value)}")
    return value


def check_seconds(name: str, value: object, *, allow_zero: bool = False) -> float:
    """Require a finite number of seconds, positive (or, with ``allow_zero``, at least 0)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of seconds, not {type_name(value)}")
    try:
        seconds = float(value)  # an int beyond the float range raises OverflowError
    except OverflowError:
        seconds = math.inf
    if not math.isfinite(seconds) or seconds < 0 or (seconds == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(
            f"{name} must be a finite number of seconds {bound}, got {show_number(value)}"
        )
    return seconds


def check_headers(name: str, value: object) -> dict[str, str]:
    """Require a mapping of header names (RFC 9110 tokens) to values, all ``str``.

    A value may be empty, but must hold no control character other than a tab,
    no lone surrogate, no character beyond Latin-1 (HTTP has no encoding for
    them: aiohttp would send raw UTF-8) and at most ``MAX_HEADER_LENGTH``
    characters. Header names are case-insensitive, so one name given twice in
    different spellings is refused, and so are the headers that frame a message
    or manage its connection (``Content-Length``, ``Transfer-Encoding``,
    ``Connection``...). Values may be credentials, so no message shows one.
    """
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping of str to str, not {type_name(value)}")
    headers: dict[str, str] = {}
    seen: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise TypeError(f"{name} must map str to str; got {type_name(key)}: {type_name(item)}")
        if len(key) > MAX_HEADER_LENGTH or not _TOKEN.fullmatch(key):
            raise ValueError(f"{name} has an invalid header name {show_text(key)}")
        if key.lower() in _TRANSPORT_HEADERS:
            raise ValueError(
                f"{name} may not set {show_text(key)}: the SDK frames each request and "
                "manages its connections itself"
            )
        other = seen.setdefault(key.lower(), key)
        if other != key:
            raise ValueError(
                f"{name} names one header twice, as {show_text(other)} and {show_text(key)} "
                "(header names are case-insensitive)"
            )
        where = f"{name}[{show_text(key)}]"
        headers[key] = _check_wire_text(where, item, MAX_HEADER_LENGTH, _HEADER_CONTROL)
        if not _is_latin1(item):
            raise ValueError(f"{where} {_NOT_LATIN1}")
    return headers


_NOT_LATIN1 = (
    "must hold only Latin-1 characters (U+0000 to U+00FF): a header cannot carry "
    "other text; percent-encode or base64-encode it"
)


def _is_latin1(text: str) -> bool:
    return text.isascii() or max(text) <= "\xff"


def check_query(name: str, value: object) -> dict[str, str]:
    """Require a mapping of query names to ``str``, ``int``, ``float`` or ``bool`` values."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping, not {type_name(value)}")
    query: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"{name} keys must be non-empty str, got {show_text(key)}")
        _check_wire_text(f"{name} key {show_text(key)}", key, MAX_QUERY_LENGTH, _CONTROL)
        query[key] = query_value(f"{name}[{show_text(key)}]", item)
    return query


def query_value(name: str, value: Any) -> str:
    """Render one query value the way the API reads it (``true``/``false`` for bools).

    Text may be empty, but holds no control character or lone surrogate and at
    most ``MAX_QUERY_LENGTH`` characters; an int fits in 64 bits.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(check_int(name, value, minimum=-MAX_INT))
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    if isinstance(value, str):
        return _check_wire_text(name, value, MAX_QUERY_LENGTH, _CONTROL)
    raise TypeError(f"{name} must be a str, int, finite float or bool, not {type_name(value)}")


def _check_wire_text(name: str, text: str, max_length: int, control: re.Pattern[str]) -> str:
    """Refuse text the wire would cut, mangle or have refused; never echo it (a credential?)."""
    if len(text) > max_length:
        raise ValueError(f"{name} is {len(text)} characters long; at most {max_length}")
    if control.search(text):
        raise ValueError(f"{name} must not contain control characters")
    if not _is_unicode(text):
        raise ValueError(f"{name} must be valid Unicode text (no lone surrogates)")
    return text


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def show_text(value: object) -> str:
    """Show a value in a message, cut to 40 characters: input may be huge."""
    if isinstance(value, int) and not isinstance(value, bool):
        return show_number(value)
    if isinstance(value, str | bytes):
        return repr(value[:40]) + ("…" if len(value) > 40 else "")
    if isinstance(value, float | bool | None):
        return repr(value)
    return f"a {type_name(value)}"


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
        text = check_text(name, value, max_length=MAX_ID_LENGTH)
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


def check_unit(name: str, value: object) -> float:
    """Require a finite number from 0 to 1 (a rating, a score, ``mmr_lambda``)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number from 0 to 1, not {type_name(value)}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number) or not 0.0 <= number <= 1.0:
        raise ValueError(f"{name} must be a finite number from 0 to 1, got {show_number(value)}")
    return number


def check_choice(name: str, value: object, choices: tuple[str, ...]) -> str:
    """Require one of ``choices`` (the values of one of the API's ``Literal`` enums)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type_name(value)}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {show_text(value)}")
    return value


def check_id_list(name: str, value: object) -> list[str]:
    """Require a list (or tuple) of ids, each checked as ``id_segment`` checks one."""
    if not isinstance(value, list | tuple):
        raise TypeError(f"{name} must be a list of str, not {type_name(value)}")
    for index, item in enumerate(value):
        id_segment(f"{name}[{index}]", item)
    return list(value)


def check_optional_str(name: str, value: object) -> str | None:
    """``None``, or a ``str`` without NUL (PostgreSQL text cannot hold one: a late 500)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type_name(value)}")
    if "\x00" in value:
        raise ValueError(f"{name} must not contain a NUL character")
    return value


def check_body_text(name: str, value: object) -> str:
    """A required ``str`` sent in a body (a fact, a schema): not blank, no NUL; newlines fine."""
    if value is None:
        raise TypeError(f"{name} is required")
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type_name(value)}")
    check_optional_str(name, value)
    if not value.strip():
        raise ValueError(f"{name} must not be empty or blank")
    return value
