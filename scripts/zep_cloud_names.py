"""Compare zep-cloud's model attribute names with zep_async's, field by field.

zep-cloud is not a dependency: give this script its wheel (``pip download --no-deps
zep-cloud==2.22.1 -d /tmp/zc``). It reads ``zep_cloud/types/*.py`` with ``ast`` (nothing
of zep-cloud is imported), keeps the classes that zep_async.models also exports, and
writes ``tests/zep_cloud_names.json``: for each class, each zep-cloud attribute and the
JSON key it stands for (its pydantic ``alias``, else its own name). It prints the
Markdown table of the attributes zep-cloud spells differently from zep_async, as
docs/migrating.md shows it; tests/test_zep_cloud_names.py checks the models and the page
against the JSON file, so neither can drift from it.

    python scripts/zep_cloud_names.py /tmp/zc/zep_cloud-2.22.1-py3-none-any.whl
"""

from __future__ import annotations

import ast
import json
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

import attrs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from zep_async import models  # noqa: E402
from zep_async._codec import json_name  # noqa: E402

SNAPSHOT = ROOT / "tests" / "zep_cloud_names.json"


def zep_cloud_fields(wheel: Path) -> tuple[str, dict[str, dict[str, str]]]:
    """The wheel's version, and for each class of ``zep_cloud/types``: attribute to JSON key."""
    classes: dict[str, dict[str, str]] = {}
    with zipfile.ZipFile(wheel) as archive:
        version = re.sub(r"^zep_cloud-([^-]+)-.*$", r"\1", wheel.name)
        for name in sorted(archive.namelist()):
            if not re.fullmatch(r"zep_cloud/types/\w+\.py", name):
                continue
            tree = ast.parse(archive.read(name).decode("utf-8"))
            for node in tree.body:
                if isinstance(node, ast.ClassDef):
                    classes[node.name] = _annotated(node)
    return version, classes


def _annotated(node: ast.ClassDef) -> dict[str, str]:
    fields: dict[str, str] = {}
    for statement in node.body:
        if not (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)):
            continue
        attribute = key = statement.target.id
        if isinstance(statement.value, ast.Call):
            for keyword in statement.value.keywords:
                if keyword.arg == "alias" and isinstance(keyword.value, ast.Constant):
                    key = str(keyword.value.value)
        fields[attribute] = key
    return fields


def ours() -> dict[str, dict[str, str]]:
    """For each model class zep_async exports: JSON key to attribute name."""
    found: dict[str, dict[str, str]] = {}
    for name in models.__all__:
        cls = getattr(models, name)
        if attrs.has(cls):
            found[name] = {json_name(field.name): field.name for field in attrs.fields(cls)}
    return found


def differing(snapshot: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(class, zep-cloud attribute, zep_async attribute, JSON key) where the names differ."""
    mine = ours()
    rows = []
    for cls, fields in sorted(snapshot["classes"].items()):
        for attribute, key in sorted(fields.items()):
            ours_name = mine[cls].get(key)
            if ours_name is not None and ours_name != attribute:
                rows.append((cls, attribute, ours_name, key))
    return rows


def table(snapshot: dict[str, Any]) -> str:
    """The Markdown table docs/migrating.md carries."""
    lines = [
        "| model | zep-cloud attribute | zep_async field | JSON key |",
        "|---|---|---|---|",
    ]
    for cls, theirs, mine, key in differing(snapshot):
        lines.append(f"| `{cls}` | `{theirs}` | `{mine}` | `{key}` |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    version, classes = zep_cloud_fields(Path(argv[0]))
    shared = {name: classes[name] for name in sorted(ours()) if name in classes}
    missing = sorted(set(ours()) - set(classes))
    if missing:
        print(f"zep-cloud {version} has no class named {', '.join(missing)}", file=sys.stderr)
    snapshot = {"zep_cloud": version, "classes": shared}
    SNAPSHOT.write_text(json.dumps(snapshot, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    mine = ours()
    for cls, fields in shared.items():
        only_theirs = sorted(set(fields.values()) - set(mine[cls]))
        only_ours = sorted(set(mine[cls]) - set(fields.values()))
        if only_theirs or only_ours:
            print(f"{cls}: JSON keys only in zep-cloud {only_theirs}, only here {only_ours}")
    print(table(snapshot))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
