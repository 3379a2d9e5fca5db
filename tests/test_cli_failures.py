"""How ``zep-async`` fails: full disks, closed pipes and streams, odd files and terminals,
errors nobody planned for. Each ends in one line and a status, never a traceback."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from zep_async.cli._serve import is_loopback
from zep_async.testing import LocalZep

from .cli_support import CLI, WAIT, environment, failing_import, read_line, start_cli, zep_cli

FULL = "zep-async: error: cannot write to stdout: No space left on device\n"
needs_dev_full = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes and descriptors")

COMMANDS = {
    "get": ["sessions", "get", "session-0001"],
    "get --json": ["sessions", "get", "session-0001", "--json"],
    "list": ["sessions", "list"],
    "list --json": ["sessions", "list", "--json"],
    "export": ["sessions", "export"],
}


@pytest.fixture
def server() -> Iterator[LocalZep]:
    """A running LocalZep with 500 sessions: an export of them outgrows any pipe buffer."""
    local = LocalZep()
    local.seed(500)
    with local.run_in_thread():
        yield local


def _nested(depth: int) -> dict[str, object]:
    value: dict[str, object] = {}
    for _ in range(depth):
        value = {"a": value}
    return value


# -- stdout that cannot be written ------------------------------------------------------


@needs_dev_full
@pytest.mark.parametrize("args", [*COMMANDS.values(), ["--help"]], ids=[*COMMANDS, "--help"])
def test_a_full_disk_is_one_line(server: LocalZep, args: list[str]) -> None:
    """Output to a full device exits 1 with one line naming stdout and the reason."""
    with open("/dev/full", "w") as full:
        result = zep_cli(*args, server=server, stdout=full)
    assert result.returncode == 1
    assert result.stderr == FULL


@posix_only
@pytest.mark.parametrize("args", COMMANDS.values(), ids=COMMANDS)
def test_a_closed_pipe_exits_141_in_silence(server: LocalZep, args: list[str]) -> None:
    """A pipe whose reader has gone (`| head`, `| true`) ends with 141 and says nothing."""
    reader, writer = os.pipe()
    os.close(reader)  # gone before the command writes a byte
    try:
        result = zep_cli(*args, server=server, stdout=writer, dev_mode=True)
    finally:
        os.close(writer)
    assert result.returncode == 141
    assert result.stderr == ""  # no "Exception ignored ... BrokenPipeError" either


@posix_only
def test_export_into_head_stops_at_once(server: LocalZep) -> None:
    """`export | head -n 1`: the reader takes one line and leaves; the export ends 141."""
    with start_cli("sessions", "export", "--page-size", "50", server=server) as cli:
        try:
            assert cli.stdout is not None
            first = cli.stdout.readline()
            cli.stdout.close()
            _, stderr = cli.communicate(timeout=WAIT)
        finally:
            cli.kill()
    assert json.loads(first)["session_id"].startswith("session-")
    assert cli.returncode == 141
    assert stderr == ""
    assert server.count("list_sessions") < 10  # it stopped, rather than walking to the end


def _in_shell(server: LocalZep, args: list[str], redirect: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI through /bin/sh with a redirection (``>&-`` closes stdout)."""
    command = shlex.join([*CLI, *args])
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        ["/bin/sh", "-c", f"exec {command} {redirect}"],
        capture_output=True,
        text=True,
        env=environment(server, {}),
        timeout=WAIT,
        check=False,
    )


@posix_only
def test_a_closed_stdout_is_an_error(server: LocalZep) -> None:
    """stdout closed by the shell (`>&-`) exits 1 with one line, not an AttributeError."""
    result = _in_shell(server, ["sessions", "get", "session-0001"], ">&-")
    assert result.returncode == 1
    assert result.stderr == "zep-async: error: cannot write to stdout: Bad file descriptor\n"


@posix_only
def test_a_closed_stderr_still_gives_the_status(server: LocalZep) -> None:
    """With stderr closed (`2>&-`) a failure still exits 1, and nothing crashes on stdout."""
    result = _in_shell(server, ["-v", "sessions", "get", "nope"], "2>&-")
    assert result.returncode == 1
    assert result.stdout == ""


# -- anything else that goes wrong --------------------------------------------------------


@pytest.mark.parametrize("args", COMMANDS.values(), ids=COMMANDS)
def test_deeply_nested_metadata_never_prints_a_traceback(server: LocalZep, args: list[str]) -> None:
    """A session nested 400 levels deep is printed, or refused in one line: no traceback."""
    server.add_session("deep", metadata=_nested(400))  # the newest: first in any list
    args = ["deep" if arg == "session-0001" else arg for arg in args]
    result = zep_cli(*args, server=server)
    assert "Traceback" not in result.stderr
    if result.returncode == 0:
        assert result.stdout
    else:
        assert result.returncode == 1
        assert result.stderr.count("\n") == 1
        assert result.stderr.startswith("zep-async: error: RecursionError")


