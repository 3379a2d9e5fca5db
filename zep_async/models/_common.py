"""Models shared by several resources, and the API's enumerations."""

from __future__ import annotations

from typing import Literal

from attrs import frozen

__all__ = [
    "FactRatingExamples",
    "FactRatingInstruction",
    "RoleType",
    "SearchScope",
    "SearchType",
    "SuccessResponse",
]

#: Who wrote a message. A role type newer than this SDK, sent by the server, is kept as
#: its string rather than failing the whole response; one sent by the caller must be listed.
RoleType = Literal["norole", "system", "assistant", "user", "function", "tool"]
#: What a memory search looks through.
SearchScope = Literal["messages", "summary", "facts"]
#: How a memory search ranks: plain similarity, or maximal marginal relevance.
SearchType = Literal["similarity", "mmr"]


@frozen(kw_only=True)
class FactRatingExamples:
    """Example facts of high, medium and low relevance (deprecated by the API)."""

    high: str | None = None
    medium: str | None = None
    low: str | None = None


@frozen(kw_only=True)
class FactRatingInstruction:
    """How the server should rate facts for relevance (deprecated by the API)."""

    instruction: str | None = None
    examples: FactRatingExamples | None = None


@frozen(kw_only=True)
class SuccessResponse:
    """The answer of a call that returns no data, e.g. a delete.

    Attributes:
        message: The server's words, e.g. ``"OK"``.
    """

    message: str | None = None
