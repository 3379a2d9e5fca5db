"""Facts of the ``memory`` resource: get and delete one, list and add a session's facts.

Older v2 calls the API reference marks deprecated, here so every call of the
official SDK's ``memory`` resource has its twin; each sends what zep-cloud 2.22.1
sends for the same arguments (``minRating`` on the wire). Zep Cloud serves all
four; the Community Edition only ``/facts/{uuid}``, whose delete it answers with an
empty body (``SuccessResponse()`` here). ``add_session_facts`` appends, so it
follows the plain write rule (docs/retries.md#writes): a resend could store the
facts twice. ``delete_fact`` is retried like every DELETE.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .. import _validate
from .._codec import encode
from .._options import RequestOptions
from ..models import FactResponse, FactsResponse, NewFact, SuccessResponse
from ._base import Resource, check_options, session_path

__all__ = ["Facts", "check_new_facts"]


def _fact_path(fact_uuid: object) -> str:
    return "/facts/" + _validate.id_segment("fact_uuid", fact_uuid)


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
        else:
            raise TypeError(
                f"{where} must be a NewFact or a mapping, not {_validate.type_name(item)}"
            )
        out.append({"fact": _validate.check_body_text(f"{where}.fact", text)})
    return out


class Facts(Resource):
    """The facts calls of ``memory`` (one of the pieces ``AsyncMemory`` joins)."""

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
        return await self._call("GET", path, FactResponse, options=check_options(request_options))

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
        return await self._call(
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
            _validate.check_unit("min_rating", min_rating)
            query["minRating"] = str(min_rating)  # as the official SDK writes it: 1, 0.5
        options = check_options(request_options)
        return await self._call(
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
        return await self._call(
            "POST",
            path,
            SuccessResponse,
            body=body,
            options=options,
            cloud_only=("POST /sessions/{id}/facts", "add_session_facts"),
        )
