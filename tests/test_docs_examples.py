"""Every Python example in README.md and docs/ runs, against the local server, as written.

Each fenced ``python`` block is a whole program. It runs in-process with
``ZEP_API_KEY`` and ``ZEP_API_URL`` pointing at a LocalZep that holds the ids the
examples use, so ``AsyncZep()`` and ``Zep()`` work unchanged. A block that only
includes a file (``--8<--``) is covered by running that file instead.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from zep_async.testing import LocalZep

REPO = Path(__file__).resolve().parent.parent
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
#: The test modules the Testing page includes; one pytest run checks them all.
TESTING_EXAMPLES = ("test_with_local_zep.py", "test_write_timed_out.py")
_FENCE = re.compile(r"^(?P<indent>\s*)```(?P<lang>[\w-]*)")


def _python_blocks(page: Path) -> Iterator[tuple[int, str]]:
    """Yield (line number, dedented code) of each fenced python block of ``page``."""
    lines = page.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        indent, start = opening["indent"], index + 1
        index = start
        while not lines[index].startswith(indent + "```"):
            index += 1
        if opening["lang"] == "python":
            code = textwrap.dedent("\n".join(lines[start:index]))
            if not code.lstrip().startswith("--8<--"):
                yield start, code
        index += 1


EXAMPLES = [
    pytest.param(code, id=f"{page.relative_to(REPO)}:{line}")
    for page in PAGES
    for line, code in _python_blocks(page)
]


@pytest.fixture(scope="module")
def docs_server() -> Iterator[LocalZep]:
    """A server with the sessions the examples name, and some more."""
    server = LocalZep()
    server.add_session("my-session-id", user_id="user-0001", metadata={"plan": "pro"})
    server.add_session("support-chat-42", user_id="user-0002")
    server.seed(60, seed=7)
    with server.run_in_thread():
        yield server


def test_examples_were_found() -> None:
    """The extractor sees the examples of every page that has some."""
    pages = {param.id.split(":")[0] for param in EXAMPLES}  # type: ignore[union-attr]
    assert {"README.md", "docs/quickstart.md", "docs/errors.md", "docs/pagination.md"} <= pages
    assert len(EXAMPLES) >= 20


@pytest.mark.parametrize("code", EXAMPLES)
def test_example_runs(
    code: str,
    docs_server: LocalZep,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The example runs to the end without an exception, and prints what it promises."""
    monkeypatch.setenv("ZEP_API_KEY", docs_server.api_key)
    monkeypatch.setenv("ZEP_API_URL", docs_server.root_url)
    exec(compile(code, "<docs example>", "exec"), {"__name__": "docs_example"})  # noqa: S102
    if "print(" in code:
        assert capsys.readouterr().out.strip()


def test_testing_page_example_passes_under_pytest() -> None:
    """The test modules shown on the Testing page pass when pytest runs them."""
    examples = [REPO / "docs" / "examples" / name for name in TESTING_EXAMPLES]
    result = subprocess.run(  # noqa: S603 - our own interpreter and files
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *map(str, examples)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 passed" in result.stdout