@pytest.mark.parametrize(
    ("error", "line"),
    [
        ("MemoryError()", "out of memory"),
        ("RecursionError('maximum recursion depth exceeded')", "RecursionError: maximum"),
        ("OSError(5, 'Input/output error')", "OSError: [Errno 5] Input/output error"),
        ("RuntimeError('x' * 100_000)", "RuntimeError: xxx"),
    ],
    ids=["MemoryError", "RecursionError", "OSError", "huge message"],
)
def test_an_unexpected_error_is_one_line(
    server: LocalZep, tmp_path: Path, error: str, line: str
) -> None:
    """Whatever a command raises ends in one short line and status 1; -v adds where."""
    broken = failing_import(tmp_path, "rich", error)
    result = zep_cli("sessions", "list", server=server, **broken)
    assert result.returncode == 1
    assert result.stderr.startswith(f"zep-async: error: {line}")
    assert result.stderr.count("\n") == 1
    assert len(result.stderr) < 1100
    verbose = zep_cli("-v", "sessions", "list", server=server, **broken)
    assert verbose.returncode == 1
    assert verbose.stderr.startswith("Traceback")
    assert verbose.stderr.splitlines()[-1].startswith(f"zep-async: error: {line}")


def test_ctrl_c_while_the_command_loads_exits_130(server: LocalZep, tmp_path: Path) -> None:
    """Ctrl-C before the command has even loaded exits 130 with one line."""
    interrupted = failing_import(tmp_path, "rich", "KeyboardInterrupt")
    result = zep_cli("sessions", "list", server=server, **interrupted)
    assert result.returncode == 130
    assert result.stderr == "zep-async: error: interrupted\n"


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_during_get_is_one_line(
    server: LocalZep, signum: signal.Signals, status: int
) -> None:
    """Ctrl-C or SIGTERM while a get waits for the server: 130 or 143, one line."""
    server.stall("get_session")
    with start_cli("sessions", "get", "session-0001", server=server) as cli:
        try:
            assert server.wait_for_requests(1, route="get_session", timeout=WAIT)
            cli.send_signal(signum)
            _, stderr = cli.communicate(timeout=WAIT)
        finally:
            cli.kill()
    assert cli.returncode == status
    assert stderr.count("\n") == 1


def _blocked_writing(pid: int) -> bool:
    """Whether process ``pid`` sleeps in a write to a pipe (Linux), waiting at most WAIT s."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            channel = Path(f"/proc/{pid}/wchan").read_text()
        except OSError:
            return False
        if "pipe_write" in channel:
            return True
        time.sleep(0.01)  # polling the kernel's view; there is no event to wait on
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/PID/wchan")
@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_one_signal_stops_an_export_whose_reader_is_stuck(
    server: LocalZep, signum: signal.Signals, status: int
) -> None:
    """Blocked writing to a pipe nobody reads, the export still stops on the first signal."""
    reader, writer = os.pipe()
    os.set_blocking(writer, False)
    with contextlib.suppress(BlockingIOError):
        while True:  # fill the pipe: the command's first flush blocks
            os.write(writer, b"x" * 4096)
    os.set_blocking(writer, True)
    command = [*CLI, "sessions", "export"]
    env = environment(server, {})
    try:
        with subprocess.Popen(command, stdout=writer, stderr=subprocess.PIPE, env=env) as cli:  # noqa: S603
            try:
                if not _blocked_writing(cli.pid):
                    pytest.skip("cannot see the process block in /proc")
                cli.send_signal(signum)
                _, stderr = cli.communicate(timeout=WAIT)
            finally:
                cli.kill()
    finally:
        os.close(reader)
        os.close(writer)
    assert cli.returncode == status
    assert stderr.decode().count("\n") == 1


# -- --out -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("", "--out needs a file name (or - for stdout), got an empty one"),
        ("nowhere/", "--out nowhere/ is a directory; name a file in it"),
        (".", "--out . is a directory; name a file in it"),
    ],
)
def test_out_that_names_no_file_exits_2(server: LocalZep, out: str, message: str) -> None:
    """An --out that cannot be a file is a usage error that says why; nothing is sent."""
    result = zep_cli("sessions", "export", "--out", out, server=server)
    assert result.returncode == 2
    assert result.stderr == f"zep-async: error: {message}\n"
    assert server.count() == 0


@posix_only
def test_out_to_dev_stdout_writes_through(server: LocalZep) -> None:
    """--out /dev/stdout writes to stdout, instead of renaming a file over the device."""
    result = zep_cli("sessions", "export", "--out", "/dev/stdout", server=server, process=True)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 500
    assert os.path.islink("/dev/stdout") or not os.path.isfile("/dev/stdout")


@posix_only
def test_out_to_a_fifo_writes_into_it(server: LocalZep, tmp_path: Path) -> None:
    """--out FIFO (a shell's `>(gzip > x)` is one) streams into it and leaves it a FIFO."""
    fifo = tmp_path / "sessions.fifo"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.extend(fifo.read_text().splitlines()))
    reader.start()
    result = zep_cli("sessions", "export", "--out", fifo, server=server)
    reader.join(WAIT)
    assert result.returncode == 0, result.stderr
    assert len(received) == 500
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert [path.name for path in tmp_path.iterdir()] == ["sessions.fifo"]


