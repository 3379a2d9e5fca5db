"""The older v2 calls of ``memory`` and ``user`` about facts, and what they share with
``_session_insights`` (summaries, classification, extraction, questions).

Zep's API reference marks most of them deprecated and serves them on Zep Cloud
only (the Community Edition has the two ``/facts/{uuid}`` routes); they are here
so that every call of the official SDK's ``memory`` and ``user`` resources has
its twin. Each sends what zep-cloud 2.22.1 sends for the same arguments (method,
path, query spelled ``minRating`` and ``lastNMessages``, body), arguments left
``None`` unsent, every argument checked before anything is sent, every id one
path segment. They go through the transport's one door (``Transport.send``).

Resending: the reads, and ``extract_data`` (a POST that reads the dialog and
changes nothing), are resent after any retryable failure; ``delete_fact`` like
every DELETE (a 404 after an attempt that may have deleted it says
``may_have_been_applied``); ``add_session_facts`` appends, so a second copy would
store the facts twice, and ``classify_session`` may store its answer on the
session: both follow the write rule and are sent once unless the caller opts in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

from . import _validate
from ._codec import decode, encode
from ._failures import request_id
from ._message_search import check_unit
from ._options import CheckedOptions, RequestOptions
from ._reply import Resend
from ._resource import Resource, check_options, id_segment, session_path
from ._retry import READ_METHODS
from .errors import APIResponseValidationError, APIStatusError
from .models import (
    FactResponse,
    FactsResponse,
    NewFact,
    SuccessResponse,
    UserNodeResponse,
)

__all__ = ["SendingResource", "SessionFactCalls", "UserFactCalls", "check_new_facts", "free_text"]

T = TypeVar("T")


def _fact_path(fact_uuid: object) -> str:
    return "/facts/" + id_segment("fact_uuid", fact_uuid)


def _user_path(user_id: object) -> str:
    return "/users/" + id_segment("user_id", user_id)


def free_text(name: str, value: object, *, required: bool = False) -> str | None:
    """Text sent in a body (a fact, an instruction, a schema): newlines allowed, NUL not."""
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {_validate.type_name(value)}")
    if required and not value.strip():
        raise ValueError(f"{name} must not be empty or blank")
    if "\x00" in value:
        # PostgreSQL text cannot hold NUL: the server would fail with a 500 after the fact.
        raise ValueError(f"{name} must not contain a NUL character")
    return value


def optional_bool(name: str, value: object) -> bool | None:
    """``None``, or a checked ``bool``."""
    return None if value is None else _validate.check_bool(name, value)


def check_new_facts(facts: object) -> list[dict[str, str]]:
    """Check ``facts`` (``NewFact``s, or mappings with the one key ``fact``); return the JSON."""
    if not isinstance(facts, list | tuple):
        raise TypeError(f"facts must be a list of NewFact, not {_validate.type_name(facts)}")
    if not facts:
        raise ValueError("facts must hold at least one fact")
    out = []
    for index, item in enumerate(facts):
        where = f"facts[{index}]"
        if isinstance(item, NewFact):
            text: object = item.fact
        elif isinstance(item, Mapping):
            unknown = [key for key in item if key != "fact"]
            if unknown:
                shown = _validate.show_text(unknown[0])
                raise ValueError(f"{where} has an unknown key {shown}; a NewFact has fact")
            text = item.get("fact")
            if text is None:
                raise TypeError(f"{where}.fact is required")
        else:
            raise TypeError(
                f"{where} must be a NewFact or a mapping, not {_validate.type_name(item)}"
            )
        out.append({"fact": free_text(f"{where}.fact", text, required=True) or ""})
    return out


def explain_missing_route(error: APIStatusError, route: str, call: str) -> None:
    """Say so when a router, not the API, answered: the server lacks ``route``.

    The API's own errors are JSON objects (an unknown session is its JSON 404);
    the Community Edition answers a route it lacks with a text 404 or an empty 405.
    """
    if isinstance(error.body, dict) or error.status_code not in (404, 405):
        return
    text = (
        f"this server has no {route} route (the Zep Community Edition lacks {call}, "
        "which the API deprecates; Zep Cloud serves it)"
    )
    if error.message and error.message != "Method Not Allowed":
        text = f"{error.message}; {text}"
    error.message = text
    error.args = (text,)


class SendingResource(Resource):
    """One call through ``Transport.send``, its 2xx body decoded as ``Transport.call`` does."""

    async def _send(
        self,
        method: str,
        path: str,
        cls: type[T],
        *,
        query: Mapping[str, str] | None = None,
        body: bytes | None = None,
        options: CheckedOptions | None = None,
        resend: Resend | None = None,
        empty: T | None = None,
        cloud_only: tuple[str, str] | None = None,
    ) -> T:
        """Send, and decode the answer into ``cls`` (an empty 2xx body is ``empty``, if given).

        ``cloud_only`` is ``(route, call)`` of a route the Community Edition lacks: its
        router's text 404 (or empty 405) then says so.
        """
        try:
            reply = await self._transport.send(
                method, path, query=query, body=body, options=options, resend=resend
            )
        except APIStatusError as error:
            if cloud_only is not None:
                explain_missing_route(error, *cloud_only)
            raise
        if empty is not None and not reply.body.strip():
            return empty
        try:
            return decode(
                cls,
                reply.body,
                status_code=reply.status,
                method=method,
                url=reply.url,
                attempts=reply.attempts,
            )
        except APIResponseValidationError as error:
            error.request_id = request_id(reply.headers)
            # A 2xx says a write was applied, whatever its body.
            error.may_have_been_applied = method not in READ_METHODS and resend is not Resend.ANY
            raise


class SessionFactCalls(SendingResource):
    """The facts, summaries, classification and extraction calls of ``memory``."""

    async def get_fact(
        self, fact_uuid: str, *, request_options: RequestOptions | None = None
    ) -> FactResponse:
        """Return one fact by its uuid (Zep Cloud and the Community Edition).

        Args:
            fact_uuid: The fact's uuid, sent percent-encoded as one path segment.
            request_options: Per-call overrides (timeout, retries, headers, query).

        Returns:
            ``FactResponse`` holding the fact.

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            NotFoundError: No fact has this uuid.
            APIStatusError: Any other error status.
            APIConnectionError: The server could not be reached.

        Example:
            >>> found = await zep.memory.get_fact("3f0c...")  # doctest: +SKIP
        """
        path = _fact_path(fact_uuid)
        return await self._send("GET", path, FactResponse, options=check_options(request_options))

    async def delete_fact(
        self, fact_uuid: str, *, request_options: RequestOptions | None = None
    ) -> SuccessResponse:
        """Delete one fact by its uuid (Zep Cloud and the Community Edition).

        Retried like every DELETE; a ``NotFoundError`` after an attempt that may
        have deleted the fact has ``may_have_been_applied=True``. The Community
        Edition answers with an empty body: that is ``SuccessResponse()``.

        Args:
            fact_uuid: The fact's uuid, sent percent-encoded as one path segment.
            request_options: Per-call overrides (timeout, retries, headers, query).

        Returns:
            The server's acknowledgement.

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            NotFoundError: No fact has this uuid (or an earlier attempt deleted it).
            APIStatusError: Any other error status.
            APIConnectionError: The server could not be reached.

        Example:
            >>> await zep.memory.delete_fact("3f0c...")  # doctest: +SKIP
        """
        path = _fact_path(fact_uuid)
        options = check_options(request_options)
        return await self._send(
            "DELETE", path, SuccessResponse, options=options, empty=SuccessResponse()
        )

    async def get_session_facts(
        self,
        session_id: str,
        *,
        min_rating: float | None = None,
        request_options: RequestOptions | None = None,
    ) -> FactsResponse:
        """Return the facts of a session (Zep Cloud; deprecated by the API).

        Args:
            session_id: The session's id, sent percent-encoded as one path segment.
            min_rating: Only facts rated at least this, from 0 to 1 (sent as ``minRating``).
            request_options: Per-call overrides (timeout, retries, headers, query).

        Returns:
            ``FactsResponse`` with the facts (``[]`` for none).

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            NotFoundError: No session has this id.
            APIStatusError: Any other error status.
            APIConnectionError: The server could not be reached.

        Example:
            >>> facts = (await zep.memory.get_session_facts("chat-42")).facts  # doctest: +SKIP
        """
        path = session_path(session_id) + "/facts"
        query = {}
        if min_rating is not None:
            check_unit("min_rating", min_rating)
            query["minRating"] = str(min_rating)  # as the official SDK writes it: 1, 0.5
        options = check_options(request_options)
        return await self._send(
            "GET",
            path,
            FactsResponse,
            query=query,
            options=options,
            cloud_only=("GET /sessions/{id}/facts", "get_session_facts"),
        )

    async def add_session_facts(
        self,
        session_id: str,
        *,
        facts: Sequence[NewFact | Mapping[str, str]],
        request_options: RequestOptions | None = None,
    ) -> SuccessResponse:
        """Add facts to a session (Zep Cloud; deprecated by the API).

        The facts are appended: a resent request would store them twice, so a
        failure that may have been applied (a 5xx, a timeout, a lost connection)
        is not resent unless you opt in (``retry_writes``), and its error has
        ``may_have_been_applied=True``: look with ``get_session_facts`` first.

        Args:
            session_id: The session's id, sent percent-encoded as one path segment.
            facts: At least one ``NewFact``, or mapping with the key ``fact``.
            request_options: Per-call overrides (timeout, retries, headers, query,
                ``retry_writes``).

        Returns:
            The server's acknowledgement.

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            NotFoundError: No session has this id.
            APIStatusError: Any other error status.
            APIConnectionError: The server could not be reached, or the answer was lost.

        Example:
            >>> await zep.memory.add_session_facts(  # doctest: +SKIP
            ...     "chat-42", facts=[NewFact(fact="Jane prefers e-mail")]
            ... )
        """
        path = session_path(session_id) + "/facts"
        body = encode({"facts": check_new_facts(facts)})
        options = check_options(request_options)
        return await self._send(
            "POST",
            path,
            SuccessResponse,
            body=body,
            options=options,
            cloud_only=("POST /sessions/{id}/facts", "add_session_facts"),
        )


class UserFactCalls(SendingResource):
    """A user's facts and graph node: ``user.get_facts`` and ``user.get_node``."""

    async def get_facts(
        self, user_id: str, *, request_options: RequestOptions | None = None
    ) -> FactsResponse:
        """Return the facts of a user (Zep Cloud; deprecated by the API for the graph's edges).

        Args:
            user_id: Your own id of the user, sent percent-encoded as one path segment.
            request_options: Per-call overrides (timeout, retries, headers, query).

        Returns:
            ``FactsResponse`` with the facts (``[]`` for none).

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            NotFoundError: No user has this id.
            APIStatusError: Any other error status.
            APIConnectionError: The server could not be reached.

        Example:
            >>> facts = (await zep.user.get_facts("jane")).facts  # doctest: +SKIP
        """
        path = _user_path(user_id) + "/facts"
        options = check_options(request_options)
        return await self._send(
            "GET",
            path,
            FactsResponse,
            options=options,
            cloud_only=("GET /users/{id}/facts", "user.get_facts"),
        )

    async def get_node(
        self, user_id: str, *, request_options: RequestOptions | None = None
    ) -> UserNodeResponse:
        """Return the node that stands for a user in the knowledge graph (Zep Cloud).

        Args:
            user_id: Your own id of the user, sent percent-encoded as one path segment.
            request_options: Per-call overrides (timeout, retries, headers, query).

        Returns:
            ``UserNodeResponse`` with the node (an ``EntityNode``).

        Raises:
            TypeError, ValueError: A bad argument, before anything is sent.
            NotFoundError: No user has this id.
            APIStatusError: Any other error status.
            APIConnectionError: The server could not be reached.

        Example:
            >>> node = (await zep.user.get_node("jane")).node  # doctest: +SKIP
        """
        path = _user_path(user_id) + "/node"
        options = check_options(request_options)
        return await self._send(
            "GET",
            path,
            UserNodeResponse,
            options=options,
            cloud_only=("GET /users/{id}/node", "user.get_node"),
        )
