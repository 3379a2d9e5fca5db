"""The older v2 calls of ``memory`` that read a session's dialog: classify, extract, summarise.

Zep Cloud serves them and its API reference marks them deprecated; they are here
so code migrating from the official SDK keeps running (the Community Edition
lacks them, and the error says so). Each sends what zep-cloud 2.22.1 sends for
the same arguments (``lastNMessages`` on the wire). ``classify_session`` may
store its answer on the session, so it follows the plain write rule
(docs/retries.md#writes); ``extract_data`` changes nothing, so it is resent like
a read and its errors never say ``may_have_been_applied``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from .. import _validate
from .._codec import encode
from .._options import RequestOptions
from .._reply import Resend
from ..models import Question, SessionClassification, SummaryListResponse
from ._base import Resource, check_options, session_path

__all__ = ["MAX_LABEL_LENGTH", "SessionInsights"]

#: The longest class or classifier name accepted, in characters (an id's bound).
MAX_LABEL_LENGTH = 2048


def _current_date_time(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return _validate.check_body_text("current_date_time", value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("current_date_time must be timezone-aware (it says where you are)")
        return value.isoformat()
    raise TypeError(
        f"current_date_time must be an ISO 8601 str or a datetime, not {_validate.type_name(value)}"
    )


def _check_classes(classes: object) -> list[str]:
    if not isinstance(classes, list | tuple):
        raise TypeError(f"classes must be a list of str, not {_validate.type_name(classes)}")
    if not classes:
        raise ValueError("classes must hold at least one class")
    return [
        _validate.check_text(f"classes[{i}]", c, max_length=MAX_LABEL_LENGTH)
        for i, c in enumerate(classes)
    ]


def _optional_bool(name: str, value: object) -> bool | None:
    return None if value is None else _validate.check_bool(name, value)


class SessionInsights(Resource):
    """Classify, extract, summaries and questions of ``memory`` (a piece of ``AsyncMemory``)."""

    async def classify_session(
        self,
        session_id: str,
        *,
        classes: Sequence[str],
        name: str,
        instruction: str | None = None,
        last_n: int | None = None,
        persist: bool | None = None,
        request_options: RequestOptions | None = None,
    ) -> SessionClassification:
        """Classify a session's latest messages into one of ``classes`` (Zep Cloud; deprecated).

        It may store the answer on the session under ``name``, so it follows the
        write rule: sent once unless you opt in (``retry_writes``).

        Args:
            session_id: The session's id, sent percent-encoded as one path segment.
            classes: The classes to choose from, at least one.
            name: The classifier's name.
            instruction: Extra guidance for the classifier.
            last_n: How many of the latest messages to read, at least 1 (server: 4).
            persist: Deprecated by the API.
            request_options: Per-call overrides (timeout, retries, headers, query,
                ``retry_writes``).

        Returns:
            The class chosen (``class_``) and the classifier's name (``label``).

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            NotFoundError: No session has this id.
            APIStatusError: Any other error status.
            APIConnectionError: The server could not be reached, or the answer was lost.

        Example:
            >>> answer = await zep.memory.classify_session(  # doctest: +SKIP
            ...     "chat-42", classes=["sales", "support"], name="intent"
            ... )
        """
        path = session_path(session_id) + "/classify"
        fields = {
            "classes": _check_classes(classes),
            "instruction": _validate.check_optional_str("instruction", instruction),
            "last_n": None if last_n is None else _validate.check_int("last_n", last_n, minimum=1),
            "name": _validate.check_text("name", name, max_length=MAX_LABEL_LENGTH),
            "persist": _optional_bool("persist", persist),
        }
        body = encode(fields)
        options = check_options(request_options)
        return await self._call(
            "POST",
            path,
            SessionClassification,
            body=body,
            options=options,
            cloud_only=("POST /sessions/{id}/classify", "classify_session"),
        )

    async def extract_data(
        self,
        session_id: str,
        *,
        last_n: int,
        model_schema: str,
        current_date_time: str | datetime | None = None,
        validate: bool | None = None,
        request_options: RequestOptions | None = None,
    ) -> dict[str, str]:
        """Extract the fields of ``model_schema`` from a session's messages (Zep Cloud; deprecated).

        It changes nothing on the server, so it is resent after any retryable
        failure like a read, and its errors never say ``may_have_been_applied``.

        Args:
            session_id: The session's id, sent percent-encoded as one path segment.
            last_n: How many of the latest messages to read, at least 1.
            model_schema: The schema of the data, as JSON text (see Zep's docs).
            current_date_time: Your current date and time, an ISO 8601 str or an
                aware ``datetime``, for relative dates.
            validate: Check the values against the dialog (slower, fewer guesses).
            request_options: Per-call overrides (timeout, retries, headers, query).

        Returns:
            Each extracted field's name and value, as text.

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            NotFoundError: No session has this id.
            BadRequestError: The server refused the schema.
            APIStatusError: Any other error status.
            APIConnectionError: The server could not be reached.

        Example:
            >>> data = await zep.memory.extract_data(  # doctest: +SKIP
            ...     "chat-42", last_n=8, model_schema=schema_json
            ... )
        """
        path = session_path(session_id) + "/extract"
        fields = {
            "current_date_time": _current_date_time(current_date_time),
            "last_n": _validate.check_int("last_n", last_n, minimum=1),
            "model_schema": _validate.check_body_text("model_schema", model_schema),
            "validate": _optional_bool("validate", validate),
        }
        body = encode(fields)
        options = check_options(request_options)
        return await self._call(
            "POST",
            path,
            dict[str, str],
            body=body,
            options=options,
            resend=Resend.ANY,  # it changes nothing: retried like a read, never "applied"
            cloud_only=("POST /sessions/{id}/extract", "extract_data"),
        )

    async def get_summaries(
        self, session_id: str, *, request_options: RequestOptions | None = None
    ) -> SummaryListResponse:
        """Return a session's summaries (Zep Cloud; deprecated by the API).

        Args:
            session_id: The session's id, sent percent-encoded as one path segment.
            request_options: Per-call overrides (timeout, retries, headers, query).

        Returns:
            The summaries, with ``row_count`` and ``total_count``.

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            NotFoundError: No session has this id.
            APIStatusError: Any other error status.
            APIConnectionError: The server could not be reached.

        Example:
            >>> page = await zep.memory.get_summaries("chat-42")  # doctest: +SKIP
        """
        path = session_path(session_id) + "/summary"
        options = check_options(request_options)
        return await self._call(
            "GET",
            path,
            SummaryListResponse,
            options=options,
            cloud_only=("GET /sessions/{id}/summary", "get_summaries"),
        )

    async def synthesize_question(
        self,
        session_id: str,
        *,
        last_n_messages: int | None = None,
        request_options: RequestOptions | None = None,
    ) -> Question:
        """Write a question from a session's latest messages (Zep Cloud; deprecated by the API).

        Args:
            session_id: The session's id, sent percent-encoded as one path segment.
            last_n_messages: How many of the latest messages to use, at least 1
                (sent as ``lastNMessages``).
            request_options: Per-call overrides (timeout, retries, headers, query).

        Returns:
            The question.

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            NotFoundError: No session has this id.
            APIStatusError: Any other error status.
            APIConnectionError: The server could not be reached.

        Example:
            >>> asked = await zep.memory.synthesize_question("chat-42")  # doctest: +SKIP
        """
        path = session_path(session_id) + "/synthesize_question"
        query = {}
        if last_n_messages is not None:
            count = _validate.check_int("last_n_messages", last_n_messages, minimum=1)
            query["lastNMessages"] = str(count)
        options = check_options(request_options)
        return await self._call(
            "GET",
            path,
            Question,
            query=query,
            options=options,
            cloud_only=("GET /sessions/{id}/synthesize_question", "synthesize_question"),
        )
