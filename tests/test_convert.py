"""JSON to models and back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from zep_async import (
    APIResponseValidationError,
    FactRatingExamples,
    FactRatingInstruction,
    Session,
    SessionListResponse,
    from_dict,
    to_dict,
)
from zep_async._codec import decode

FULL = {
    "uuid": "6f2c0e3c-2f6e-4b38-9a51-5a2b9d0f3a11",
    "id": 7,
    "session_id": "support/chat 42",
    "user_id": "user-1",
    "created_at": "2024-08-07T18:25:43.123456789Z",
    "updated_at": "2024-08-07T18:25:43-07:00",
    "deleted_at": None,
    "ended_at": "2024-08-08T00:00:00.1+05:30",
    "metadata": {"topic": "billing", "nested": {"n": [1, 2]}},
    "classifications": {"mood": "calm"},
    "facts": ["likes tea"],
    "fact_rating_instruction": {
        "instruction": "rate",
        "examples": {"high": "h", "medium": "m", "low": "l"},
    },
    "project_uuid": "0b9f3c1e-0000-4000-8000-000000000001",
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-08-07T18:25:43Z", datetime(2024, 8, 7, 18, 25, 43, tzinfo=UTC)),
        ("2024-08-07T18:25:43.1Z", datetime(2024, 8, 7, 18, 25, 43, 100000, tzinfo=UTC)),
        ("2024-08-07T18:25:43.123Z", datetime(2024, 8, 7, 18, 25, 43, 123000, tzinfo=UTC)),
        ("2024-08-07T18:25:43.123456Z", datetime(2024, 8, 7, 18, 25, 43, 123456, tzinfo=UTC)),
        (
            "2024-08-07T18:25:43.123456789-07:00",
            datetime(2024, 8, 7, 18, 25, 43, 123456, tzinfo=timezone(timedelta(hours=-7))),
        ),
        (
            "2024-08-07T18:25:43+05:30",
            datetime(2024, 8, 7, 18, 25, 43, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        ),
        ("2024-08-07T18:25:43", datetime(2024, 8, 7, 18, 25, 43, tzinfo=UTC)),
    ],
)
def test_timestamps_become_aware_datetimes(text: str, expected: datetime) -> None:
    """Every Go RFC 3339 form parses to an aware datetime with its offset kept."""
    created = from_dict(Session, {"created_at": text}).created_at
    assert created == expected
    assert created is not None
    assert created.utcoffset() == expected.utcoffset()


def test_full_session_decodes_every_field() -> None:
    """All documented fields land in the model, nested ones as models."""
    session = from_dict(Session, FULL)
    assert session.id == 7
    assert session.session_id == "support/chat 42"
    assert session.deleted_at is None
    assert session.metadata == {"topic": "billing", "nested": {"n": [1, 2]}}
    assert session.fact_rating_instruction == FactRatingInstruction(
        instruction="rate", examples=FactRatingExamples(high="h", medium="m", low="l")
    )


def test_missing_null_and_unknown_fields_are_tolerated() -> None:
    """An empty object, nulls everywhere and fields from the future all decode."""
    assert from_dict(Session, {}) == Session()
    assert from_dict(Session, dict.fromkeys(FULL)) == Session()
    assert from_dict(Session, {"session_id": "a", "brand_new": {"x": 1}}).session_id == "a"


def test_null_sessions_list_is_empty() -> None:
    """A page with sessions null or missing has an empty list, not None."""
    assert from_dict(SessionListResponse, {"sessions": None}).sessions == []
    assert from_dict(SessionListResponse, {}).sessions == []


def test_round_trip_through_to_dict() -> None:
    """to_dict gives JSON-compatible data that from_dict reads back to an equal model."""
    session = from_dict(Session, FULL)
    data = to_dict(session)
    assert data["created_at"] == "2024-08-07T18:25:43.123456+00:00"
    assert data["metadata"] == FULL["metadata"]
    assert from_dict(Session, data) == session
    page = SessionListResponse(sessions=[session], total_count=1, response_count=1)
    assert from_dict(SessionListResponse, to_dict(page)) == page


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"created_at": "yesterday"}, "$.created_at"),
        ({"created_at": 1723055143}, "$.created_at"),
        ({"id": "seven"}, "$.id"),
        ({"id": True}, "$.id"),
        ({"session_id": 42}, "$.session_id"),
        ({"metadata": [1, 2]}, "$.metadata"),
        ({"facts": "not a list"}, "$.facts"),
    ],
)
def test_wrong_shapes_name_the_field(data: dict[str, object], where: str) -> None:
    """A value of the wrong type is refused with its path in the message."""
    with pytest.raises(ValueError, match=r"\$") as info:
        from_dict(Session, data)
    assert where in str(info.value)


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[1, 2]", b"42", b'{"sessions": "abc"}', b'{"sessions": [1]}', b"\xff\xfe"],
)
def test_decode_raises_validation_error(body: bytes) -> None:
    """A 2xx body that is not JSON of the promised shape raises APIResponseValidationError."""
    with pytest.raises(APIResponseValidationError) as info:
        decode(SessionListResponse, body, status_code=200, request_id="req-1")
    error = info.value
    assert error.status_code == 200
    assert error.request_id == "req-1"
    assert error.errors
    assert "SessionListResponse" in str(error)
