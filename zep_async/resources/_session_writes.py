"""The session writes of the ``memory`` resource: create, update, end and delete sessions.

Every argument is checked before anything is sent. ``add_session`` and
``update_session`` recover through ``_recovery`` (docs/retries.md#recovered-writes);
``end_session`` and ``end_sessions`` follow the plain write rule (docs/retries.md#writes):
not resent after a failure that may have applied them unless the caller opts in, and
the error says ``may_have_been_applied``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import _recovery
from .._codec import check_classify, check_fact_rating_instruction, check_metadata, encode
from .._options import RequestOptions
from .._validate import check_id_list, id_segment, type_name
from ..models import (
    ClassifySessionRequest,
    EndSessionResponse,
    EndSessionsResponse,
    FactRatingInstruction,
    Session,
    SuccessResponse,
)
from ._base import Resource, check_options, session_path

__all__ = ["SessionWrites"]


def _check_instruction(instruction: object) -> str | None:
    if instruction is not None and not isinstance(instruction, str):
        raise TypeError(f"instruction must be a str, not {type_name(instruction)}")
    return instruction


def _check_session_ids(session_ids: object) -> list[str]:
    checked = check_id_list("session_ids", session_ids)
    if not checked:
        raise ValueError("session_ids must name at least one session")
    return checked


class SessionWrites(Resource):
    """The session writes of ``memory`` (one of the pieces ``AsyncMemory`` joins)."""

    async def add_session(
        self,
        *,
        session_id: str,
        user_id: str | None = None,
        metadata: dict[str, Any] | None = None,
        fact_rating_instruction: FactRatingInstruction | Mapping[str, Any] | None = None,
        request_options: RequestOptions | None = None,
    ) -> Session:
        """Create a session.

        After a failure that may have created it (a 5xx, a timeout, a connection
        lost after sending) it is resent; a resend that meets "already exists" met
        this call's own first attempt, so the session is read back and returned
        (``recover_writes=False``: not resent; docs/retries.md#recovered-writes).

        Args:
            session_id: Your own id for the session, unique in the project: any
                non-empty text without control characters, up to 2,048 characters.
            user_id: The user the session belongs to; that user must exist.
            metadata: Any JSON object to keep with the session (deprecated by the API).
            fact_rating_instruction: How to rate facts (deprecated by the API): a
                ``FactRatingInstruction`` or a mapping with its keys.
            request_options: Per-call overrides (timeout, retries, headers, query,
                ``retry_writes``).

        Returns:
            The new session.

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            AlreadyExistsError: A session with this id exists (the server may
                answer 400 or 409; a 400 is also a ``BadRequestError``), or the one
                met by a resend is not this call's, or reading it back failed.
            UserNotFoundError: No user has this ``user_id``.
            APIStatusError: Any other error status.
            APIConnectionError: The server could not be reached, or the answer was lost.

        Example:
            >>> session = await zep.memory.add_session(  # doctest: +SKIP
            ...     session_id="chat-42", user_id="u-7", metadata={"channel": "web"}
            ... )
        """
        id_segment("session_id", session_id)
        if user_id is not None:
            id_segment("user_id", user_id)
        body = encode(
            {
                "session_id": session_id,
                "user_id": user_id,
                "metadata": None if metadata is None else check_metadata(metadata),
                "fact_rating_instruction": None
                if fact_rating_instruction is None
                else check_fact_rating_instruction(fact_rating_instruction),
            }
        )
        options = check_options(request_options)
        return await _recovery.create(
            self,
            "/sessions",
            body,
            Session,
            options,
            read_path=session_path(session_id),
            differs=_recovery.session_differs(user_id),
        )

    async def update_session(
        self,
        session_id: str,
        *,
        metadata: dict[str, Any],
        fact_rating_instruction: FactRatingInstruction | Mapping[str, Any] | None = None,
        request_options: RequestOptions | None = None,
    ) -> Session:
        """Change a session's metadata (and fact rating instruction).

        The server **merges** ``metadata`` into what the session has: keys given
        are added or overwritten, keys not given are kept (``{}`` changes
        nothing), and a top-level ``system`` key is dropped. Sending the same
        update twice leaves the same metadata, so it is resent after a failure
        that may have applied it (docs/retries.md#recovered-writes).

        Args:
            session_id: The session's id, sent percent-encoded as one path segment.
            metadata: A JSON object to merge into the session's metadata
                (deprecated by the API).
            fact_rating_instruction: How to rate facts (deprecated by the API): a
                ``FactRatingInstruction`` or a mapping with its keys. Cannot be unset.
            request_options: Per-call overrides (timeout, retries, headers, query,
                ``retry_writes``).

        Returns:
            The session as it is after the update.

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            NotFoundError: No session has this id.
            SessionEndedError: The session has ended, so it cannot change.
            APIStatusError: Any other error status.
            APIConnectionError: The server could not be reached, or the answer was lost.

        Example:
            >>> session = await zep.memory.update_session(  # doctest: +SKIP
            ...     "chat-42", metadata={"topic": "billing"}
            ... )
        """
        path = session_path(session_id)
        body = encode(
            {
                "metadata": check_metadata(metadata),
                "fact_rating_instruction": None
                if fact_rating_instruction is None
                else check_fact_rating_instruction(fact_rating_instruction),
            }
        )
        options = check_options(request_options)
        return await _recovery.update(self, path, body, Session, options)

    async def delete(
        self, session_id: str, *, request_options: RequestOptions | None = None
    ) -> SuccessResponse:
        """Delete a session and all its messages.

        Despite the route's name (``DELETE /sessions/{id}/memory``) this deletes
        the session itself; afterwards ``get_session`` raises ``NotFoundError``
        and the id can be used again. A DELETE is retried like a read; when a
        retry follows a failure without a clear answer and gets 404, the earlier
        attempt may have deleted it: the ``NotFoundError`` then has
        ``may_have_been_applied=True`` (docs/retries.md#delete-after-an-ambiguous-attempt).

        Args:
            session_id: The session's id, sent percent-encoded as one path segment.
            request_options: Per-call overrides (timeout, retries, headers, query).

        Returns:
            The server's acknowledgement, e.g. ``SuccessResponse(message="OK")``.

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            NotFoundError: No session has this id (or an earlier attempt deleted it).
            APIStatusError: Any other error status.
            APIConnectionError: The server could not be reached.

        Example:
            >>> await zep.memory.delete("chat-42")  # doctest: +SKIP
        """
        path = session_path(session_id) + "/memory"
        options = check_options(request_options)
        return await self._call("DELETE", path, SuccessResponse, options=options)

    async def end_session(
        self,
        session_id: str,
        *,
        classify: ClassifySessionRequest | Mapping[str, Any] | None = None,
        instruction: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> EndSessionResponse:
        """End a session, optionally classifying it. Deprecated by the API.

        Zep marks this call deprecated; it is here so code migrating from the
        official SDK keeps running. Only Zep Cloud serves it: the Community
        Edition has no such route, and the error then says so. An ended session
        refuses updates and new messages (``SessionEndedError``). A failure that
        may have been applied is not resent unless you opt in.

        Args:
            session_id: The session's id, sent percent-encoded as one path segment.
            classify: Classify the session as it ends: a ``ClassifySessionRequest``
                or a mapping with its keys (``classes`` and ``name`` required).
            instruction: Extra guidance for the server.
            request_options: Per-call overrides (timeout, retries, headers, query,
                ``retry_writes``).

        Returns:
            The ended session, and its classification if one was asked for.

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            NotFoundError: No session has this id, or the server has no such route.
            APIStatusError: Any other error status.
            APIConnectionError: The server could not be reached, or the answer was lost.

        Example:
            >>> ended = await zep.memory.end_session("chat-42")  # doctest: +SKIP
        """
        path = session_path(session_id) + "/end"
        body = encode(
            {
                "classify": None if classify is None else check_classify(classify),
                "instruction": _check_instruction(instruction),
            }
        )
        options = check_options(request_options)
        return await self._call(
            "POST",
            path,
            EndSessionResponse,
            body=body,
            options=options,
            cloud_only=("POST /sessions/{id}/end", "end_session"),
        )

    async def end_sessions(
        self,
        *,
        session_ids: list[str],
        instruction: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> EndSessionsResponse:
        """End several sessions at once. Deprecated by the API.

        Zep marks this call deprecated; it is here so code migrating from the
        official SDK keeps running. Only Zep Cloud serves it: the Community
        Edition has no such route, and the error then says so. A failure that
        may have been applied is not resent unless you opt in.

        Args:
            session_ids: The sessions to end: a non-empty list of session ids.
            instruction: Extra guidance for the server.
            request_options: Per-call overrides (timeout, retries, headers, query,
                ``retry_writes``).

        Returns:
            The ended sessions.

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            NotFoundError: A session is unknown (then none is ended).
            APIStatusError: Any other error status (405 where the server has no
                such route).
            APIConnectionError: The server could not be reached, or the answer was lost.

        Example:
            >>> ended = await zep.memory.end_sessions(  # doctest: +SKIP
            ...     session_ids=["chat-41", "chat-42"]
            ... )
        """
        body = encode(
            {
                "session_ids": _check_session_ids(session_ids),
                "instruction": _check_instruction(instruction),
            }
        )
        options = check_options(request_options)
        return await self._call(
            "POST",
            "/sessions/end",
            EndSessionsResponse,
            body=body,
            options=options,
            cloud_only=("POST /sessions/end", "end_sessions"),
        )
