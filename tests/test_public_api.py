"""The public surface: complete, sorted, versioned, and identical for sync and async."""

from __future__ import annotations

import inspect
import re
import types

import pytest

import zep_async
from zep_async import AsyncMemory, AsyncUsers, AsyncZep, SyncMemory, SyncUsers, Zep


def test_all_is_sorted_and_complete() -> None:
    """Every public name of the package is in __all__, which is sorted."""
    assert zep_async.__all__ == sorted(zep_async.__all__)
    public = {
        name
        for name, value in vars(zep_async).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public | {"__version__"} == set(zep_async.__all__)


def test_version_is_a_release_string() -> None:
    """__version__ looks like a PEP 440 release."""
    assert re.fullmatch(r"\d+\.\d+\.\d+(\w+\d*)?", zep_async.__version__)


def test_official_sdk_error_names_stay_importable() -> None:
    """Code migrating from the official SDK finds the error names it catches."""
    for name in (
        "NotFoundError",
        "BadRequestError",
        "InternalServerError",
        "ConflictError",
        "UnauthorizedError",
        "ApiError",
    ):
        assert issubclass(getattr(zep_async, name), zep_async.APIStatusError)
    assert zep_async.UnauthorizedError is zep_async.AuthenticationError
    assert zep_async.errors.status_error_class(401) is zep_async.UnauthorizedError


def _public_methods(cls: type) -> dict[str, inspect.Signature]:
    """Every public method, read through the class as users see it (descriptors included)."""
    return {
        name: inspect.signature(getattr(cls, name))
        for name in dir(cls)
        if not name.startswith("_") and callable(getattr(cls, name))
    }


def _unwrap(annotation: str) -> str:
    """``AsyncGenerator[X, None]`` and ``Generator[X, None, None]`` both become ``X``."""
    return re.sub(r"^(Async)?Generator\[(.*?)(, None)+\]$", r"\2", annotation)


def test_constructors_take_the_same_arguments() -> None:
    """Zep takes exactly the arguments of AsyncZep, with the same defaults."""
    assert inspect.signature(Zep.__init__) == inspect.signature(AsyncZep.__init__)


@pytest.mark.parametrize("name", sorted(_public_methods(AsyncMemory)))
def test_memory_methods_match(name: str) -> None:
    """Each async memory method has a sync twin with the same parameters and docstring."""
    async_sig = _public_methods(AsyncMemory)[name]
    sync_sig = _public_methods(SyncMemory).get(name)
    assert sync_sig is not None, f"SyncMemory.{name} is missing"
    assert list(sync_sig.parameters.values()) == list(async_sig.parameters.values())
    assert _unwrap(str(sync_sig.return_annotation)) == _unwrap(str(async_sig.return_annotation))
    assert getattr(SyncMemory, name).__doc__ == getattr(AsyncMemory, name).__doc__


def test_no_extra_sync_methods() -> None:
    """The sync resource has no public method the async one lacks."""
    assert set(_public_methods(SyncMemory)) == set(_public_methods(AsyncMemory))


@pytest.mark.parametrize("name", sorted(_public_methods(AsyncUsers)))
def test_user_methods_match(name: str) -> None:
    """Each async user method has a sync twin with the same parameters and docstring."""
    async_sig = _public_methods(AsyncUsers)[name]
    sync_sig = _public_methods(SyncUsers).get(name)
    assert sync_sig is not None, f"SyncUsers.{name} is missing"
    assert list(sync_sig.parameters.values()) == list(async_sig.parameters.values())
    assert _unwrap(str(sync_sig.return_annotation)) == _unwrap(str(async_sig.return_annotation))
    assert getattr(SyncUsers, name).__doc__ == getattr(AsyncUsers, name).__doc__


def test_no_extra_sync_user_methods() -> None:
    """SyncUsers has no public method AsyncUsers lacks, and both clients hang it on .user."""
    assert set(_public_methods(SyncUsers)) == set(_public_methods(AsyncUsers))
    assert inspect.get_annotations(Zep)["user"] in (SyncUsers, "SyncUsers")
    assert inspect.get_annotations(AsyncZep)["user"] in (AsyncUsers, "AsyncUsers")


def test_every_public_name_has_a_docstring() -> None:
    """Each exported class and function says what it is for."""
    for name in zep_async.__all__:
        value = getattr(zep_async, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), name
