"""Raw responses: any call's HTTP answer beside its parsed value, at no cost when not asked.

``resource.with_raw_response.<method>(...)`` runs the very coroutine of
``resource.<method>(...)`` with a ``_Recorder`` in the context variable
``RECORDER``; the transport, on a 2xx, fills it in when (and only when) one is
there. So every method of every resource has a raw form without a line of its own,
and an ordinary call pays one ``ContextVar.get``. Standard library and attrs only.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from typing import Any, Generic, TypeVar

from attrs import frozen

__all__ = [
    "RECORDER",
    "AsyncRawResponses",
    "RawResponse",
    "call_recording",
    "raw_method",
    "walk_refusal",
]

T = TypeVar("T")


@frozen(kw_only=True)
class RawResponse(Generic[T]):
    """The HTTP response of a successful call, beside the value it was parsed into.

    Attributes:
        parsed: What the ordinary call returns (a ``Session``, a list, ...).
        status_code: The HTTP status, e.g. ``200``.
        headers: The response headers; lookups are case-insensitive
            (``headers["x-zep-request-id"]`` and ``headers["X-Zep-Request-ID"]`` agree).
        request_id: The server's request id (``X-Zep-Request-ID`` or ``X-Request-ID``).
        attempts: Attempts made, retries included (``1`` when the first one succeeded).
        elapsed: Seconds from the first attempt to the parsed body, waits included.
        method: The HTTP method sent.
        url: The URL of the request, query included.
        recovered: ``True`` when a write succeeded only after a resend that followed a
            failure that may have applied it (docs/retries.md#recovered-writes).
        read_back: ``True`` when that resend met the write's own earlier attempt and
            the value was read back: ``status_code``, ``headers``, ``request_id``,
            ``method`` and ``url`` are then the read-back GET's, ``attempts`` the write's.
    """

    parsed: T
    status_code: int
    headers: Mapping[str, str]
    request_id: str | None
    attempts: int
    elapsed: float
    method: str
    url: str
    recovered: bool = False
    read_back: bool = False

    def parse(self) -> T:
        """The parsed value (the name openai-python and anthropic-sdk-python use)."""
        return self.parsed


class _Recorder:
    """Filled in by the transport on each 2xx of the call it is set for (the last wins)."""

    __slots__ = (
        "attempts",
        "elapsed",
        "headers",
        "method",
        "read_back",
        "recovered",
        "request_id",
        "status_code",
        "url",
    )

    def __init__(self) -> None:
        self.status_code: int | None = None
        self.headers: Mapping[str, str] = {}
        self.request_id: str | None = None
        self.attempts = 0
        self.elapsed = 0.0
        self.method = ""
        self.url = ""
        self.recovered = False
        self.read_back = False


#: Set only while a ``with_raw_response`` call runs (in that call's task alone).
RECORDER: ContextVar[_Recorder | None] = ContextVar("zep_async_raw_response", default=None)


async def call_recording(
    method: Callable[..., Awaitable[T]], /, *args: Any, **kwargs: Any
) -> RawResponse[T]:
    """Run ``method(*args, **kwargs)`` and return its result with the response it came from."""
    recorder = _Recorder()
    token = RECORDER.set(recorder)
    try:
        parsed = await method(*args, **kwargs)
    finally:
        RECORDER.reset(token)
    if recorder.status_code is None:  # pragma: no cover - every call goes through the transport
        raise RuntimeError(f"{method.__qualname__} returned without an HTTP response to show")
    return RawResponse(
        parsed=parsed,
        status_code=recorder.status_code,
        headers=recorder.headers,
        request_id=recorder.request_id,
        attempts=recorder.attempts,
        elapsed=recorder.elapsed,
        method=recorder.method,
        url=recorder.url,
        recovered=recorder.recovered,
        read_back=recorder.read_back,
    )


def walk_refusal(name: str) -> str:
    """Why a walk has no raw form."""
    return (
        f"with_raw_response has no {name}: a walk makes many requests; call the "
        "matching list method (one page) through with_raw_response instead"
    )


def raw_method(owner: object, name: str) -> Callable[..., Any]:
    """The coroutine method ``name`` of ``owner``; refuse a walk or a non-call clearly."""
    if name.startswith("_"):
        raise AttributeError(name)
    method = getattr(owner, name)  # an unknown name raises AttributeError as usual
    if inspect.isasyncgenfunction(method) or name.startswith("iter_"):
        raise AttributeError(walk_refusal(name))
    if not inspect.iscoroutinefunction(method):
        raise AttributeError(f"with_raw_response.{name}: {name} is not an API call")
    return method  # type: ignore[no-any-return]


class AsyncRawResponses:
    """``resource.with_raw_response``: the resource's calls, each returning a ``RawResponse``.

    Every call takes the ordinary method's arguments and raises its errors; only the
    return value differs. Walks (``iter_*``) are not offered: they make many requests.

    Example:
        >>> raw = await zep.memory.with_raw_response.get_session("s-1")  # doctest: +SKIP
        >>> raw.status_code, raw.headers["x-zep-request-id"], raw.parsed.session_id
    """

    __slots__ = ("_resource",)

    def __init__(self, resource: object) -> None:
        self._resource = resource

    def __getattr__(self, name: str) -> Callable[..., Awaitable[RawResponse[Any]]]:
        method = raw_method(self._resource, name)
        return functools.update_wrapper(functools.partial(call_recording, method), method)

    def __dir__(self) -> list[str]:
        names = dir(self._resource)
        return [name for name in names if _is_call(self._resource, name)]

    def __repr__(self) -> str:
        return f"<with_raw_response of {type(self._resource).__name__}>"


def _is_call(owner: object, name: str) -> bool:
    try:
        raw_method(owner, name)
    except AttributeError:
        return False
    return True
