"""The transport's old doors (``get``, ``call``, ``request``), thin wrappers over ``send``.

Kept while resources still call them; deleted once nothing does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from yarl import URL

from .._convert import decode
from .._failures import request_id as _request_id
from .._options import CheckedOptions
from .._reply import Reply, Resend
from .._retry import IDEMPOTENT_METHODS, READ_METHODS
from ..errors import APIResponseValidationError

__all__ = ["OldDoors"]

T = TypeVar("T")


class OldDoors:
    """``get``/``call``/``request`` over ``send`` (mixed into ``Transport``)."""

    async def send(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: bytes | None = None,
        options: CheckedOptions | None = None,
        resend: Resend | None = None,
    ) -> Reply:
        raise NotImplementedError

    async def get(
        self,
        path: str,
        cls: type[T],
        *,
        query: Mapping[str, str] | None = None,
        options: CheckedOptions | None = None,
    ) -> T:
        """GET ``path`` (already percent-encoded) and decode the JSON body into ``cls``."""
        return await self.call("GET", path, cls, query=query, options=options)

    async def call(
        self,
        method: str,
        path: str,
        cls: type[T],
        *,
        query: Mapping[str, str] | None = None,
        body: bytes | None = None,
        options: CheckedOptions | None = None,
    ) -> T:
        """Send ``method`` to ``path`` and decode the 2xx JSON body into ``cls``."""
        reply = await self.send(method, path, query=query, body=body, options=options)
        try:
            return decode(
                cls, reply.body, status_code=reply.status, method=method, attempts=reply.attempts
            )
        except APIResponseValidationError as error:
            # Filled in here, on the rare failure, rather than for every response.
            error.url, error.request_id = reply.url, _request_id(reply.headers)
            # A 2xx says the write was applied, whatever its body.
            error.may_have_been_applied = method not in READ_METHODS
            raise

    async def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: bytes | None = None,
        options: CheckedOptions | None = None,
        retry_non_idempotent: bool = False,
    ) -> tuple[int, bytes, Mapping[str, str], URL, int]:
        """``send``, answered as ``(status, body, headers, url, attempts)``."""
        resend = Resend.ANY if retry_non_idempotent and method not in IDEMPOTENT_METHODS else None
        reply = await self.send(
            method, path, query=query, body=body, options=options, resend=resend
        )
        url = URL(reply.url, encoded=True)
        return reply.status, reply.body, reply.headers, url, reply.attempts
