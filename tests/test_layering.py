"""Imports run one way: models and errors are leaves, aiohttp stays in the transport."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "zep_async"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            found.add(base)
            if node.level and not node.module:
                found.update("." + alias.name for alias in node.names)
    return found


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_aiohttp_only_in_transport_and_testing(path: Path) -> None:
    """Only the _transport package and the testing package import aiohttp or yarl."""
    relative = path.relative_to(PACKAGE)
    if relative.parts[0] in ("_transport", "testing"):
        return
    offenders = {
        name for name in _imports(path) if name.split(".")[0] in {"aiohttp", "yarl", "multidict"}
    }
    assert not offenders, f"{relative} imports {offenders}"


#: Leaves, and the one private leaf each may build on (errors.py is split in two).
_LEAVES = {
    "errors.py": {"._error_base"},
    "_error_base.py": set(),
    "_codec/_fastpath.py": set(),
    "_loop_thread.py": set(),
    "_validate.py": set(),
}


@pytest.mark.parametrize("leaf", sorted(_LEAVES))
def test_leaves_import_nothing_of_ours(leaf: str) -> None:
    """Leaf modules depend on the standard library and attrs only."""
    imports = _imports(PACKAGE / leaf)
    ours = {name for name in imports if name.startswith(".")}
    assert ours <= _LEAVES[leaf], ours
    assert not {name for name in imports if name.split(".")[0] in {"aiohttp", "cattrs"}}


def test_the_runner_builds_only_on_the_loop_thread() -> None:
    """_runner is a leaf but for _loop_thread, the shared loop it leases."""
    imports = _imports(PACKAGE / "_runner.py")
    assert {name for name in imports if name.startswith(".")} == {"._loop_thread"}
    assert not {name for name in imports if name.split(".")[0] in {"aiohttp", "cattrs"}}


@pytest.mark.parametrize("path", sorted((PACKAGE / "models").glob("*.py")), ids=lambda p: p.name)
def test_models_package_is_a_leaf(path: Path) -> None:
    """The models package imports only itself, the standard library and attrs."""
    imports = _imports(path)
    ours = {name for name in imports if name.startswith(".")}
    assert all(name.startswith(".") and not name.startswith("..") for name in ours), ours
    assert not {name for name in imports if name.startswith("zep_async")}
    assert not {name for name in imports if name.split(".")[0] in {"aiohttp", "cattrs"}}


def test_testing_package_stands_alone() -> None:
    """zep_async.testing imports nothing of the SDK, so it can never mask an SDK bug."""
    for path in (PACKAGE / "testing").glob("*.py"):
        imports = _imports(path)
        assert not {name for name in imports if name.startswith("..")}, path.name
        assert not {
            name for name in imports if name.startswith("zep_async") and "testing" not in name
        }


def test_sync_facade_is_only_imported_by_the_package_root() -> None:
    """Nothing but __init__ (and the CLI) builds on _sync."""
    for path in _modules():
        if path.name in {"__init__.py", "__main__.py", "cli.py", "_sync.py"}:
            continue
        assert "._sync" not in _imports(path), path.name


RESOURCES = PACKAGE / "resources"
#: What the resources may build on: the transport's door and reply, the codec, the
#: leaves and helpers below the transport. Never the client, the sync facade or the CLI.
_RESOURCE_BASES = {
    "_codec",
    "_failures",
    "_options",
    "_raw",
    "_recovery",
    "_reply",
    "_retry",
    "_transport",
    "_validate",
    "errors",
    "models",
    "pagination",
}


def _absolute_imports(path: Path) -> set[str]:
    """The modules ``path`` imports, as absolute dotted names (``from .. import x`` resolved)."""
    package = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = list(package[: len(package) - node.level + 1]) if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _package_imports(path: Path) -> set[str]:
    """The top-level modules of ``zep_async`` that ``path`` imports (``_codec``, ``models``)."""
    names = set()
    for name in _absolute_imports(path):
        parts = name.split(".")
        if parts[0] == "zep_async" and len(parts) > 1:
            names.add(parts[1])
    return names


def zep_async_modules() -> set[str]:
    """What sits directly in the package: its modules and subpackages."""
    return {p.stem for p in PACKAGE.iterdir() if p.suffix == ".py" or p.is_dir()}


@pytest.mark.parametrize("path", sorted(RESOURCES.glob("*.py")), ids=lambda p: p.name)
def test_resources_build_on_the_transport_and_codec_only(path: Path) -> None:
    """A resource module imports the transport, codec and leaves; never the client or CLI."""
    ours = _package_imports(path) & zep_async_modules()
    assert ours <= _RESOURCE_BASES | {"resources"}, path.name


@pytest.mark.parametrize("path", sorted(RESOURCES.glob("*.py")), ids=lambda p: p.name)
def test_no_resource_module_imports_another_resource_module(path: Path) -> None:
    """Pieces borrow nothing sideways: each imports only _base (the joiners excepted)."""
    siblings = {
        name.split(".")[2]
        for name in _absolute_imports(path)
        if name.startswith("zep_async.resources.") and name.count(".") >= 2
    }
    if path.name in {"__init__.py", "_memory.py", "_user.py"}:  # they join the pieces
        return
    assert siblings <= {"_base"}, f"{path.name} imports {siblings}"


def test_the_pieces_of_memory_are_one_level_deep() -> None:
    """Each piece AsyncMemory joins derives from Resource alone: no chain of mixins."""
    from zep_async import AsyncMemory, AsyncUsers
    from zep_async.resources._base import Resource

    for piece in (*AsyncMemory.__bases__, *AsyncUsers.__bases__):
        assert piece.__bases__ == (Resource,), piece


@pytest.mark.parametrize(
    "path", sorted(p for p in PACKAGE.rglob("*.py") if p.parts[-2] != "resources"), ids=str
)
def test_nothing_below_the_client_imports_the_resources(path: Path) -> None:
    """Only the client, the sync facade and the package root build on the resources."""
    relative = path.relative_to(PACKAGE)
    if str(relative) in {"__init__.py", "_client.py", "_sync.py"} or relative.parts[0] == "cli":
        return
    imports = _imports(path)
    assert not {n for n in imports if "resources" in n}, relative


def _private_names_imported(path: Path) -> set[str]:
    """Names of ``zep_async`` (outside ``zep_async.cli``) that ``path`` imports and are private."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                continue  # the CLI's own modules
            module = "zep_async." * (node.level == 2) + (node.module or "")
            if not module.startswith("zep_async") and node.level == 0:
                continue
            parts = module.split(".")[1:] + [alias.name for alias in node.names]
            if not node.module and node.level == 2:
                parts = [alias.name for alias in node.names]
            if parts[:1] == ["cli"]:
                continue
            found.update(p for p in parts if p.startswith("_") and not p.startswith("__"))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "zep_async" and parts[1:2] != ["cli"]:
                    found.update(p for p in parts[1:] if p.startswith("_"))
        elif (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and _is_sdk_object(node.value)
        ):
            found.add(node.attr)
    return found


def _is_sdk_object(node: ast.expr) -> bool:
    """``zep.memory``, ``zep.user`` or ``zep`` itself: where a private call would hide."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id in {"zep", "client"}


@pytest.mark.parametrize("path", sorted((PACKAGE / "cli").glob("*.py")), ids=lambda p: p.name)
def test_the_cli_uses_only_the_public_surface(path: Path) -> None:
    """The command line imports (and calls) no private name of the SDK outside itself."""
    assert not _private_names_imported(path), path.name
