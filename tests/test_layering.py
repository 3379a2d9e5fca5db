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


@pytest.mark.parametrize("leaf", ["errors.py", "_codec/_fastpath.py", "_runner.py", "_validate.py"])
def test_leaves_import_nothing_of_ours(leaf: str) -> None:
    """Leaf modules depend on the standard library and attrs only."""
    imports = _imports(PACKAGE / leaf)
    assert not {name for name in imports if name.startswith(".")}
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
