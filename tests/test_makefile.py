"""The Makefile refuses a Python that is too old before it creates anything (issue 14.2).

Each test runs the project's Makefile in a temporary directory with ``PYTHON`` pointing
at a small fake ``python3``: a script that answers ``-c`` code like the given version
would, and that, asked to make a venv, half-makes one and fails, as a real failed
install leaves it.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")

FAKE_PYTHON = """#!{real}
import pathlib
import sys

sys.version_info = {version!r}
if sys.argv[1:2] == ["-c"]:
    exec(sys.argv[2])
elif sys.argv[1:3] == ["-m", "venv"]:
    bin_dir = pathlib.Path(sys.argv[-1]) / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").write_text("")
    raise SystemExit("fake python: the venv could not be finished")
else:
    raise SystemExit("fake python: unexpected " + " ".join(sys.argv[1:]))
"""


def fake_python(where: Path, version: tuple[int, int, int]) -> Path:
    """Write an executable fake interpreter that reports ``version``."""
    where.parent.mkdir(parents=True, exist_ok=True)
    where.write_text(FAKE_PYTHON.format(real=sys.executable, version=(*version, "final", 0)))
    where.chmod(where.stat().st_mode | stat.S_IXUSR)
    return where


def make(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the project's Makefile, copied into ``directory``, outside any outer make."""
    shutil.copy(ROOT / "Makefile", directory / "Makefile")
    (directory / "pyproject.toml").touch()
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    return subprocess.run(  # noqa: S603 - make, with our own arguments
        ["make", "--no-print-directory", *args],  # noqa: S607 - make from PATH
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def output_lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    """Every line make printed, stdout and stderr together."""
    return (done.stdout + done.stderr).splitlines()


@pytest.mark.parametrize("goal", ["demo", "install", "test"])
def test_a_python_too_old_stops_with_one_line_and_no_venv(tmp_path: Path, goal: str) -> None:
    python = fake_python(tmp_path / "fake" / "python3", (3, 10, 14))

    done = make(tmp_path, goal, f"PYTHON={python}")

    assert done.returncode != 0
    assert not (tmp_path / ".venv").exists()
    lines = output_lines(done)
    assert len(lines) == 1, lines
    assert "needs Python 3.11 or newer" in lines[0]
    assert f"{python} is 3.10" in lines[0]


def test_a_python_that_does_not_run_is_named(tmp_path: Path) -> None:
    done = make(tmp_path, "demo", f"PYTHON={tmp_path / 'no-such-python'}")

    assert done.returncode != 0
    assert not (tmp_path / ".venv").exists()
    lines = output_lines(done)
    assert len(lines) == 1, lines
    assert "no-such-python is not a Python that runs" in lines[0]


def test_a_venv_that_fails_halfway_is_removed(tmp_path: Path) -> None:
    python = fake_python(tmp_path / "fake" / "python3", (3, 12, 1))

    done = make(tmp_path, "demo", f"PYTHON={python}")

    assert done.returncode != 0
    assert "the venv could not be finished" in done.stderr
    assert not (tmp_path / ".venv").exists()  # so the next run starts afresh


def test_an_old_venv_left_behind_is_refused_with_the_way_out(tmp_path: Path) -> None:
    fake_python(tmp_path / ".venv" / "bin" / "python", (3, 10, 14))

    done = make(tmp_path, "demo")

    assert done.returncode != 0
    lines = output_lines(done)
    assert len(lines) == 1, lines
    assert ".venv is 3.10" in lines[0]
    assert "make clean" in lines[0]
