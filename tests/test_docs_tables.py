"""The docs' tables of calls and routes: complete by test, or drawn from the code at build."""

from __future__ import annotations

import importlib.util
import inspect
import re
from pathlib import Path
from types import ModuleType

import pytest

from zep_async import AsyncMemory, AsyncUsers
from zep_async.testing import LocalZep

ROOT = Path(__file__).resolve().parent.parent


def _hooks() -> ModuleType:
    """scripts/docs_hooks.py, the module mkdocs.yml names under ``hooks:``."""
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "scripts" / "docs_hooks.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _public_calls() -> list[str]:
    """Every public call of the two resources, as users write it (``memory.add``)."""
    return [
        f"{prefix}.{name}"
        for prefix, cls in (("memory", AsyncMemory), ("user", AsyncUsers))
        for name, value in inspect.getmembers(cls)
        if not name.startswith("_") and callable(value)
    ]


@pytest.mark.parametrize("call", _public_calls())
def test_migrating_has_a_row_for_every_call(call: str) -> None:
    """docs/migrating.md's call tables name each public call, so a new one cannot be missed."""
    page = (ROOT / "docs" / "migrating.md").read_text(encoding="utf-8")
    rows = [line for line in page.splitlines() if line.startswith("| ")]
    assert any(f"`{call}(" in row for row in rows), f"docs/migrating.md has no row for {call}"


def test_mkdocs_runs_the_hooks() -> None:
    """mkdocs.yml names scripts/docs_hooks.py, so the built site has the drawn tables."""
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert re.search(r"^hooks:\n  - scripts/docs_hooks\.py$", config, re.MULTILINE)


def test_testing_page_draws_the_routes_table() -> None:
    """docs/testing.md has the marker once; the hook puts a row there for every route."""
    hooks = _hooks()
    page = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    assert page.count(hooks.ROUTES_MARKER) == 1
    built = hooks.on_page_markdown(page, page=None, config=None, files=None)
    assert hooks.ROUTES_MARKER not in built
    table = hooks.routes_table()
    assert table in built
    assert re.findall(r"^\| `(\w+)` \| `", table, re.MULTILINE) == list(LocalZep.ROUTES)
    assert "| `end_session` | `POST /sessions/{sessionId}/end` (Cloud only) |" in table
    assert "| `get_session` | `GET /sessions/{sessionId}` |" in table


def test_other_pages_pass_through_the_hook_unchanged() -> None:
    """A page without the marker comes out of the hook exactly as it went in."""
    page = (ROOT / "docs" / "memory.md").read_text(encoding="utf-8")
    assert _hooks().on_page_markdown(page, page=None, config=None, files=None) == page
