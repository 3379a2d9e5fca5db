"""What the session and user stores of LocalZep share: records by id, in row-id order.

Pages in row-id order cost what the page holds: the row ids are kept in a
sorted list (new rows always come last), so no page scans or sorts the table.
Not thread-safe on its own: LocalZep guards every call with its lock.
"""

from __future__ import annotations

import bisect
import sys
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, TypeVar

from ._wire import Clock, apply_fields, copy, to_json

#: A stored record with the row id it was created under.
Entry = tuple[int, dict[str, Any]]

T = TypeVar("T")


def one_page(items: list[T], page_number: int, page_size: int | None) -> list[T]:
    """Return page ``page_number`` (from 1) of ``page_size`` items; all of them without a size."""
    if page_size is None:
        return items
    offset = (page_number - 1) * page_size
    return items[offset : offset + page_size]


def page_bounds(total: int, page_number: int, page_size: int | None, *, reverse: bool) -> slice:
    """The slice of a sorted list of ``total`` items that holds one page.

    With ``reverse`` the page counts from the end (the slice is then read backwards).
    """
    if page_size is None:
        return slice(0, total)
    start = (page_number - 1) * page_size
    if start >= total:
        return slice(0, 0)
    if not reverse:
        return slice(start, start + page_size)
    return slice(max(total - start - page_size, 0), total - start)


def shared_keys(data: dict[str, Any]) -> dict[str, Any]:
    """The same dict with interned keys: a hundred thousand records share one copy of each."""
    return {sys.intern(key): value for key, value in data.items()}


class RowStore:
    """Wire JSON dicts by their id string, with row ids that count up from 1.

    A subclass names its record (``KIND``) and its id field (``KEY``) and
    writes the blank record in ``_blank``.
    """

    KIND: ClassVar[str]
    KEY: ClassVar[str]

    def __init__(self, clock: Clock) -> None:
        """Create an empty store that takes its time from ``clock``."""
        self._rows: dict[str, Entry] = {}
        self._order: list[int] = []  # the row ids, ascending
        self._by_row: dict[int, dict[str, Any]] = {}
        self._next_row = 1
        self._clock = clock

    def __len__(self) -> int:
        """Return the number of stored records."""
        return len(self._rows)

    def __contains__(self, key: object) -> bool:
        """Tell whether a record has this id."""
        return key in self._rows

    @property
    def next_row(self) -> int:
        """The row id the next record gets."""
        return self._next_row

    def clear(self) -> None:
        """Remove every record and restart row ids at 1."""
        self._rows.clear()
        self._order.clear()
        self._by_row.clear()
        self._next_row = 1

    def remove(self, key: str) -> None:
        """Delete one record.

        Raises:
            KeyError: If no record has this id.
        """
        row, _ = self._rows.pop(key)
        del self._order[bisect.bisect_left(self._order, row)]
        del self._by_row[row]

    def all(self) -> list[dict[str, Any]]:
        """Return copies of every record, in row-id order."""
        return [copy(data) for _, data in self._rows.values()]

    def stored(self) -> Iterator[dict[str, Any]]:
        """Yield the stored dicts themselves (not copies), in row-id order."""
        return (data for _, data in self._rows.values())

    def get_json(self, key: str) -> dict[str, Any] | None:
        """Return the stored wire dict itself (not a copy), or ``None``."""
        entry = self._rows.get(key)
        return None if entry is None else entry[1]

    def row_page(
        self, page_number: int, page_size: int | None, *, newest_first: bool
    ) -> list[dict[str, Any]]:
        """Return one page of stored dicts in row-id order (``page_size`` None: all)."""
        rows = self._order[
            page_bounds(len(self._order), page_number, page_size, reverse=newest_first)
        ]
        if newest_first:
            rows.reverse()
        return [self._by_row[row] for row in rows]

    def _insert(
        self, key: str, fields: Mapping[str, Any], *, fresh: bool = False
    ) -> dict[str, Any]:
        """Store a new record and return the stored dict itself.

        ``fresh`` says ``fields`` are JSON values nobody else holds (sample
        data), so they are stored as they are instead of copied.

        Raises:
            TypeError: If ``key`` is not a string or a value is not JSON.
            ValueError: If ``key`` is empty or already stored.
        """
        if not isinstance(key, str):
            raise TypeError(f"{self.KEY} must be a str, got {type(key).__name__}")
        if not key:
            raise ValueError(f"{self.KEY} must not be empty")
        if key in self._rows:
            raise ValueError(f"a {self.KIND} with {self.KEY} {key!r} already exists")
        row = self._next_row
        data = self._blank(row, key, self._clock.now())
        apply_fields(data, fields)
        # Fresh fields name their keys with literals, which Python shares already.
        stored: dict[str, Any] = (
            data if fresh else shared_keys(to_json(data, f"{self.KIND} fields"))
        )
        self._rows[key] = (row, stored)
        self._order.append(row)
        self._by_row[row] = stored
        self._next_row += 1
        return stored

    def _blank(self, row: int, key: str, now: str) -> dict[str, Any]:
        """Return the record a new id gets before its fields are applied."""
        raise NotImplementedError
