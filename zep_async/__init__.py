"""zep_async: an async-first client for the Zep v2 chat-history API, with a sync twin.

>>> from zep_async import AsyncZep, Zep  # doctest: +SKIP
"""

from . import _logging, _pydantic, models
from ._client import DEFAULT_BASE_URL, AsyncZep
from ._codec import from_dict, to_dict
from ._hooks import AttemptEvent, CallEndEvent, CallStartEvent, Hooks, RetryEvent
from ._memory import AsyncMemory, OrderBy
from ._options import RequestOptions
from ._pydantic import to_json
from ._raw import RawResponse
from ._retry import RetryPolicy
from ._sync import SyncMemory, SyncUsers, Zep
from ._users import AsyncUsers
from ._version import __version__
from .errors import (
    AlreadyExistsError,
    APIConnectionError,
    ApiError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    SessionEndedError,
    UnauthorizedError,
    UnprocessableEntityError,
    UserNotFoundError,
    ZepError,
)
from .models import (
    AddMemoryResponse,
    ClassifySessionRequest,
    EndSessionResponse,
    EndSessionsResponse,
    Fact,
    FactRatingExamples,
    FactRatingInstruction,
    Memory,
    MemorySearchResult,
    Message,
    MessageListResponse,
    RoleType,
    SearchScope,
    SearchType,
    Session,
    SessionClassification,
    SessionListResponse,
    SessionSearchResponse,
    SessionSearchResult,
    SuccessResponse,
    Summary,
    User,
    UserListResponse,
)

# Pydantic and FastAPI learn the models' schema from a hook set on each class; nothing of
# pydantic is imported until pydantic asks for it.
_pydantic.install(models)
# ZEP_LOG=debug|info turns the SDK's logging to stderr on; read once, here.
_logging.configure_from_env()

__all__ = [
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AddMemoryResponse",
    "AlreadyExistsError",
    "ApiError",
    "AsyncMemory",
    "AsyncUsers",
    "AsyncZep",
    "AttemptEvent",
    "AuthenticationError",
    "BadRequestError",
    "CallEndEvent",
    "CallStartEvent",
    "ClassifySessionRequest",
    "ClientClosedError",
    "ConflictError",
    "DEFAULT_BASE_URL",
    "EndSessionResponse",
    "EndSessionsResponse",
    "Fact",
    "FactRatingExamples",
    "FactRatingInstruction",
    "Hooks",
    "InternalServerError",
    "Memory",
    "MemorySearchResult",
    "Message",
    "MessageListResponse",
    "NotFoundError",
    "OrderBy",
    "PermissionDeniedError",
    "RateLimitError",
    "RawResponse",
    "RequestOptions",
    "RetryEvent",
    "RetryPolicy",
    "RoleType",
    "SearchScope",
    "SearchType",
    "Session",
    "SessionClassification",
    "SessionEndedError",
    "SessionListResponse",
    "SessionSearchResponse",
    "SessionSearchResult",
    "SuccessResponse",
    "Summary",
    "SyncMemory",
    "SyncUsers",
    "UnauthorizedError",
    "UnprocessableEntityError",
    "User",
    "UserListResponse",
    "UserNotFoundError",
    "Zep",
    "ZepError",
    "__version__",
    "from_dict",
    "to_dict",
    "to_json",
]
