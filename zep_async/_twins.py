"""Sync twins of async methods, made by one line each instead of a hand copy.

A sync resource (``SyncMemory``) subclasses ``SyncResource`` and names the
``AsyncZep`` attribute it mirrors; each of its methods is one line::

    class SyncMemory(SyncResource):
        _resource = "memory"

        get_session = blocking(AsyncMemory.get_session)        # async def -> plain call
        iter_sessions = iterating(AsyncMemory.iter_sessions)    # AsyncGenerator -> Generator

That is all there is to adding a method. ``blocking`` and ``iterating`` are typed
with ``ParamSpec``/``Concatenate``, so mypy and editors see the async method's
own parameters with the sync return type (``Session``, ``Generator[Session, None,
None]``); at run time each twin carries its async method's docstring and
``inspect.signature`` (so ``help()`` shows them), and the parity test in
``tests/test_public_api.py`` checks every method of both surfaces.

Why adapters rather than a generated sync module: the twin is one line that
cannot drift from its async method (nothing to regenerate, no stale file), and the
cost per call is one bound-method object.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from types import MethodType
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Concatenate,
    Generic,
    ParamSpec,
    Protocol,
    TypeVar,
    overload,
)

from ._raw import RawResponse

if TYPE_CHECKING:
    from typing import Self

    from ._runner import Runner

__all__ = ["SyncRawResponses", "SyncResource", "blocking", "iterating"]

A = TypeVar("A")
P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


class Core(Protocol):
    """What a sync client shares with its resources and iterators (``_sync._Core``)."""

    @property
    def client(self) -> Any:
        """The ``AsyncZep`` whose resources the twins call."""

    @property
    def runner(self) -> Runner:
        """The loop the calls run on."""

    def check_open(self) -> None:
        """Raise ``ClientClosedError`` if the client is closed."""


class SyncResource:
    """Base of the sync resources: the shared core of its ``Zep`` and the async twin."""

    __slots__ = ("_async", "_core")

    #: The ``AsyncZep`` attribute this resource mirrors, e.g. ``"memory"``.
    _resource: ClassVar[str]

    def __init__(self, core: Core) -> None:
        # The core, not the Zep: a resource (and an iterator) keeps the client open,
        # and nothing points back at the Zep, so a dropped Zep is freed at once.
        self._core = core
        self._async: Any = getattr(core.client, self._resource)

    @property
    def with_raw_response(self) -> SyncRawResponses:
        """This resource's calls, each returning a ``RawResponse`` (status, headers, ...)."""
        return SyncRawResponses(self)


class SyncRawResponses:
    """``zep.<resource>.with_raw_response`` of ``Zep``: each call returns a ``RawResponse``.

    Every method with a ``blocking`` twin is offered, and the walks the async
    ``with_raw_response`` offers (plain generators of ``RawItem``).

    Example:
        >>> raw = zep.memory.with_raw_response.get_session("s-1")  # doctest: +SKIP
        >>> raw.status_code, raw.request_id, raw.parsed.session_id
    """

    __slots__ = ("_resource",)

    def __init__(self, resource: SyncResource) -> None:
        self._resource = resource

    def __getattr__(self, name: str) -> Callable[..., Any]:
        resource = self._resource
        twin = getattr(type(resource), name, None)
        if isinstance(twin, iterating):
            walk = getattr(resource._async.with_raw_response, name)  # refuses a page walk
            core = resource._core

            def raw_walk(*args: Any, **kwargs: Any) -> Generator[Any, None, None]:
                core.check_open()
                return _walk(core, walk(*args, **kwargs))

            raw_walk.__name__, raw_walk.__qualname__, raw_walk.__doc__ = name, name, walk.__doc__
            return raw_walk
        if not isinstance(twin, blocking):
            raise AttributeError(f"with_raw_response has no {name}: it is not an API call")
        call = getattr(resource._async.with_raw_response, name)
        runner = resource._core.runner

        def raw(*args: Any, **kwargs: Any) -> RawResponse[Any]:
            result: RawResponse[Any] = runner.call(call, *args, **kwargs)
            return result

        raw.__name__, raw.__qualname__, raw.__doc__ = name, name, call.__doc__
        return raw

    def __dir__(self) -> list[str]:
        owner = type(self._resource)
        return [name for name in dir(owner) if isinstance(getattr(owner, name), blocking)] + [
            name
            for name in dir(self._resource._async.with_raw_response)
            if name.startswith("iter_")
        ]

    def __repr__(self) -> str:
        return f"<with_raw_response of {type(self._resource).__name__}>"


class _Twin:
    """What both adapters share: the async method's name, docstring and signature."""

    def __init__(self, method: Callable[..., Any], returns: Any) -> None:
        self._method = method
        self.__name__ = method.__name__
        self.__qualname__ = method.__qualname__
        self.__doc__ = method.__doc__
        signature = inspect.signature(method)
        self.__signature__ = signature.replace(return_annotation=returns(signature))

    def __set_name__(self, owner: type, name: str) -> None:
        self.__qualname__ = f"{owner.__qualname__}.{name}"

    def __repr__(self) -> str:
        return f"<sync twin {self.__qualname__}>"


class blocking(_Twin, Generic[A, P, R]):  # noqa: N801 - used like a decorator
    """The sync twin of ``async def method``: runs it on the client's loop and waits."""

    def __init__(self, method: Callable[Concatenate[A, P], Awaitable[R]]) -> None:
        super().__init__(method, lambda signature: signature.return_annotation)

    @overload
    def __get__(self, resource: None, owner: type) -> Self: ...
    @overload
    def __get__(self, resource: SyncResource, owner: type) -> Callable[P, R]: ...
    def __get__(self, resource: SyncResource | None, owner: type) -> Any:
        return self if resource is None else MethodType(self, resource)

    def __call__(self, resource: SyncResource, /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Call the async method on ``resource``'s loop and wait for its result."""
        result: R = resource._core.runner.call(self._method, resource._async, *args, **kwargs)
        return result


class iterating(_Twin, Generic[A, P, T]):  # noqa: N801 - used like a decorator
    """The sync twin of a method returning an async generator: a plain generator."""

    def __init__(self, method: Callable[Concatenate[A, P], AsyncGenerator[T, None]]) -> None:
        super().__init__(method, _generator_annotation)

    @overload
    def __get__(self, resource: None, owner: type) -> Self: ...
    @overload
    def __get__(
        self, resource: SyncResource, owner: type
    ) -> Callable[P, Generator[T, None, None]]: ...
    def __get__(self, resource: SyncResource | None, owner: type) -> Any:
        return self if resource is None else MethodType(self, resource)

    def __call__(
        self, resource: SyncResource, /, *args: P.args, **kwargs: P.kwargs
    ) -> Generator[T, None, None]:
        """Start the walk here, so bad arguments raise at the call, then drive it."""
        core = resource._core
        core.check_open()
        return _walk(core, self._method(resource._async, *args, **kwargs))


def _walk(core: Core, iterator: AsyncGenerator[T, None]) -> Generator[T, None, None]:
    # `core` stays referenced by this frame: the client stays open while the walk is used.
    yield from core.runner.iterate(iterator)


def _generator_annotation(signature: inspect.Signature) -> Any:
    """``AsyncGenerator[X, None]`` becomes ``Generator[X, None, None]``."""
    returns = signature.return_annotation
    if isinstance(returns, str):
        return re.sub(r"^AsyncGenerator\[(.*), None\]$", r"Generator[\1, None, None]", returns)
    args = getattr(returns, "__args__", (Any,))
    return Generator[args[0], None, None]  # type: ignore[valid-type]
