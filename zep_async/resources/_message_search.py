"""The search calls of the ``memory`` resource (both deprecated by the API), and their checks.

A search is sent as a POST but changes nothing on the server (API-V2.md §6
lists both as safe), so it is retried like a GET: after a 5xx, a timeout or a
dropped connection it is sent again under the client's retry rules, and its
errors never say ``may_have_been_applied``. Resending a search can only cost
the server another search; not resending it would make a transient failure
fatal for no gain.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, get_args

from .. import _validate
from .._codec import check_metadata, encode
from .._options import RequestOptions
from .._reply import Resend
from ..models import MemorySearchResult, SearchScope, SearchType, SessionSearchResponse
from ..pagination import max_page_items
from ._base import Resource, check_options, session_path

__all__ = ["MessageSearch"]


def _check_search_text(name: str, value: object) -> str:
    """Search text: a non-blank str (line breaks allowed, unlike an id)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {_validate.type_name(value)}")
    if not value.strip():
        raise ValueError(f"{name} must not be empty or blank")
    return value


def _ranking(
    min_fact_rating: float | None,
    min_score: float | None,
    mmr_lambda: float | None,
    search_scope: SearchScope | None,
    search_type: SearchType | None,
) -> dict[str, object]:
    """The body keys shared by both searches, checked."""
    return {
        "min_fact_rating": None
        if min_fact_rating is None
        else _validate.check_unit("min_fact_rating", min_fact_rating),
        "min_score": None if min_score is None else _validate.check_unit("min_score", min_score),
        "mmr_lambda": None
        if mmr_lambda is None
        else _validate.check_unit("mmr_lambda", mmr_lambda),
        "search_scope": None
        if search_scope is None
        else _validate.check_choice("search_scope", search_scope, get_args(SearchScope)),
        "search_type": None
        if search_type is None
        else _validate.check_choice("search_type", search_type, get_args(SearchType)),
    }


def _limit_query(limit: int | None) -> dict[str, str] | None:
    if limit is None:
        return None
    return {"limit": str(_validate.check_int("limit", limit, minimum=1))}


class MessageSearch(Resource):
    """``memory.search`` and ``memory.search_sessions``: reads sent as POST, retried as reads."""

    async def search(
        self,
        session_id: str,
        *,
        text: str | None = None,
        limit: int | None = None,
        metadata: dict[str, Any] | None = None,
        min_fact_rating: float | None = None,
        min_score: float | None = None,
        mmr_lambda: float | None = None,
        search_scope: SearchScope | None = None,
        search_type: SearchType | None = None,
        request_options: RequestOptions | None = None,
    ) -> list[MemorySearchResult]:
        """Search one session's memory (deprecated by the API: use ``search_sessions``).

        Zep Cloud only: the Community Edition has no such route (404). Kept for
        code that migrates from the official SDK. A search changes nothing, so
        unlike other POSTs it is retried like a read.

        Args:
            session_id: The session to search.
            text: What to search for.
            limit: The most results to return, at least 1 (sent in the query string).
            metadata: A metadata filter, as JSON.
            min_fact_rating: The lowest fact rating to consider, from 0 to 1.
            min_score: The lowest score to return, from 0 to 1.
            mmr_lambda: The relevance/diversity balance of ``mmr`` search, from 0 to 1.
            search_scope: ``messages``, ``summary`` or ``facts``.
            search_type: ``similarity`` or ``mmr``.
            request_options: Per-call overrides (timeout, retries, headers, query).

        Returns:
            The hits, best first.

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            NotFoundError: No session has this id (or the server has no such route).
            APIResponseValidationError: The answer is not of the promised shape, or
                holds more than ``10 * limit + 100`` results (refused before they are
                built; without ``limit``, any number is read).
            APIStatusError: Any other error status.
            APIConnectionError: The server could not be reached.

        Example:
            >>> hits = await zep.memory.search("chat-42", text="refund")  # doctest: +SKIP
        """
        path = session_path(session_id) + "/search"
        query = _limit_query(limit)
        fields: dict[str, object] = {
            "text": None if text is None else _check_search_text("text", text),
            "metadata": None if metadata is None else check_metadata(metadata),
            **_ranking(min_fact_rating, min_score, mmr_lambda, search_scope, search_type),
        }
        options = check_options(request_options)
        body = encode(fields)
        return await self._call(
            "POST",
            path,
            list[MemorySearchResult],
            query=query,
            body=body,
            options=options,
            resend=Resend.ANY,
            max_items=None if limit is None else max_page_items(limit),
        )

    async def search_sessions(
        self,
        *,
        text: str,
        limit: int | None = None,
        user_id: str | None = None,
        session_ids: Sequence[str] | None = None,
        record_filter: dict[str, Any] | None = None,
        search_scope: SearchScope | None = None,
        search_type: SearchType | None = None,
        min_fact_rating: float | None = None,
        min_score: float | None = None,
        mmr_lambda: float | None = None,
        request_options: RequestOptions | None = None,
    ) -> SessionSearchResponse:
        """Search across sessions (deprecated by the API: Zep now searches its graph).

        Kept for code that migrates from the official SDK. The Community Edition
        searches facts only and needs ``user_id``. A search changes nothing, so
        unlike other POSTs it is retried like a read.

        Args:
            text: What to search for (Zep documents at most 256 characters).
            limit: The most results to return, at least 1 (sent in the query string).
            user_id: Search the sessions of this user.
            session_ids: Search these sessions.
            record_filter: A filter on the records, as JSON.
            search_scope: ``messages``, ``summary`` or ``facts``.
            search_type: ``similarity`` or ``mmr``.
            min_fact_rating: The lowest fact rating to consider, from 0 to 1.
            min_score: The lowest score to return, from 0 to 1.
            mmr_lambda: The relevance/diversity balance of ``mmr`` search, from 0 to 1.
            request_options: Per-call overrides (timeout, retries, headers, query).

        Returns:
            The hits, best first, each with its ``session_id``.

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            BadRequestError: The server refused the search (e.g. a text too long).
            APIResponseValidationError: The answer is not of the promised shape, or
                holds more than ``10 * limit + 100`` results (refused before they are
                built; without ``limit``, any number is read).
            APIStatusError: Any other error status.
            APIConnectionError: The server could not be reached.

        Example:
            >>> found = await zep.memory.search_sessions(  # doctest: +SKIP
            ...     text="refund", user_id="jane"
            ... )
        """
        fields: dict[str, object] = {
            "text": _check_search_text("text", text),
            "user_id": None if user_id is None else _validate.check_text("user_id", user_id),
            "session_ids": None if session_ids is None else _check_ids(session_ids),
            "record_filter": None
            if record_filter is None
            else check_metadata(record_filter, "record_filter"),
            **_ranking(min_fact_rating, min_score, mmr_lambda, search_scope, search_type),
        }
        query = _limit_query(limit)
        options = check_options(request_options)
        body = encode(fields)
        return await self._call(
            "POST",
            "/sessions/search",
            SessionSearchResponse,
            query=query,
            body=body,
            options=options,
            resend=Resend.ANY,
            max_items=None if limit is None else max_page_items(limit),
        )


def _check_ids(value: object) -> list[str]:
    if not isinstance(value, list | tuple):
        raise TypeError(f"session_ids must be a list of str, not {_validate.type_name(value)}")
    return [_validate.check_text(f"session_ids[{i}]", item) for i, item in enumerate(value)]
