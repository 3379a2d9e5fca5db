"""The generated fast structure functions agree with cattrs on every input."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zep_async import (
    AddMemoryResponse,
    EndSessionResponse,
    EndSessionsResponse,
    Fact,
    FactResponse,
    FactsResponse,
    Memory,
    MemorySearchResult,
    Message,
    MessageListResponse,
    Question,
    Session,
    SessionListResponse,
    SessionSearchResponse,
    SuccessResponse,
    Summary,
    SummaryListResponse,
    User,
    UserListResponse,
    UserNodeResponse,
    from_dict,
    models,
)
from zep_async._codec._convert import _converters
from zep_async._codec._fastpath import fast_function

STAMPS = [
    "2024-08-07T18:25:43Z",
    "2024-08-07T18:25:43.123456789-07:00",
    "2024-08-07T18:25:43",
    "2024-08-07",
    "yesterday",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=5),
    st.sampled_from(STAMPS),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
EXAMPLES = st.fixed_dictionaries(
    {}, optional={"high": JSON, "medium": JSON, "low": st.text(max_size=5)}
)
INSTRUCTION = st.fixed_dictionaries(
    {}, optional={"instruction": st.one_of(st.text(max_size=5), JSON), "examples": EXAMPLES | JSON}
)
FIELD_VALUES: dict[str, Any] = {
    "uuid": st.text(max_size=8) | JSON,
    "id": st.integers() | JSON,
    "session_id": st.text(max_size=8) | JSON,
    "user_id": st.none() | st.text(max_size=8),
    "created_at": st.sampled_from(STAMPS) | JSON,
    "updated_at": st.sampled_from(STAMPS),
    "deleted_at": st.none() | st.sampled_from(STAMPS),
    "ended_at": JSON,
    "metadata": st.dictionaries(st.text(max_size=5), JSON, max_size=3) | JSON,
    "classifications": st.dictionaries(st.text(max_size=5), st.text(max_size=5) | JSON) | JSON,
    "facts": st.lists(st.text(max_size=5) | JSON, max_size=3) | JSON,
    "fact_rating_instruction": INSTRUCTION | JSON,
    "project_uuid": st.text(max_size=8),
    "from_the_future": JSON,
}
SESSIONS = st.fixed_dictionaries({}, optional=FIELD_VALUES)
PAGES = st.fixed_dictionaries(
    {},
    optional={
        "sessions": st.none() | st.lists(SESSIONS, max_size=3) | JSON,
        "total_count": st.integers() | JSON,
        "response_count": st.integers(),
    },
)


TEXT = st.text(max_size=5)
STAMP = st.sampled_from([*STAMPS, "0001-01-01T00:00:00Z"])
NUMBER = st.integers() | st.floats(allow_nan=False) | st.booleans()
METADATA = st.dictionaries(TEXT, JSON, max_size=3) | JSON


def _object(**fields: Any) -> Any:
    """JSON objects with some of ``fields``, each right-typed or any JSON, plus an unknown key."""
    return st.fixed_dictionaries(
        {}, optional={**{key: value | JSON for key, value in fields.items()}, "new_key": JSON}
    )


MESSAGE = _object(
    content=TEXT,
    role_type=st.sampled_from(["user", "assistant", "robot"]),
    role=TEXT,
    uuid=TEXT,
    created_at=STAMP,
    updated_at=STAMP,
    metadata=METADATA,
    token_count=st.integers(),
    processed=st.booleans(),
)
FACT = _object(
    uuid=TEXT,
    content=TEXT,
    fact=TEXT,
    created_at=STAMP,
    rating=NUMBER,
    valid_at=STAMP,
    source_node_name=TEXT,
)
SUMMARY = _object(
    uuid=TEXT,
    content=TEXT,
    created_at=STAMP,
    metadata=METADATA,
    related_message_uuids=st.lists(TEXT | JSON, max_size=3),
    token_count=st.integers(),
)
USER = _object(
    uuid=TEXT,
    id=st.integers(),
    user_id=TEXT,
    email=TEXT,
    metadata=METADATA,
    created_at=STAMP,
    session_count=st.integers(),
    fact_rating_instruction=INSTRUCTION,
)


def _items(item: Any) -> Any:
    return st.none() | st.lists(item, max_size=3)


MODELS: list[tuple[type[Any], Any]] = [
    (Message, MESSAGE),
    (Fact, FACT),
    (Summary, SUMMARY),
    (User, USER),
    (
        Memory,
        _object(
            context=TEXT,
            messages=_items(MESSAGE),
            relevant_facts=_items(FACT),
            facts=st.lists(TEXT, max_size=2),
            summary=SUMMARY,
            metadata=METADATA,
        ),
    ),
    (MessageListResponse, _object(messages=_items(MESSAGE), total_count=st.integers())),
    (UserListResponse, _object(users=_items(USER), row_count=st.integers())),
    (EndSessionsResponse, _object(sessions=_items(SESSIONS))),
    (
        EndSessionResponse,
        _object(classification=_object(**{"class": TEXT, "label": TEXT}), session=SESSIONS),
    ),
    (
        SessionSearchResponse,
        _items(_object(fact=FACT, message=MESSAGE, score=NUMBER, summary=SUMMARY)).map(
            lambda results: {"results": results}
        ),
    ),
    (MemorySearchResult, _object(message=MESSAGE, metadata=METADATA, score=NUMBER)),
    (SuccessResponse, _object(message=TEXT)),
    (AddMemoryResponse, _object(context=TEXT)),
    # Issue 26's answers.
    (FactResponse, _object(fact=FACT)),
    (FactsResponse, _object(facts=_items(FACT))),
    (SummaryListResponse, _object(summaries=_items(SUMMARY), row_count=st.integers())),
    (Question, _object(question=TEXT)),
    (
        UserNodeResponse,
        _object(
            node=_object(
                uuid=TEXT,
                name=TEXT,
                summary=TEXT,
                created_at=STAMP,
                labels=st.lists(TEXT, max_size=2),
                attributes=METADATA,
                score=NUMBER,
            )
        ),
    ),
]


def _outcome(structure: Any, data: dict[str, Any]) -> object:
    try:
        return structure(data)
    except Exception:  # cattrs' errors, ours: only whether it was refused matters here
        return "refused"


def test_every_model_has_afast_function() -> None:
    """The models are plain enough for generated code, which builds what cattrs builds."""
    fast = fast_function(SessionListResponse)
    assert fast is not None
    data = {
        "sessions": [
            {
                "uuid": "u",
                "id": 1,
                "created_at": "2024-08-07T18:25:43.1+02:00",
                "facts": ["f"],
                "classifications": {"k": "v"},
                "fact_rating_instruction": {"instruction": "i", "examples": {"high": "h"}},
            }
        ],
        "total_count": 1,
    }
    assert fast(data) == _converters()[1].structure(data, SessionListResponse)


@pytest.mark.pure
@settings(max_examples=400, deadline=None)
@given(SESSIONS)
def test_session_decodes_as_cattrs_does(data: dict[str, Any]) -> None:
    """from_dict accepts exactly what cattrs accepts, and builds an equal Session."""
    expected = _outcome(lambda d: _converters()[1].structure(d, Session), data)
    assert _outcome(lambda d: from_dict(Session, d), data) == expected


@pytest.mark.pure
@settings(max_examples=200, deadline=None)
@given(PAGES)
def test_page_decodes_as_cattrs_does(data: dict[str, Any]) -> None:
    """The same for a page, sessions included, however mixed their shapes."""
    expected = _outcome(lambda d: _converters()[1].structure(d, SessionListResponse), data)
    assert _outcome(lambda d: from_dict(SessionListResponse, d), data) == expected


@pytest.mark.pure
@settings(max_examples=60, deadline=None)
@given(st.data())
def test_every_model_decodes_as_cattrs_does(data: st.DataObject) -> None:
    """For each v2 model, from_dict accepts exactly what cattrs accepts, and builds the same."""
    for cls, shapes in MODELS:
        value = data.draw(shapes, label=cls.__name__)
        expected = _outcome(lambda d, cls=cls: _converters()[1].structure(d, cls), value)
        assert _outcome(lambda d, cls=cls: from_dict(cls, d), value) == expected, cls.__name__


@pytest.mark.pure
@settings(max_examples=100, deadline=None)
@given(st.none() | st.lists(SESSIONS, max_size=3) | JSON)
def test_bare_arrays_decode_as_cattrs_does(data: Any) -> None:
    """from_dict(list[Session], ...) agrees with cattrs on any JSON, null being []."""
    expected = _outcome(lambda d: _converters()[1].structure(d, list[Session]), data)
    assert _outcome(lambda d: from_dict(list[Session], d), data) == expected


def test_every_response_model_has_afast_function() -> None:
    """Every response model gets generated code (the requests, with required fields, need not)."""
    slow = {
        name
        for name in models.__all__
        if isinstance(getattr(models, name), type) and fast_function(getattr(models, name)) is None
    }
    assert slow == {"ClassifySessionRequest", "NewFact"}


def test_containers_are_copied_as_cattrs_copies_them() -> None:
    """Lists and str-to-str maps are copies; arbitrary metadata is kept as decoded."""
    data: dict[str, Any] = {"facts": ["a"], "classifications": {"k": "v"}, "metadata": {"m": 1}}
    session = from_dict(Session, data)
    assert session.facts == ["a"]
    assert session.facts is not data["facts"]
    assert session.classifications is not data["classifications"]
    assert session.metadata is data["metadata"]


def test_cattrs_loads_only_when_needed() -> None:
    """import zep_async and decoding well-formed data do not load cattrs; an error does."""
    code = (
        "import sys, zep_async\n"
        "from zep_async._codec import decode\n"
        'decode(zep_async.Session, b\'{"id": 1, "created_at": "2024-08-07T18:25:43Z"}\')\n'
        "print('cattrs' in sys.modules)\n"
        "try:\n"
        "    zep_async.from_dict(zep_async.Session, {'id': 'seven'})\n"
        "except ValueError:\n"
        "    print('cattrs' in sys.modules)\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]
