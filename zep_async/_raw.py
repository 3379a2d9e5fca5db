"""Raw responses: any call's HTTP answer beside its parsed value, at no cost when not asked.

``resource.with_raw_response.<method>(...)`` runs the very coroutine of
``resource.<method>(...)`` with a ``_Recorder`` in the context variable
``RECORDER``; the transport, on a 2xx, fills it in when (and only when) one is
there (and the resource's one call helper adds the body). So every method of every
resource has a raw form without a line of its own, and an ordinary call pays one
``ContextVar.get``. The walks ``iter_sessions``, ``iter_session_messages`` and
``iter_users`` have a raw form too, yielding ``RawItem``: each item with its JSON
text as the server wrote it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from attrs import frozen

from ._codec import body_text, one_line

if TYPE_CHECKING:
    from ._reply import Reply

__all__ = [
    "RECORDER",
    "AsyncRawResponses",
    "RawItem",
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
        content: The response body exactly as the server sent it (decompressed).
        recovered: ``True`` when a write succeeded only after a resend that followed a
            failure that may have applied it (docs/retries.md#recovered-writes).
        read_back: ``True`` when that resend met the write's own earlier attempt and
            the value was read back: ``status_code``, ``headers``, ``request_id``, ``content``,
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
    content: bytes = b""
    recovered: bool = False
    read_back: bool = False

    def parse(self) -> T:
        """The parsed value (the name openai-python and anthropic-sdk-python use)."""
        return self.parsed

    @property
    def text(self) -> str:
        """The body as text, decoded as ``json.loads`` decodes bytes (UTF-8, a BOM skipped)."""
        return body_text(self.content)

    @property
    def json_line(self) -> str:
        """The body's JSON value on one line, as the server wrote it.

        Only whitespace between tokens of a pretty-printed body is dropped; strings,
        numbers, escapes and timestamps stay exactly as sent.
        """
        return one_line(self.text)


@frozen(kw_only=True)
class RawItem(Generic[T]):
    """One item of a raw walk (``with_raw_response.iter_sessions()`` and the like).

    Attributes:
        parsed: The item the ordinary walk yields (a ``Session``, ``Message``, ``User``).
        text: Its JSON text exactly as the server wrote it in the page, on one line
            (nanoseconds, ``Z``, escapes and numbers kept).
    """

    parsed: T
    text: str


class _Recorder:
    """Filled in by the transport on each 2xx of the call it is set for (the last wins)."""

    __slots__ = (
        "attempts",
        "content",
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
        self.content = b""
        self.recovered = False
        self.read_back = False

    def fill(self, reply: Reply, request_id: str | None) -> None:
        """Take what the call's reply says (the transport fills ``elapsed``)."""
        self.status_code, self.headers, self.attempts = reply.status, reply.headers, reply.attempts
        self.method, self.url, self.content = reply.method, reply.url, reply.body
        self.request_id = request_id


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
        content=recorder.content,
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
        raw_walk = getattr(owner, "_raw_" + name, None)
        if raw_walk is not None:
            return raw_walk  # type: ignore[no-any-return]
        raise AttributeError(walk_refusal(name))
    if not inspect.iscoroutinefunction(method):
        raise AttributeError(f"with_raw_response.{name}: {name} is not an API call")
    return method  # type: ignore[no-any-return]


class AsyncRawResponses:
    """``resource.with_raw_response``: the resource's calls, each returning a ``RawResponse``.

    Every call takes the ordinary method's arguments and raises its errors; only the
    return value differs. The walks of items (``iter_sessions``,
    ``iter_session_messages``, ``iter_users``) yield a ``RawItem`` per item: the
    model and its JSON text as the server sent it. ``iter_session_pages`` is not
    offered.

    Example:
        >>> raw = await zep.memory.with_raw_response.get_session("s-1")  # doctest: +SKIP
        >>> raw.status_code, raw.headers["x-zep-request-id"], raw.parsed.session_id
    """

    __slots__ = ("_resource",)

    def __init__(self, resource: object) -> None:
        self._resource = resource

    def __getattr__(self, name: str) -> Callable[..., Any]:
        # Any: a call gives an awaitable RawResponse, a walk an async generator of RawItem.
        method = raw_method(self._resource, name)
        if name.startswith("iter_"):  # a raw walk: RawItem after RawItem
            return method
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
