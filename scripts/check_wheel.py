"""Check an installed zep-async wheel the way a user meets it.

Run by the Python of a fresh venv into which ``make wheel-check`` installed the wheel
from ``dist/`` (``python -I scripts/check_wheel.py dist``). It checks that the package
is imported from that venv and not from a source tree, that it is a plain install of
that very wheel, that ``py.typed`` and ``zep_async.testing`` came with it, and that the
``zep-async`` command runs. Each check prints one line; the first failure exits 1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from importlib import metadata, resources
from pathlib import Path

DIST_NAME = "zep-async"


def fail(message: str) -> None:
    """Print the failed check and stop with status 1."""
    print(f"wheel check FAILED: {message}", file=sys.stderr)
    raise SystemExit(1)


def ok(message: str) -> None:
    """Print a passed check."""
    print(f"wheel check ok: {message}")


def the_wheel(dist_dir: Path) -> Path:
    """Return the one wheel in ``dist_dir``."""
    wheels = sorted(dist_dir.glob("*.whl"))
    if len(wheels) != 1:
        fail(f"expected exactly one wheel in {dist_dir}, found {[w.name for w in wheels]}")
    return wheels[0]


def check_install(wheel: Path) -> str:
    """The installed distribution is that wheel, installed plainly into this venv."""
    if sys.prefix == sys.base_prefix:
        fail("not running in a venv")
    dist = metadata.distribution(DIST_NAME)
    version = dist.version
    if not wheel.name.startswith(f"zep_async-{version}-"):
        fail(f"installed version {version} is not the wheel's ({wheel.name})")
    direct_url = dist.read_text("direct_url.json")
    if direct_url is None:
        fail("no direct_url.json: the package did not come from the wheel file")
    info = json.loads(direct_url)
    if info.get("dir_info", {}).get("editable") or not info.get("url", "").endswith(wheel.name):
        fail(f"installed from {info.get('url')!r}, not from the wheel {wheel.name}")
    outside = [
        str(f)
        for f in dist.files or ()
        if f.parts[0] not in ("zep_async", f"zep_async-{version}.dist-info")
        and f.parts[0] not in ("..",)  # the console script, under bin/
    ]
    if outside:
        fail(f"the wheel installs files outside the package: {outside}")
    ok(f"{DIST_NAME} {version} installed from {wheel.name}, not editable")
    return version


def check_import(version: str) -> None:
    """``import zep_async`` finds the installed copy, and the version agrees."""
    import zep_async

    where = Path(zep_async.__file__).resolve()
    purelib = Path(sysconfig.get_path("purelib")).resolve()
    if purelib not in where.parents:
        fail(f"zep_async was imported from {where}, not from {purelib}")
    if zep_async.__version__ != version:
        fail(f"zep_async.__version__ is {zep_async.__version__}, metadata says {version}")
    ok(f"import zep_async from {where.parent}")


def check_typed() -> None:
    """``py.typed`` is installed, so type checkers read the package's annotations."""
    if not resources.files("zep_async").joinpath("py.typed").is_file():
        fail("zep_async/py.typed is missing")
    ok("py.typed is installed")


def check_testing() -> None:
    """``zep_async.testing`` imports and serves; the SDK talks to it from the wheel."""
    from zep_async import Zep
    from zep_async.testing import LocalZep

    server = LocalZep()
    server.seed(3)
    with server.run_in_thread(), Zep(api_key=server.api_key, base_url=server.base_url) as zep:
        total = zep.memory.list_sessions(page_size=2).total_count
    if total != 3:
        fail(f"list_sessions against LocalZep counted {total} sessions, expected 3")
    ok("zep_async.testing.LocalZep serves, and Zep reads 3 sessions from it")


def run(command: list[str], env: dict[str, str] | None = None) -> str:
    """Run ``command``; fail unless it exits 0; return its standard output."""
    done = subprocess.run(  # noqa: S603 - our own command, no shell
        command, capture_output=True, text=True, timeout=60, env=env, check=False
    )
    if done.returncode != 0:
        fail(f"{' '.join(command)} exited {done.returncode}: {done.stderr.strip()[-500:]}")
    return done.stdout


def check_command(version: str) -> None:
    """The ``zep-async`` command is installed, runs, and reaches a server."""
    from zep_async.testing import LocalZep

    command = Path(sysconfig.get_path("scripts")) / "zep-async"
    if not command.is_file():
        fail(f"{command} is missing")
    shown = run([str(command), "--version"])
    if version not in shown:
        fail(f"zep-async --version printed {shown!r}, without {version}")
    run([str(command), "--help"])
    run([sys.executable, "-m", "zep_async", "--version"])

    server = LocalZep()
    server.seed(3)
    with server.run_in_thread():
        env = {**os.environ, "ZEP_API_URL": server.root_url, "ZEP_API_KEY": server.api_key}
        run([str(command), "sessions", "list", "--page-size", "2"], env=env)
    ok(f"{command.name} --version, --help and sessions list work")


def main() -> None:
    """Run every check against the wheel in the directory given as the argument."""
    if len(sys.argv) != 2:
        fail("usage: python -I scripts/check_wheel.py DIST_DIR")
    wheel = the_wheel(Path(sys.argv[1]).resolve())
    version = check_install(wheel)
    check_import(version)
    check_typed()
    check_testing()
    check_command(version)


if __name__ == "__main__":
    main()
