"""Grammar pieces every command group uses: whole numbers, JSON options, export and delete.

Only argparse, inspect and json here, so building the parser loads neither rich
nor the SDK's resources. Each leaf names its handler as ``"module:function"``.
"""

from __future__ import annotations

import argparse
import inspect
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

__all__ = ["add_delete", "add_export", "json_object", "whole"]

if TYPE_CHECKING:
    #: What ``add_subparsers`` returns: where a command group adds its actions.
    Actions = argparse._SubParsersAction[argparse.ArgumentParser]


def whole(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An argument type for whole numbers from ``minimum`` (to ``maximum``, when given)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum or (maximum is not None and value > maximum):
            bound = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"
            raise argparse.ArgumentTypeError(f"must be {bound}, got {value}")
        return value

    return parse


def json_object(text: str) -> dict[str, Any]:
    """An option value that must be a JSON object (``--metadata``, ``--classify``)."""

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    try:
        value = json.loads(text, parse_constant=refuse)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not JSON: {error}") from None
    except RecursionError:
        raise argparse.ArgumentTypeError("nested too deeply to read") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"expected a JSON object, got {text[:40]!r}")
    return value


def add_export(
    actions: Actions,
    client: argparse.ArgumentParser,
    walk: Callable[..., Any],
    *,
    help: str,
    description: str,
    per_request: str,
    handler: str,
) -> argparse.ArgumentParser:
    """Add an ``export`` action: ``--out``, ``--page-size`` and ``--prefetch``.

    The defaults are those of the SDK's walk ``walk``, so the two cannot drift
    apart. Returns the action's parser, for options of its own.
    """
    defaults = inspect.signature(walk).parameters
    export: argparse.ArgumentParser = actions.add_parser(
        "export", parents=[client], help=help, description=description
    )
    export.add_argument(
        "--out", metavar="FILE", help="write to FILE instead of stdout (- is stdout)"
    )
    export.add_argument(
        "--page-size",
        metavar="N",
        type=whole(1),
        default=defaults["page_size"].default,
        help=f"{per_request} per request (default %(default)s)",
    )
    export.add_argument(
        "--prefetch",
        metavar="N",
        type=whole(1),
        default=defaults["prefetch"].default,
        help="pages fetched at once (default %(default)s)",
    )
    export.set_defaults(handler=handler)
    return export


def add_delete(
    actions: Actions,
    client: argparse.ArgumentParser,
    *,
    metavar: str,
    help: str,
    description: str,
    handler: str,
) -> None:
    """Add a ``delete`` action: one id, and ``--yes`` to skip the confirmation."""
    delete = actions.add_parser("delete", parents=[client], help=help, description=description)
    delete.add_argument(metavar.lower(), metavar=metavar)
    delete.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    delete.set_defaults(handler=handler)
