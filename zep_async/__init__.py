"""zep_async: an async-first client for the Zep v2 sessions API, with a sync twin.

>>> from zep_async import AsyncZep, Zep  # doctest: +SKIP
"""

from ._client import DEFAULT_BASE_URL, AsyncZep
from ._convert import from_dict, to_dict
from ._memory import AsyncMemory, OrderBy
from ._options import RequestOptions
from ._retry import RetryPolicy
from ._sync import Memory, Zep
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
from .models import FactRatingExamples, FactRatingInstruction, Session, SessionListResponse

__all__ = [
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AlreadyExistsError",
    "ApiError",
    "AsyncMemory",
    "AsyncZep",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "DEFAULT_BASE_URL",
    "FactRatingExamples",
    "FactRatingInstruction",
    "InternalServerError",
    "Memory",
    "NotFoundError",
    "OrderBy",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestOptions",
    "RetryPolicy",
    "Session",
    "SessionEndedError",
    "SessionListResponse",
    "UnauthorizedError",
    "UnprocessableEntityError",
    "UserNotFoundError",
    "Zep",
    "ZepError",
    "__version__",
    "from_dict",
    "to_dict",
]
