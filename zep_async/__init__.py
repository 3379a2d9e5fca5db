"""zep_async: an async-first client for the Zep v2 sessions API, with a sync twin.

>>> from zep_async import AsyncZep, Zep  # doctest: +SKIP
"""

from ._client import DEFAULT_BASE_URL, AsyncZep
from ._convert import from_dict, to_dict
from ._memory import AsyncMemory, OrderBy
from ._options import RequestOptions
from ._retry import RetryPolicy
from ._sync import SyncMemory, Zep
from ._version import __version__
from .errors import (
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
    UnauthorizedError,
    UnprocessableEntityError,
    ZepError,
)
from .models import FactRatingExamples, FactRatingInstruction, Session, SessionListResponse

__all__ = [
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "ApiError",
    "AsyncMemory",
    "AsyncZep",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConflictError",
    "DEFAULT_BASE_URL",
    "FactRatingExamples",
    "FactRatingInstruction",
    "InternalServerError",
    "NotFoundError",
    "OrderBy",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestOptions",
    "RetryPolicy",
    "Session",
    "SessionListResponse",
    "SyncMemory",
    "UnauthorizedError",
    "UnprocessableEntityError",
    "Zep",
    "ZepError",
    "__version__",
    "from_dict",
    "to_dict",
]
