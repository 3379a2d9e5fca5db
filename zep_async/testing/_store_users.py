"""The users of LocalZep, kept as wire JSON dicts (``session_count`` is computed when sent).

Not thread-safe on its own: LocalZep guards every call with its lock.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from ._store_rows import RowStore
from ._wire import PROJECT_UUID


class UserStore(RowStore):
    """Users by ``user_id``, in row-id (creation) order."""

    KIND = "user"
    KEY = "user_id"

    def add(
        self, user_id: str, fields: Mapping[str, Any], *, fresh: bool = False
    ) -> dict[str, Any]:
        """Store a new user and return the stored dict itself.

        ``fresh``: the fields are JSON values nobody else holds, stored uncopied.

        Raises:
            TypeError: If ``user_id`` is not a string or a value is not JSON.
            ValueError: If ``user_id`` is empty or already stored.
        """
        return self._insert(user_id, fields, fresh=fresh)

    def _blank(self, row: int, key: str, now: str) -> dict[str, Any]:
        return {
            "uuid": str(uuid.uuid4()),
            "id": row,
            "user_id": key,
            "email": None,
            "first_name": None,
            "last_name": None,
            "metadata": None,
            "created_at": now,
            "updated_at": now,
            "deleted_at": None,
            "fact_rating_instruction": None,
            "project_uuid": PROJECT_UUID,
        }
