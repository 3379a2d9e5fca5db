"""The API's data, as frozen attrs classes, one module per resource.

Every field of a response is optional and defaults to ``None``: the server may
leave any of them out or send ``null``, and it adds fields over time (those are
ignored). A list of models (a page's items, a memory's messages) is never
``None``: ``null`` or a missing key is an empty list. Timestamps are
timezone-aware ``datetime`` objects with the server's offset kept. Attribute
names are the API's JSON names, except where the JSON name is a Python keyword
(``class`` is ``class_``). For code written for zep-cloud, ``EntityNode``, ``Fact``,
``Message``, ``Session``, ``Summary`` and ``User`` also answer to its spelling ``uuid_``: a
read-only property, not a field. Turning JSON into these classes, and back, is the job
of ``zep_async.from_dict`` and ``zep_async.to_dict``; the classes themselves
know nothing of JSON.
"""

from ._common import (
    FactRatingExamples,
    FactRatingInstruction,
    RoleType,
    SearchScope,
    SearchType,
    SuccessResponse,
)
from ._facts import (
    EntityNode,
    FactResponse,
    FactsResponse,
    NewFact,
    Question,
    SummaryListResponse,
    UserNodeResponse,
)
from ._memory import (
    AddMemoryResponse,
    Fact,
    Memory,
    MemorySearchResult,
    Message,
    MessageListResponse,
    SessionSearchResponse,
    SessionSearchResult,
    Summary,
)
from ._sessions import (
    ClassifySessionRequest,
    EndSessionResponse,
    EndSessionsResponse,
    Session,
    SessionClassification,
    SessionListResponse,
)
from ._users import User, UserListResponse

__all__ = [
    "AddMemoryResponse",
    "ClassifySessionRequest",
    "EndSessionResponse",
    "EndSessionsResponse",
    "EntityNode",
    "Fact",
    "FactRatingExamples",
    "FactRatingInstruction",
    "FactResponse",
    "FactsResponse",
    "Memory",
    "MemorySearchResult",
    "Message",
    "MessageListResponse",
    "NewFact",
    "Question",
    "RoleType",
    "SearchScope",
    "SearchType",
    "Session",
    "SessionClassification",
    "SessionListResponse",
    "SessionSearchResponse",
    "SessionSearchResult",
    "SuccessResponse",
    "Summary",
    "SummaryListResponse",
    "User",
    "UserListResponse",
    "UserNodeResponse",
]
