"""Timestamps written and read the way a Go server does (``time.RFC3339Nano``)."""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, timedelta, timezone

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))",
    re.ASCII,
)


def format_go_timestamp(dt: datetime, nanos: int | None = None) -> str:
    """Write a datetime as Go's ``time.RFC3339Nano`` layout does.

    ``Z`` stands for a zero offset, any other offset is written ``+hh:mm`` or
    ``-hh:mm`` (seconds of an offset are dropped, as Go does). The fraction of
    a second has its trailing zeros trimmed and is left out when it is zero.
    A naive datetime is taken to be UTC.

    Args:
        dt: The moment to write.
        nanos: Nanoseconds below ``dt``'s microsecond (0 to 999), so a value can
            carry all nine fractional digits a Go server may send.

    Returns:
        The timestamp, e.g. ``2024-08-07T18:25:43.123456789-07:00``.

    Raises:
        ValueError: If ``nanos`` is outside 0 to 999.
    """
    extra = 0 if nanos is None else nanos
    if not 0 <= extra <= 999:
        raise ValueError(f"nanos must be between 0 and 999, got {nanos!r}")
    offset = dt.utcoffset() if dt.tzinfo is not None else None
    fraction = f"{dt.microsecond * 1000 + extra:09d}".rstrip("0")
    # isoformat (C) pads the year to four digits, as Go does; strftime's %Y may not.
    text = dt.replace(tzinfo=None, microsecond=0).isoformat()
    if fraction:
        text += "." + fraction
    return text + _format_offset(offset)


@functools.lru_cache(maxsize=64)
def _format_offset(offset: timedelta | None) -> str:
    seconds = 0 if offset is None else int(offset.total_seconds())
    if seconds == 0:
        return "Z"
    sign = "-" if seconds < 0 else "+"
    seconds = abs(seconds)
    return f"{sign}{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def timestamp_sort_key(value: object) -> tuple[int, int] | None:
    """Return ``(seconds since the epoch, nanoseconds)`` for a stored timestamp.

    Reads RFC 3339 with up to nine fractional digits exactly, and falls back on
    ``datetime.fromisoformat`` for other ISO forms. Anything else (``None``, a
    malformed string, a number) gives ``None``, which sorts before every time.
    """
    if not isinstance(value, str):
        return None
    match = _RFC3339.fullmatch(value)
    if match is None:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return (parsed - _EPOCH) // timedelta(seconds=1), parsed.microsecond * 1000
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    if zulu:
        zone = UTC
    else:
        delta = timedelta(hours=int(off_h), minutes=int(off_m))
        try:
            zone = timezone(-delta if sign == "-" else delta)
        except ValueError:
            return None
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=zone
        )
    except ValueError:
        return None
    nanos = int((fraction or "").ljust(9, "0"))
    return (moment - _EPOCH) // timedelta(seconds=1), nanos