@posix_only
def test_out_follows_a_symbolic_link(server: LocalZep, tmp_path: Path) -> None:
    """--out LINK replaces the file the link points to, and the link stays a link."""
    target = tmp_path / "data" / "sessions.jsonl"
    target.parent.mkdir()
    target.write_text("the previous export\n")
    link = tmp_path / "latest.jsonl"
    link.symlink_to(target)
    result = zep_cli("sessions", "export", "--out", link, server=server)
    assert result.returncode == 0, result.stderr
    assert link.is_symlink()
    assert len(target.read_text().splitlines()) == 500
    assert sorted(path.name for path in target.parent.iterdir()) == ["sessions.jsonl"]


@needs_dev_full
def test_out_to_a_full_device_is_one_line(server: LocalZep) -> None:
    """--out /dev/full exits 1 naming the file and the reason."""
    result = zep_cli("sessions", "export", "--out", "/dev/full", server=server)
    assert result.returncode == 1
    assert result.stderr == "zep-async: error: cannot write /dev/full: No space left on device\n"


# -- odd terminals and data ------------------------------------------------------------------


def test_a_zero_width_terminal_still_gets_the_table(server: LocalZep) -> None:
    """COLUMNS=0 draws a narrow table instead of printing nothing."""
    result = zep_cli("sessions", "list", "--page-size", "2", server=server, COLUMNS="0")
    assert result.returncode == 0, result.stderr
    assert "session-" in result.stdout
    assert result.stdout.splitlines()[-1] == "2 sessions on page 1, of 500 in all"


@pytest.mark.parametrize("args", [["--json"], []], ids=["json", "lines"])
def test_an_ascii_terminal_gets_escapes(server: LocalZep, args: list[str]) -> None:
    """A stdout that cannot encode a character shows it escaped, instead of failing."""
    server.add_session("café☃", user_id="zoë")
    result = zep_cli("sessions", "get", "café☃", *args, server=server, PYTHONIOENCODING="ascii")
    assert result.returncode == 0, result.stderr
    assert result.stdout.isascii()
    assert "zo\\u00eb" in result.stdout or "zo\\xeb" in result.stdout


def test_bidirectional_overrides_are_escaped(server: LocalZep) -> None:
    """A right-to-left override in a session id cannot reverse the rest of the line."""
    server.add_session("invoice-\u202egpj.exe")
    result = zep_cli("sessions", "get", "invoice-\u202egpj.exe", server=server)
    assert result.returncode == 0, result.stderr
    assert "\u202e" not in result.stdout
    assert "invoice-\\u202egpj.exe" in result.stdout


# -- serve beyond loopback ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LOCALHOST.", True),
        ("0.0.0.0", False),  # noqa: S104
        ("::", False),
        ("", False),
        ("192.168.1.10", False),
        ("example.com", False),
        ("localhost.example.com", False),
    ],
)
def test_which_hosts_are_loopback(host: str, loopback: bool) -> None:
    """Only localhost and loopback addresses count as private; any other name does not."""
    assert is_loopback(host) is loopback


@pytest.mark.parametrize("key", [[], ["--api-key", "test-api-key"]], ids=["no key", "test key"])
def test_serve_beyond_loopback_needs_a_key_of_your_own(key: list[str]) -> None:
    """serve --host 0.0.0.0 without a key of one's own exits 2 before listening."""
    result = zep_cli("serve", "--host", "0.0.0.0", "--port", "0", *key)  # noqa: S104
    assert result.returncode == 2
    assert result.stderr.startswith("zep-async: error: --host 0.0.0.0 can be reached from")
    assert "--api-key" in result.stderr
    assert result.stdout == ""


def test_serve_beyond_loopback_warns(tmp_path: Path) -> None:
    """With a key of one's own, serve listens on 0.0.0.0 and warns on stderr first."""
    args = ["serve", "--host", "0.0.0.0", "--port", "0", "--api-key", "my-own-key"]  # noqa: S104
    with start_cli(*args) as cli:
        try:
            assert cli.stdout is not None
            assert cli.stderr is not None
            warning = read_line(cli.stderr, "zep-async serve: warning:")
            line = read_line(cli.stdout, "export ")
            cli.send_signal(signal.SIGINT)
            cli.communicate(timeout=WAIT)
        finally:
            cli.kill()
    assert "reachable from other machines" in warning
    assert "ZEP_API_KEY=my-own-key" in line
    assert cli.returncode == 0
