"""Models work with pydantic v2 and FastAPI, and import neither unless asked."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, TypeAdapter, ValidationError

import zep_async
from zep_async import FactRatingInstruction, Session, SessionListResponse, from_dict, to_dict
from zep_async._pydantic import model_classes, to_json

MODELS = model_classes(zep_async.models)

SESSION = Session(
    uuid="3f1c",
    id=7,
    session_id="support-chat-42",
    user_id="user-0002",
    created_at=datetime(2026, 11, 30, 9, 15, 0, 123456, tzinfo=UTC),
    updated_at=datetime(2026, 11, 30, 11, 0, tzinfo=timezone(timedelta(hours=2))),
    metadata={"plan": "pro", "tags": ["a", "b"], "n": 1.5},
    classifications={"intent": "billing"},
    facts=["likes tea"],
    fact_rating_instruction=FactRatingInstruction(instruction="rate it"),
)


class Digest(BaseModel):
    """A pydantic model of the application's own that holds SDK models."""

    title: str
    sessions: list[Session]
    page: SessionListResponse | None = None


def _client() -> TestClient:
    app = FastAPI()

    @app.get("/plain")
    def plain():  # type: ignore[no-untyped-def]  # no annotation: jsonable_encoder
        return SESSION

    @app.get("/annotated")
    def annotated() -> Session:
        return SESSION

    @app.get("/response-model", response_model=Session)
    def response_model() -> Any:
        return SESSION

    @app.get("/from-dict", response_model=Session)
    def from_a_dict() -> Any:
        return to_dict(SESSION)

    @app.get("/list")
    def listed() -> list[Session]:
        return [SESSION, Session(session_id="empty")]

    @app.get("/list-model", response_model=list[Session])
    def listed_model() -> Any:
        return [SESSION, to_dict(Session(session_id="empty"))]

    @app.get("/page")
    def page() -> SessionListResponse:
        return SessionListResponse(sessions=[SESSION], total_count=1, response_count=1)

    @app.get("/digest")
    def digest() -> Digest:
        return Digest(title="today", sessions=[SESSION])

    @app.post("/echo")
    def echo(body: Digest) -> Digest:
        assert all(isinstance(session, Session) for session in body.sessions)
        return body

    return TestClient(app)


@pytest.fixture(scope="module")
def client() -> TestClient:
    """One FastAPI app with an endpoint per way of returning a model."""
    return _client()


@pytest.mark.parametrize("path", ["/plain", "/annotated", "/response-model", "/from-dict"])
def test_endpoint_returns_the_api_json(client: TestClient, path: str) -> None:
    """A Session returned by an endpoint is sent as to_dict writes it, however declared."""
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert response.json() == to_dict(SESSION)
    assert response.json()["created_at"] == "2026-11-30T09:15:00.123456+00:00"


@pytest.mark.parametrize("path", ["/list", "/list-model"])
def test_list_of_models_is_returned(client: TestClient, path: str) -> None:
    """A list[Session] return annotation or response_model sends a JSON array of sessions."""
    assert client.get(path).json() == [to_dict(SESSION), to_dict(Session(session_id="empty"))]


def test_nested_models_are_returned(client: TestClient) -> None:
    """A page model and a pydantic model with a list[Session] field serialize all the way down."""
    page = client.get("/page").json()
    assert page["sessions"] == [to_dict(SESSION)]
    assert page["total_count"] == 1
    assert client.get("/digest").json() == {
        "title": "today",
        "sessions": [to_dict(SESSION)],
        "page": None,
    }


