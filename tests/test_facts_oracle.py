"""The calls of issue 26 against zep-cloud 2.22.1, recorded: the same request, the same values.

``scripts/record_zep_cloud_requests.py`` ran each case of the fixture through the
official SDK (a test-only oracle in a venv of its own) and kept the request it
sent and what it decoded. Here every case goes through ``AsyncZep`` to a loopback
server that records the request as it arrived and answers the same canned body.

Deliberate differences, each asserted rather than hidden: an id that is not
plain text goes out as one percent-encoded segment (the official SDK writes it
into the path as it is: ``a/b`` becomes two segments, ``..`` climbs out of the
session); a GET or DELETE carries no body (the official SDK sends ``{}``); a
list of models is ``[]`` rather than ``None``; unknown fields are ignored.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

import pytest

from zep_async import AsyncZep, NewFact, to_dict

from .write_support import CaptureServer

FIXTURE = Path(__file__).parent / "fixtures" / "zep_cloud_2_22_1_requests.json"
CASES: list[dict[str, Any]] = json.loads(FIXTURE.read_text(encoding="utf-8"))["cases"]
_PLAIN_ID = re.compile(r"[A-Za-z0-9_.~-]+")
#: Keys the canned answers carry that no model of ours has: ignored by design.
_UNKNOWN = {"extra"}


def _ids(case: dict[str, Any]) -> str:
    return f"{case['call']}-{CASES.index(case)}"


def _plain(case: dict[str, Any]) -> bool:
    return all(_PLAIN_ID.fullmatch(arg) and arg not in (".", "..") for arg in case["args"])


async def _replay(case: dict[str, Any]) -> tuple[Any, Any]:
    """Our call for ``case``: what arrived at the server, and what the call returned."""
    async with CaptureServer(answer=json.dumps(case["answer"]).encode()) as server:
        async with AsyncZep(api_key="oracle-key", base_url=server.base_url) as zep:
            resource, name = case["call"].split(".")
            result = await getattr(getattr(zep, resource), name)(*case["args"], **case["kwargs"])
        (request,) = server.requests
    return request, result


def _normal(value: Any, key: str = "") -> Any:
    """Values compared as values: timestamps parsed, ``None`` and ``[]`` left out."""
    if isinstance(value, dict):
        return {
            k: _normal(v, k)
            for k, v in value.items()
            if v is not None and v != [] and k not in _UNKNOWN
        }
    if isinstance(value, list):
        return [_normal(item) for item in value]
    if key.endswith("_at") and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


@pytest.mark.parametrize("case", [c for c in CASES if _plain(c)], ids=_ids)
async def test_request_is_the_official_sdks(case: dict[str, Any]) -> None:
    """Method, path, query and JSON body are those zep-cloud 2.22.1 sent for the same arguments."""
    request, _ = await _replay(case)
    expected = case["request"]
    path, _, query = request.path.partition("?")
    assert request.method == expected["method"]
    assert path.removeprefix("/api/v2") == expected["path"]
    assert parse_qsl(query, keep_blank_values=True) == [tuple(p) for p in expected["query"]]
    if expected["method"] in ("GET", "DELETE"):
        assert (request.body, expected["body"]) == (b"", {})  # the official SDK sends {}
    else:
        assert json.loads(request.body) == expected["body"]


@pytest.mark.parametrize("case", CASES, ids=_ids)
async def test_answer_decodes_to_the_official_sdks_values(case: dict[str, Any]) -> None:
    """What the call returns holds the values zep-cloud 2.22.1 decoded from the same body."""
    _, result = await _replay(case)
    ours = result if isinstance(result, dict) else to_dict(result)
    assert _normal(ours) == _normal(case["decoded"])


@pytest.mark.parametrize("case", [c for c in CASES if not _plain(c)], ids=_ids)
async def test_hostile_id_is_one_segment_where_the_official_sdk_is_not(
    case: dict[str, Any],
) -> None:
    """An id with ``/``, ``..``, ``%``, ``?`` or spaces goes out as one segment of its own."""
    request, _ = await _replay(case)
    path = request.path.partition("?")[0].removeprefix("/api/v2")
    (hostile,) = case["args"]
    segment = quote(hostile, safe="")
    if segment == "..":
        segment = "%2E%2E"  # a dot-segment would be resolved away
    assert segment in path.split("/")
    assert unquote(segment) == hostile
    assert path != case["request"]["path"]  # the official SDK sent something else


async def test_new_fact_models_send_the_mappings_body() -> None:
    """``NewFact`` objects and ``{"fact": ...}`` mappings make the same body."""
    (case,) = [c for c in CASES if c["call"] == "memory.add_session_facts"][-1:]
    models = {"facts": [NewFact(**fact) for fact in case["kwargs"]["facts"]]}
    request, _ = await _replay({**case, "kwargs": models})
    assert json.loads(request.body) == case["request"]["body"]
