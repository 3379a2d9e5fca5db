"""What every LocalZep store shares: the clock, JSON copies, merge rules and ``OMIT``."""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from ._timestamps import format_go_timestamp


class _Omit(enum.Enum):
    OMIT = "OMIT"

    def __repr__(self) -> str:
        return "OMIT"


#: Pass as a field value to ``LocalZep.add_session`` (or ``add_user``) to leave
#: that key out of the stored record entirely (to test that a client copes with
#: a missing field).
OMIT: Final = _Omit.OMIT

#: The ``project_uuid`` every record gets unless told otherwise.
PROJECT_UUID: Final = "5d1e7a2c-6b0f-4c3e-9a8d-2f4b6c8e0a13"

TIMESTAMP_FIELDS: Final = ("created_at", "updated_at", "deleted_at", "ended_at")


class ApiError(Exception):
    """A request the API refuses: ``{"message": message}`` with ``status``.

    With ``plain`` the message goes out as the whole text/plain body instead
    (as the Community Edition sends a few of its errors).
    """

    def __init__(self, status: int, message: str, *, plain: bool = False) -> None:
        """Remember the status, the message and the body's form."""
        super().__init__(message)
        self.status = status
        self.message = message
        self.plain = plain


class Clock:
    """Server time that strictly increases, even if the wall clock steps back."""

    def __init__(self) -> None:
        """Start before any real time."""
        self._last = datetime.min.replace(tzinfo=UTC)

    def now(self) -> str:
        """Return the next timestamp, written the Go way."""
        self._last = max(datetime.now(UTC), self._last + timedelta(microseconds=1))
        return format_go_timestamp(self._last)


def copy(value: Any) -> Any:
    """Return a deep copy of a JSON value."""
    return json.loads(json.dumps(value))


def to_json(value: Any, what: str) -> Any:
    """Return a JSON copy of ``value``, or raise TypeError naming ``what``."""
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError, RecursionError) as error:
        raise TypeError(f"{what} must be JSON values: {error}") from None


def apply_fields(data: dict[str, Any], fields: Mapping[str, Any]) -> None:
    """Override ``data`` with ``fields``: datetimes written the Go way, OMIT drops a key."""
    for name, value in fields.items():
        if value is OMIT:
            data.pop(name, None)
        elif name in TIMESTAMP_FIELDS and isinstance(value, datetime):
            data[name] = format_go_timestamp(value)
        else:
            data[name] = value


def merge_metadata(old: Any, new: Any, *, drop_system: bool) -> Any:
    """Merge metadata the way Zep does: new keys added, existing ones overwritten.

    Keys not mentioned are kept. ``None`` or ``{}`` changes nothing. With
    ``drop_system`` a top-level ``system`` key of ``new`` is ignored (an
    unprivileged caller may not set it).
    """
    if not isinstance(new, dict) or not new:
        return old
    merged = dict(old) if isinstance(old, dict) else {}
    for key, value in new.items():
        if drop_system and key == "system":
            continue
        merged[key] = value
    return merged
