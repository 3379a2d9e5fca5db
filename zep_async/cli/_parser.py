"""The grammar of ``zep-async``, with argparse from the standard library.

Option values the SDK would refuse (a page size of 0, an unknown sort field,
a timeout of ``nan``) are refused here already, so they exit with status 2
and a message naming the option, before any request.
"""

from __future__ import annotations

import argparse
import inspect
import math
from collections.abc import Callable
from typing import Any, get_args

from .. import AsyncMemory, AsyncZep, OrderBy, __version__
from . import _facts_grammar, _memory_grammar, _users_grammar
from ._grammar import add_export, whole
from ._session_args import add_write_commands

PROG = "zep-async"
#: The most sample sessions ``serve --seed`` builds.
MAX_SEED = 100_000

_EPILOG = """\
exit status: 0 success, 1 API, network, file or unexpected error, 2 usage error,
129 SIGHUP, 130 interrupted (Ctrl-C), 141 stdout closed by its reader (| head),
143 terminated (SIGTERM).
The API key is read from ZEP_API_KEY when --api-key is not given; prefer the
variable, as a command line is visible to other users of the machine."""


def _default(function: Callable[..., Any], name: str) -> Any:
    # Help texts quote the SDK's own defaults, so the two cannot drift apart.
    return inspect.signature(function).parameters[name].default


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds > 0, got {text!r}")
    return value


def _verbosity() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=argparse.SUPPRESS,
        help="log retries and requests on stderr (-vv: debug), and show tracebacks",
    )
    return parent


def _client_options() -> argparse.ArgumentParser:
    # Defaults are SUPPRESS, so the options work before and after the subcommand
    # alike, and anything not given is left for the SDK to resolve.
    parent = argparse.ArgumentParser(add_help=False, parents=[_verbosity()])
    group = parent.add_argument_group("connection")
    group.add_argument(
        "--api-key", metavar="KEY", default=argparse.SUPPRESS, help="default: $ZEP_API_KEY"
    )
    group.add_argument(
        "--base-url",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="the API base URL (default: $ZEP_API_URL + /api/v2, else Zep Cloud)",
    )
    group.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=_seconds,
        default=argparse.SUPPRESS,
        help=f"time limit of each attempt (default {_default(AsyncZep, 'timeout'):g})",
    )
    group.add_argument(
        "--max-retries",
        metavar="N",
        type=whole(0),
        default=argparse.SUPPRESS,
        help=f"retries of a failed request (default {_default(AsyncZep, 'max_retries')})",
    )
    return parent


def _add_order(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--order-by", metavar="FIELD", choices=get_args(OrderBy), help=", ".join(get_args(OrderBy))
    )
    direction = parser.add_mutually_exclusive_group()
    direction.add_argument("--asc", dest="asc", action="store_const", const=True, help="ascending")
    direction.add_argument(
        "--desc", dest="asc", action="store_const", const=False, help="descending (the default)"
    )


def build_parser() -> argparse.ArgumentParser:
    """Return the parser; each leaf sets ``handler``, ``"module:function"`` that runs it.

    The modules are imported only to run their command, so ``--help`` and
    ``--version`` work without rich.
    """
    client = _client_options()
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Inspect, change and export Zep sessions, memory, messages and users, "
        "or serve a local Zep to try them on.",
        epilog=_EPILOG,
        parents=[client],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(metavar="COMMAND", required=True)

    sessions = commands.add_parser(
        "sessions",
        parents=[client],
        help="get, list, export, create, update, end, delete, summaries",
    ).add_subparsers(metavar="ACTION", required=True)

    get = sessions.add_parser("get", parents=[client], help="print one session")
    get.add_argument("session_id", metavar="SESSION_ID")
    get.add_argument("--json", action="store_true", help="print it as one JSON object")
    get.set_defaults(handler="_sessions:get")

    listing = sessions.add_parser(
        "list", parents=[client], help="print one page of sessions, with the total count"
    )
    listing.add_argument("--page-number", metavar="N", type=whole(1), help="from 1")
    listing.add_argument("--page-size", metavar="N", type=whole(1), help="sessions per page")
    _add_order(listing)
    listing.add_argument("--json", action="store_true", help="print the page as JSON")
    listing.set_defaults(handler="_sessions:list_page")

    export = add_export(
        sessions,
        client,
        AsyncMemory.iter_sessions,
        help="write every session as JSON Lines",
        description="Write every session as one JSON object per line, exactly as the server "
        "sent it. With --out, the file appears only when the export is complete.",
        per_request="sessions",
        handler="_export:export",
    )
    _add_order(export)
    add_write_commands(sessions, client)
    _facts_grammar.add_session_summaries(sessions, client)
    _memory_grammar.register(commands, client)
    _facts_grammar.register(commands, client)
    _users_grammar.add_users_commands(commands, client)

    serve = commands.add_parser(
        "serve",
        parents=[_verbosity()],
        help="run a local Zep server with sample sessions",
        description="Run the local Zep server of zep_async.testing until Ctrl-C. It never "
        "reads ZEP_API_KEY: it prints the key it accepts, so it must not be a real one.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    serve.add_argument(
        "--port",
        type=whole(0, 65535),
        default=8000,
        help="port to listen on; 0 picks a free one (%(default)s)",
    )
    serve.add_argument(
        "--seed",
        metavar="N",
        # The sample data lives in memory and takes a while to build: a bound keeps a
        # typo (an extra zero or three) from eating the machine's memory for minutes.
        type=whole(0, MAX_SEED),
        default=100,
        help=f"how many sample sessions to serve, at most {MAX_SEED} (%(default)s)",
    )
    serve.add_argument(
        "--api-key",
        metavar="KEY",
        default=argparse.SUPPRESS,
        help="the key clients must send (default: test-api-key)",
    )
    serve.set_defaults(handler="_serve:serve")
    return parser
