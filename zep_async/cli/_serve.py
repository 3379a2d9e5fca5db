"""``serve``: the local Zep server of ``zep_async.testing``, until Ctrl-C or SIGTERM.

Stopping it is how a server is meant to end, so Ctrl-C and SIGTERM exit with
status 0 here, unlike the other commands.

It is a test server: no TLS, data in memory, and by default a key anyone can
read in these sources. On a loopback address only this machine can reach it;
any other ``--host`` (``0.0.0.0``, a LAN address, a host name) needs a key of
the user's own, and is announced with a warning on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import ipaddress
import shlex
import sys
from typing import TYPE_CHECKING

from ._common import CLIENT_OPTIONS, CommandError, TerminatedError, UsageError, printable, run
from ._streams import say

#: How many requests ``serve`` keeps in its request log (about 1 KB each).
SERVE_LOG_LIMIT = 1000

if TYPE_CHECKING:
    from ..testing import LocalZep


def serve(args: argparse.Namespace) -> None:
    """Serve ``--seed`` sample sessions on ``--host``:``--port`` until stopped."""
    given = [option for name, option in CLIENT_OPTIONS.items() if hasattr(args, name)]
    if given:
        raise UsageError(f"serve does not take {', '.join(given)}")
    settings = {"api_key": args.api_key} if hasattr(args, "api_key") else {}
    key = settings.get("api_key")
    if key is not None and (not key.strip() or not key.isprintable()):
        raise UsageError("--api-key must be printable text, not empty")
    # Imported here: the server brings aiohttp.web, which the other commands never need.
    from ..testing import LocalZep

    if not is_loopback(args.host):
        public_key = inspect.signature(LocalZep).parameters["api_key"].default
        host = printable(args.host)
        if key is None or key == public_key:
            raise UsageError(
                f"--host {host} can be reached from other machines: pass --api-key with a key"
                f" of your own ({public_key} is public), or serve on 127.0.0.1"
            )
        say(
            f"zep-async serve: warning: listening on {host}, reachable from other machines;"
            " this is a test server (no TLS, data in memory), do not expose it to a network"
            " you do not trust"
        )
    # A long-running server keeps only the last requests (no test reads them here).
    server = LocalZep(host=args.host, port=args.port, log_limit=SERVE_LOG_LIMIT, **settings)
    server.seed(args.seed, copies=False)
    with contextlib.suppress(KeyboardInterrupt, TerminatedError):
        run(_serve(server, args))
    print("zep-async serve: stopped", file=sys.stderr)


async def _serve(server: LocalZep, args: argparse.Namespace) -> None:
    try:
        await server.start()
    except OSError as error:
        raise CommandError(
            f"cannot listen on {args.host}:{args.port}: {error.strerror or error}"
        ) from None
    try:
        print(f"zep-async serve: {args.seed} sample sessions at {server.base_url} until Ctrl-C")
        print("Point the SDK and the CLI at it with:")
        # The last line is a shell command, and the line a script can wait for.
        print(
            f"export ZEP_API_URL={shlex.quote(server.root_url)}"
            f" ZEP_API_KEY={shlex.quote(server.api_key)}",
            flush=True,
        )
        await asyncio.get_running_loop().create_future()  # until cancelled
    finally:
        await server.close()


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine alone: ``localhost`` or a loopback IP.

    Any other name counts as reachable from outside, since it may resolve to anything.
    """
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
