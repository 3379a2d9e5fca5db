"""mkdocs hooks (mkdocs.yml ``hooks:``): tables the code already holds, drawn from it at build.

docs/testing.md's table of LocalZep's routes is drawn from ``LocalZep.ROUTE_PATHS``
where the page has :data:`ROUTES_MARKER`, so a new route needs no edit of the page.
"""

from __future__ import annotations

from typing import Any, Final

from zep_async.testing import LocalZep

#: The line a page puts where the table of LocalZep's routes goes.
ROUTES_MARKER: Final = "<!-- table: LocalZep.ROUTE_PATHS -->"


def routes_table() -> str:
    """One row per route: its name, method and path, and whether only Zep Cloud has it."""
    rows = ["| route name | method and path |", "|---|---|"]
    for name, (method, path) in LocalZep.ROUTE_PATHS.items():
        cloud = " (Cloud only)" if name in LocalZep.CLOUD_ONLY_ROUTES else ""
        rows.append(f"| `{name}` | `{method} {path}`{cloud} |")
    return "\n".join(rows)


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Put the drawn tables where their markers are."""
    if ROUTES_MARKER not in markdown:
        return markdown
    return markdown.replace(ROUTES_MARKER, routes_table())