def test_request_body_builds_models(client: TestClient) -> None:
    """A JSON body is validated into Session instances and echoed unchanged."""
    body = {"title": "in", "sessions": [to_dict(SESSION)], "page": {"sessions": None}}
    response = client.post("/echo", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["sessions"] == [to_dict(SESSION)]
    assert response.json()["page"]["sessions"] == []  # null is [], as from_dict reads it


def test_bad_request_body_is_a_422_naming_the_field(client: TestClient) -> None:
    """A body that from_dict refuses becomes FastAPI's 422 with the field in the message."""
    body = {"title": "in", "sessions": [{"session_id": 42}]}
    response = client.post("/echo", json=body)
    assert response.status_code == 422
    assert "session_id" in response.text


def test_openapi_describes_the_models(client: TestClient) -> None:
    """The OpenAPI document has each model's fields, types, nullability and nesting."""
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    session = schemas["Session"]
    assert set(session["properties"]) == {field.name for field in attrs.fields(Session)}
    assert "required" not in session
    created = session["properties"]["created_at"]
    assert {"type": "string", "format": "date-time"} in created["anyOf"]
    assert {"type": "null"} in created["anyOf"]
    assert {"type": "integer"} in session["properties"]["id"]["anyOf"]
    assert session["properties"]["session_id"]["description"] == (
        "The caller's own id for the session."
    )
    rating = session["properties"]["fact_rating_instruction"]["anyOf"]
    assert {"$ref": "#/components/schemas/FactRatingInstruction"} in rating
    assert schemas["SessionListResponse"]["properties"]["sessions"]["items"] == {
        "$ref": "#/components/schemas/Session"
    }
    assert schemas["Digest"]["properties"]["sessions"]["items"] == {
        "$ref": "#/components/schemas/Session"
    }
    assert "FactRatingExamples" in schemas


def test_openapi_points_responses_at_the_models(client: TestClient) -> None:
    """Each endpoint's 200 response refers to the model it returns."""
    paths = client.get("/openapi.json").json()["paths"]

    def schema(path: str, method: str = "get") -> Any:
        return paths[path][method]["responses"]["200"]["content"]["application/json"]["schema"]

    assert schema("/annotated") == {"$ref": "#/components/schemas/Session"}
    assert schema("/response-model") == {"$ref": "#/components/schemas/Session"}
    assert schema("/list")["items"] == {"$ref": "#/components/schemas/Session"}
    assert schema("/list-model")["items"] == {"$ref": "#/components/schemas/Session"}
    assert schema("/page") == {"$ref": "#/components/schemas/SessionListResponse"}


def test_validation_passes_an_instance_through() -> None:
    """A model instance given to pydantic is kept as is, not rebuilt."""
    assert TypeAdapter(Session).validate_python(SESSION) is SESSION
    assert Digest(title="t", sessions=[SESSION]).sessions[0] is SESSION


def test_round_trip_through_pydantic() -> None:
    """dump(json) then validate gives an equal model; dump(json) is exactly to_dict."""
    adapter = TypeAdapter(list[Session])
    dumped = adapter.dump_python([SESSION], mode="json")
    assert dumped == [to_dict(SESSION)]
    assert adapter.validate_python(dumped) == [SESSION]
    assert adapter.validate_json(adapter.dump_json([SESSION])) == [SESSION]
    digest = Digest(title="t", sessions=[SESSION])
    assert Digest.model_validate_json(digest.model_dump_json()) == digest


def test_python_mode_dump_keeps_datetimes() -> None:
    """model_dump() gives plain dicts whose timestamps stay aware datetimes."""
    dumped = Digest(title="t", sessions=[SESSION]).model_dump()
    assert dumped["sessions"][0]["created_at"] == SESSION.created_at
    assert dumped["sessions"][0]["fact_rating_instruction"] == {
        "instruction": "rate it",
        "examples": None,
    }


def test_validation_follows_from_dict() -> None:
    """Pydantic refuses what from_dict refuses, with from_dict's message, and reads the rest."""
    adapter = TypeAdapter(Session)
    with pytest.raises(ValidationError, match=r"session_id"):
        adapter.validate_python({"session_id": 42})
    with pytest.raises(ValidationError, match=r"expected a JSON object"):
        adapter.validate_python("support-chat-42")
    raw = {"session_id": "s", "created_at": "2026-01-02T03:04:05.123456789Z", "extra": 1}
    assert adapter.validate_python(raw) == from_dict(Session, raw)


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
def test_every_model_has_a_schema_and_round_trips(cls: type[Any]) -> None:
    """Each model of zep_async.models: schema fields are its fields; dump/validate round trip."""
    adapter = TypeAdapter(cls)
    schema = adapter.json_schema()
    definition = schema["$defs"][cls.__name__] if "$ref" in schema else schema
    assert definition["title"] == cls.__name__
    assert adapter.json_schema(mode="serialization") == schema
    # The fields the schema calls required, filled with a value of the schema's type.
    samples = {"string": "x", "array": [], "integer": 1, "number": 0.5, "boolean": True}
    required = {
        name: samples[definition["properties"][name]["type"]]
        for name in definition.get("required", [])
    }
    model = from_dict(cls, required)
    assert list(definition["properties"]) == list(to_dict(model))
    assert adapter.dump_python(model, mode="json") == to_dict(model)
    assert adapter.validate_json(to_json(model)) == model
    assert adapter.validate_python(to_dict(model)) == model


def test_to_json_is_the_api_json_as_text() -> None:
    """to_json gives compact str JSON equal to to_dict, non-ASCII kept, indent on request."""
    session = Session(session_id="café", metadata={"ключ": "значение"})
    text = to_json(session)
    assert isinstance(text, str)
    assert json.loads(text) == to_dict(session)
    assert "café" in text
    assert ", " not in text
    assert to_json(session, indent=2).startswith('{\n  "uuid": null,')
    assert from_dict(Session, json.loads(to_json(SESSION))) == SESSION
    assert zep_async.to_json is to_json


def test_to_json_refuses_what_is_not_a_model() -> None:
    """A dict or other object is refused with a TypeError naming the parameter."""
    with pytest.raises(TypeError, match="model must be a zep_async model instance, got dict"):
        to_json({"session_id": "x"})


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_pydantic_is_not_imported_by_ordinary_use() -> None:
    """import zep_async, a call through a client, models, to_dict and to_json load no pydantic."""
    result = _run(
        """
        import sys
        import zep_async
        from zep_async import Session, Zep, from_dict, to_dict, to_json
        from zep_async.testing import LocalZep

        server = LocalZep()
        server.add_session("s1", user_id="u1")
        with server.run_in_thread(), Zep(api_key=server.api_key, base_url=server.base_url) as zep:
            session = zep.memory.get_session("s1")
            page = zep.memory.list_sessions(page_size=5)
        assert session.user_id == "u1" and page.sessions
        assert from_dict(Session, to_dict(session)) == session
        assert to_json(page)
        unwanted = {"pydantic", "pydantic_core", "fastapi"}
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in unwanted)
        print(loaded)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_fastapi_imported_after_zep_async_encodes_models_once_a_client_exists() -> None:
    """No annotation, zep_async imported first: building a client registers the encoder."""
    result = _run(
        """
        import sys
        import zep_async
        assert "fastapi" not in sys.modules
        from fastapi import FastAPI
        from fastapi.testclient import TestClient

        app = FastAPI()
        zep_async.AsyncZep(api_key="k")

        @app.get("/")
        def show():
            return zep_async.Session(session_id="late")

        print(TestClient(app).get("/").json()["session_id"])
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "late"


def test_importing_zep_async_leaves_the_import_system_alone() -> None:
    """No finder is added to sys.meta_path: the SDK never hooks other imports."""
    result = _run(
        """
        import sys
        before = list(sys.meta_path)
        import zep_async
        print(sys.meta_path == before)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
