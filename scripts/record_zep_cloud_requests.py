"""Record what zep-cloud 2.22.1 sends, and decodes, for the calls of issue 26.

The official SDK is a test-only oracle, never a dependency: run this script in a
virtual environment of its own that has it, and commit the fixture it writes::

    python -m venv /tmp/zc && /tmp/zc/bin/pip install zep-cloud==2.22.1
    /tmp/zc/bin/python scripts/record_zep_cloud_requests.py

For each row of ``CASES`` (a call and its arguments, in JSON) the SDK's request
goes to an ``httpx.MockTransport`` that records its method, path (below
``/api/v2``, as sent, percent-encoding and all), query pairs and JSON body, and
answers with the row's canned body; what the SDK decodes from it is kept too
(its models as ``dict(by_alias=True, exclude_none=True)``). The fixture is
``tests/fixtures/zep_cloud_2_22_1_requests.json``; ``tests/test_facts_oracle.py``
replays every row through ``AsyncZep`` and compares.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

FIXTURE = Path(__file__).resolve().parent.parent / "tests/fixtures/zep_cloud_2_22_1_requests.json"
BASE = "http://oracle.invalid/api/v2"
UUID = "3f0c2b1a-9d8e-4c7b-a6f5-0e1d2c3b4a59"

FACT = {
    "uuid": UUID,
    "content": "Jane prefers e-mail",
    "fact": "Jane prefers e-mail",
    "created_at": "2024-05-01T10:00:00.123456789Z",
    "rating": 0.75,
    "name": "PREFERS",
    "valid_at": "2024-05-01T10:00:00Z",
    "source_node_name": "Jane",
    "target_node_name": "e-mail",
}
SUMMARIES = {
    "summaries": [
        {
            "uuid": UUID,
            "content": "Jane asked for a refund.",
            "created_at": "2024-05-01T10:00:00-07:00",
            "metadata": {"k": [1, 2]},
            "related_message_uuids": [UUID],
            "token_count": 5,
        }
    ],
    "row_count": 1,
    "total_count": 1,
}
NODE = {
    "node": {
        "uuid": UUID,
        "name": "Jane",
        "summary": "Jane is a user.",
        "created_at": "2024-05-01T10:00:00Z",
        "labels": ["Entity", "User"],
        "attributes": {"age": 42},
        "score": 0.5,
    }
}
OK = {"message": "OK"}

#: (call, positional args, keyword args, canned answer). ``memory.`` or ``user.`` prefix.
CASES: list[tuple[str, list[Any], dict[str, Any], Any]] = [
    ("memory.get_fact", [UUID], {}, {"fact": FACT}),
    ("memory.get_fact", ["not-a-uuid"], {}, {"fact": {**FACT, "extra": 1}}),
    ("memory.delete_fact", [UUID], {}, OK),
    ("memory.get_session_facts", ["chat-42"], {}, {"facts": [FACT]}),
    ("memory.get_session_facts", ["chat-42"], {"min_rating": 0.5}, {"facts": []}),
    ("memory.get_session_facts", ["chat-42"], {"min_rating": 1}, {"facts": None}),
    ("memory.get_session_facts", ["chat-42"], {"min_rating": 0}, {}),
    ("memory.add_session_facts", ["chat-42"], {"facts": [{"fact": "a"}]}, OK),
    (
        "memory.add_session_facts",
        ["chat-42"],
        {"facts": [{"fact": "Jane likes tea"}, {"fact": 'ünïcode ✓ "quoted"\nline'}]},
        OK,
    ),
    (
        "memory.classify_session",
        ["chat-42"],
        {"classes": ["sales", "support"], "name": "intent"},
        {"class": "support", "label": "intent"},
    ),
    (
        "memory.classify_session",
        ["chat-42"],
        {
            "classes": ["a"],
            "name": "n",
            "instruction": "Pick one.\nOnly one.",
            "last_n": 8,
            "persist": False,
        },
        {"class": "a"},
    ),
    (
        "memory.extract_data",
        ["chat-42"],
        {"last_n": 6, "model_schema": '{"type":"object","properties":{"zip":{"type":"string"}}}'},
        {"zip": "94107"},
    ),
    (
        "memory.extract_data",
        ["chat-42"],
        {
            "last_n": 1,
            "model_schema": "{}",
            "current_date_time": "2024-05-01T10:00:00-07:00",
            "validate": True,
        },
        {},
    ),
    ("memory.get_summaries", ["chat-42"], {}, SUMMARIES),
    ("memory.get_summaries", ["chat-42"], {}, {"summaries": None}),
    ("memory.synthesize_question", ["chat-42"], {}, {"question": "What now?"}),
    ("memory.synthesize_question", ["chat-42"], {"last_n_messages": 3}, {"question": "Why?"}),
    ("user.get_facts", ["jane"], {}, {"facts": [FACT, {**FACT, "rating": None}]}),
    ("user.get_node", ["jane"], {}, NODE),
    ("user.get_node", ["jane"], {}, {"node": None}),
    # Ids the official SDK writes into the path as they are (unsafe: not one segment).
    ("memory.get_fact", ["a/b"], {}, {"fact": FACT}),
    ("memory.get_session_facts", ["ü ñ?x=1"], {}, {"facts": []}),
    ("memory.get_summaries", [".."], {}, SUMMARIES),
    ("user.get_node", ["50%"], {}, NODE),
]


def _sdk_arguments(call: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    from zep_cloud import NewFact

    if call == "memory.add_session_facts":
        return {**kwargs, "facts": [NewFact(**fact) for fact in kwargs["facts"]]}
    return kwargs


def _decoded(value: Any) -> Any:
    if hasattr(value, "dict"):
        return value.dict(by_alias=True, exclude_none=True)
    return value


def record() -> list[dict[str, Any]]:
    """Run every case through zep-cloud; return the fixture's rows."""
    import httpx
    from zep_cloud.client import Zep

    rows = []
    for call, args, kwargs, answer in CASES:
        seen: list[httpx.Request] = []

        def handler(
            request: httpx.Request, answer: Any = answer, seen: list[httpx.Request] = seen
        ) -> httpx.Response:
            seen.append(request)
            return httpx.Response(200, json=answer)

        client = Zep(
            api_key="oracle-key",
            base_url=BASE,
            httpx_client=httpx.Client(transport=httpx.MockTransport(handler)),
        )
        resource, name = call.split(".")
        method = getattr(getattr(client, resource), name)
        decoded = method(*args, **_sdk_arguments(call, kwargs))
        (request,) = seen
        raw_path = request.url.raw_path.decode("ascii")
        path, _, query = raw_path.partition("?")
        body = json.loads(request.content) if request.content else None
        rows.append(
            {
                "call": call,
                "args": args,
                "kwargs": kwargs,
                "answer": answer,
                "request": {
                    "method": request.method,
                    "path": path.removeprefix("/api/v2"),
                    "query": parse_qsl(query, keep_blank_values=True),
                    "body": body,
                },
                "decoded": _decoded(decoded),
            }
        )
    return rows


def main() -> None:
    """Write the fixture."""
    import zep_cloud

    version = getattr(zep_cloud, "__version__", None)
    if version is None:
        from importlib.metadata import version as installed

        version = installed("zep-cloud")
    if version != "2.22.1":
        sys.exit(f"needs zep-cloud 2.22.1, found {version}")
    document = {"zep_cloud": version, "base": BASE, "cases": record()}
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(document['cases'])} cases to {FIXTURE}")


if __name__ == "__main__":
    main()
