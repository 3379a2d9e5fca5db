"""What the command-line tests share: running ``zep-async``, in-process or for real.

Most tests run the command in-process (``zep_async.cli.main`` with the
environment, stdin, stdout and stderr swapped for the call): a new interpreter
per test cost most of the suite's time and adds nothing to what they check.
A real process is kept where it matters: signals, pipes and files as stdout,
``-X dev``, and environment read when the interpreter starts (``PYTHON*``,
``ZEP_LOG``).
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

from zep_async.cli import main
from zep_async.testing import LocalZep

# The interpreter's -W options go along, so under `-W error::ResourceWarning` a
# socket or file the command leaks fails its test too.
CLI = [sys.executable, *(f"-W{option}" for option in sys.warnoptions), "-m", "zep_async"]
SECRET = "sk-do-not-print-8c1f"
#: Bounds every wait on a subprocess; none of them should come near it.
WAIT = 20.0


def environment(server: LocalZep | None, extra: dict[str, str]) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("ZEP_")}
    if server is not None:
        env |= {"ZEP_API_URL": server.root_url, "ZEP_API_KEY": server.api_key}
    return env | extra


def zep_cli(
    *args: str | Path,
    server: LocalZep | None = None,
    stdout: int | IO[str] | None = subprocess.PIPE,
    dev_mode: bool = False,
    process: bool = False,
    **env: str,
) -> subprocess.CompletedProcess[str]:
    """Run ``zep-async ARGS`` pointed at ``server`` through the environment.

    stdout and stderr are captured, unless ``stdout`` says where the output goes;
    ``dev_mode`` runs the interpreter with ``-X dev``. In-process unless one of
    those, ``process`` (a real process: /dev/stdout, file descriptors), or the
    environment needs a process of its own.
    """
    own_process = process or dev_mode or any(map(_read_at_start, env))
    if stdout is subprocess.PIPE and not own_process:
        return in_process(*args, server=server, **env)
    interpreter = [CLI[0], "-X", "dev", *CLI[1:]] if dev_mode else CLI
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [*interpreter, *map(str, args)],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(server, env),
        timeout=WAIT,
        check=False,
    )
    if dev_mode:  # asyncio's debug mode reports slow steps: the machine's load, not ours
        result.stderr = _SLOW_STEP.sub("", result.stderr)
    return result


#: asyncio's debug-mode line for a step slower than 0.1 s, which a busy machine produces.
_SLOW_STEP = re.compile(r"^Executing <.*> took \d+\.\d+ seconds\n", re.MULTILINE)


def _read_at_start(name: str) -> bool:
    """Whether the interpreter or the SDK reads this variable once, when it starts."""
    return name.startswith(("PYTHON", "ZEP_LOG"))


def in_process(
    *args: str | Path, server: LocalZep | None = None, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``zep_async.cli.main(ARGS)`` here, as the command would run, and capture its output.

    The environment is the one a subprocess would get; stdin reads ``stdin``.
    """
    # UTF-8 text over bytes, as a pipe is (a StringIO has no encoding).
    out, err = (io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True) for _ in "12")
    saved_env = dict(os.environ)
    saved_streams = sys.stdin, sys.stdout, sys.stderr
    os.environ.clear()
    os.environ.update(environment(server, env))
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin), out, err
    try:
        code = main([str(arg) for arg in args])
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        os.environ.clear()
        os.environ.update(saved_env)
    output = [stream.buffer.getvalue().decode("utf-8") for stream in (out, err)]  # type: ignore[attr-defined]
    return subprocess.CompletedProcess([*CLI, *map(str, args)], code, *output)


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -c CODE`` in a fresh interpreter."""
    return subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=WAIT, check=False
    )


def start_cli(*args: str | Path, server: LocalZep | None = None) -> subprocess.Popen[str]:
    """Start the command in the background, its stdout and stderr piped."""
    return subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [*CLI, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(server, {}),
    )


def read_line(stream: IO[str], prefix: str) -> str:
    """Return the first line of ``stream`` starting with ``prefix``, waiting at most WAIT s."""
    found: list[str] = []
    done = threading.Event()

    def scan() -> None:
        for line in stream:
            if line.startswith(prefix):
                found.append(line)
                break
        done.set()

    threading.Thread(target=scan, daemon=True).start()
    assert done.wait(WAIT), f"no line starting with {prefix!r}"
    assert found, f"the stream ended without a line starting with {prefix!r}"
    return found[0]


def failing_import(folder: Path, module: str, error: str) -> dict[str, str]:
    """Return the environment of a Python in which importing ``module`` raises ``error``.

    A ``sitecustomize`` on PYTHONPATH puts a finder first on ``sys.meta_path``, so
    the failure happens where the real import would, without touching our code.
    ``error`` is an expression; ``NAME`` in it is the name being imported.
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(
        "import sys\n"
        "class _Fail:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name == {module!r} or name.startswith({module + '.'!r}):\n"
        "            NAME = name\n"
        f"            raise {error}\n"
        "        return None\n"
        "sys.meta_path.insert(0, _Fail())\n"
    )
    return {"PYTHONPATH": str(folder)}


#: For ``failing_import``: the module is not installed.
NOT_INSTALLED = "ModuleNotFoundError(f'No module named {NAME!r}', name=NAME)"
