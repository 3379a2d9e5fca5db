"""Models as FastAPI request bodies: which parameter forms read the body, and how.

FastAPI takes a parameter from the body only when its type is a BaseModel, a dataclass,
a mapping or a sequence; the models are attrs classes, so a bare ``body: Session`` is a
query parameter and ``Body()`` (or a list, or a field of a BaseModel) is needed. Every
form docs/fastapi.md lists is proven here, the bare one included.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, get_args

import pytest
from fastapi import Body, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

import zep_async
from zep_async import Message, RoleType, Session, to_dict
from zep_async._pydantic import model_classes

MESSAGE = {"content": "hi", "role_type": "user", "role": "Jane", "metadata": {"k": [1, 2]}}
SESSION = {"session_id": "s-1", "user_id": "u-1", "created_at": "2026-12-01T10:00:00+01:00"}


class AddMessages(BaseModel):
    """An application's own body model holding SDK models."""

    session_id: str
    messages: list[Message]


def _app() -> FastAPI:
    app = FastAPI()

    @app.post("/session-annotated")
    async def session_annotated(body: Annotated[Session, Body()]) -> Session:
        return body

    @app.post("/session-default")
    async def session_default(body: Session = Body()) -> Session:  # noqa: B008
        return body

    @app.post("/message-annotated")
    async def message_annotated(body: Annotated[Message, Body()]) -> Message:
        return body

    @app.post("/message-embedded")
    async def message_embedded(message: Annotated[Message, Body(embed=True)]) -> Message:
        return message

    @app.post("/messages")
    async def messages(body: list[Message]) -> list[Message]:
        return body

    @app.post("/own-model")
    async def own_model(body: AddMessages) -> AddMessages:
        return body

    @app.post("/session-bare")
    async def session_bare(body: Session) -> Session:
        return body

    @app.post("/session-count")
    async def session_count(body: Annotated[Session, Body()]) -> dict[str, int]:
        return {"metadata_keys": len(body.metadata or {})}

    return app


@pytest.fixture(scope="module")
def client() -> TestClient:
    """A TestClient of an app with one endpoint per parameter form."""
    return TestClient(_app(), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def openapi(client: TestClient) -> dict[str, Any]:
    """The app's /openapi.json."""
    document: dict[str, Any] = client.get("/openapi.json").json()
    return document


# (path, a valid body, what the endpoint echoes back, the requestBody schema)
FORMS = [
    pytest.param(
        "/session-annotated",
        SESSION,
        lambda r: r,
        {"$ref": "#/components/schemas/Session"},
        id="Annotated[Session, Body()]",
    ),
    pytest.param(
        "/session-default",
        SESSION,
        lambda r: r,
        {"$ref": "#/components/schemas/Session"},
        id="Session = Body()",
    ),
    pytest.param(
        "/message-annotated",
        MESSAGE,
        lambda r: r,
        {"$ref": "#/components/schemas/Message"},
        id="Annotated[Message, Body()]",
    ),
    pytest.param(
        "/message-embedded",
        {"message": MESSAGE},
        lambda r: {"message": r},
        None,
        id="Annotated[Message, Body(embed=True)]",
    ),
    pytest.param(
        "/messages",
        [MESSAGE, MESSAGE],
        lambda r: r,
        {"type": "array", "items": {"$ref": "#/components/schemas/Message"}, "title": "Body"},
        id="list[Message]",
    ),
    pytest.param(
        "/own-model",
        {"session_id": "s-1", "messages": [MESSAGE]},
        lambda r: r,
        {"$ref": "#/components/schemas/AddMessages"},
        id="BaseModel field list[Message]",
    ),
]


def _api_json(body: Any) -> Any:
    """What to_dict writes for the models in ``body``."""
    if isinstance(body, list):
        return [_api_json(item) for item in body]
    if "role_type" in body:
        return to_dict(zep_async.from_dict(Message, body))
    if "messages" in body:
        return {**body, "messages": _api_json(body["messages"])}
    if "message" in body:
        return {"message": _api_json(body["message"])}
    return to_dict(zep_async.from_dict(Session, body))


@pytest.mark.parametrize(("path", "body", "echoed", "schema"), FORMS)
def test_a_valid_body_is_read_into_models(
    client: TestClient, path: str, body: Any, echoed: Any, schema: Any
) -> None:
    """A POST with a valid JSON body is a 200 that returns the models as the API's JSON."""
    response = client.post(path, json=body)
    assert response.status_code == 200, response.text
    assert echoed(response.json()) == _api_json(body)


@pytest.mark.parametrize(("path", "body", "echoed", "schema"), FORMS)
def test_openapi_shows_the_request_body(
    openapi: dict[str, Any], path: str, body: Any, echoed: Any, schema: Any
) -> None:
    """/openapi.json has a required JSON requestBody for the form, pointing at the model."""
    operation = openapi["paths"][path]["post"]
    assert "parameters" not in operation
    request_body = operation["requestBody"]
    assert request_body["required"] is True
    shown = request_body["content"]["application/json"]["schema"]
    if schema is None:  # embedded: an object made by FastAPI, holding the model under its key
        embedded = openapi["components"]["schemas"][shown["$ref"].rsplit("/", 1)[1]]
        assert embedded["properties"]["message"] == {"$ref": "#/components/schemas/Message"}
    else:
        assert shown == schema


def _with_role_type(body: Any, role_type: object) -> Any:
    text = json.dumps(body).replace('"role_type": "user"', f'"role_type": {json.dumps(role_type)}')
    return json.loads(text)


MESSAGE_FORMS = [form for form in FORMS if "Message" in str(form.id)]


@pytest.mark.parametrize(("path", "body", "echoed", "schema"), MESSAGE_FORMS)
def test_a_role_type_outside_the_enumeration_is_a_422(
    client: TestClient, path: str, body: Any, echoed: Any, schema: Any
) -> None:
    """role_type "robot" is refused with a 422 that names the field and the allowed values."""
    response = client.post(path, json=_with_role_type(body, "robot"))
    assert response.status_code == 422
    assert "role_type" in response.text
    assert "'assistant'" in response.text


def test_the_schema_enumeration_is_what_validation_accepts(
    client: TestClient, openapi: dict[str, Any]
) -> None:
    """Every role_type the schema lists is accepted; near misses of them are refused."""
    field = openapi["components"]["schemas"]["Message"]["properties"]["role_type"]
    (listed,) = [option["enum"] for option in field["anyOf"] if "enum" in option]
    assert listed == list(get_args(RoleType))
    for role_type in listed:
        body = {"content": "x", "role_type": role_type}
        assert client.post("/message-annotated", json=body).status_code == 200, role_type
    for near in [r.upper() for r in listed] + [f" {listed[0]}", "", 1, True]:
        body = {"content": "x", "role_type": near}
        assert client.post("/message-annotated", json=body).status_code == 422, near


def test_a_missing_role_type_is_accepted_as_the_schema_says(client: TestClient) -> None:
    """role_type may be null or absent, as the schema's anyOf with null says."""
    for body in ({"content": "x"}, {"content": "x", "role_type": None}):
        response = client.post("/message-annotated", json=body)
        assert response.status_code == 200, response.text
        assert response.json()["role_type"] is None


def test_a_bare_model_parameter_is_a_query_parameter(
    client: TestClient, openapi: dict[str, Any]
) -> None:
    """FastAPI reads a bare `body: Session` from the query string: no request body, 422."""
    operation = openapi["paths"]["/session-bare"]["post"]
    assert "requestBody" not in operation
    assert [(p["name"], p["in"]) for p in operation["parameters"]] == [("body", "query")]
    response = client.post("/session-bare", json=SESSION)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "body"]


@pytest.mark.parametrize("raw", [b"[]", b'"text"', b"null", b"5", b"true"])
def test_a_body_that_is_not_an_object_is_a_422(client: TestClient, raw: bytes) -> None:
    """A JSON array, string, null, number or boolean for a Session body is a 422, not a 500."""
    response = client.post(
        "/session-count", content=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert "expected a JSON object" in response.text


@pytest.mark.parametrize(
    ("body", "place"),
    [
        ({"id": True}, "$.id"),
        ({"created_at": "2026-13-45T99:99:99Z"}, "$.created_at"),
        ({"fact_rating_instruction": {"examples": {"high": 5}}}, "$.fact_rating_instruction"),
        ({"metadata": ["not", "an", "object"]}, "$.metadata"),
    ],
)
def test_a_wrong_value_is_a_422_naming_its_place(
    client: TestClient, body: dict[str, Any], place: str
) -> None:
    """A value of the wrong type, nested or not, is a 422 whose message says where."""
    response = client.post("/session-count", json=body)
    assert response.status_code == 422
    assert place in response.json()["detail"][0]["msg"]


def test_a_nested_bad_role_type_names_its_index(client: TestClient) -> None:
    """In a list body, the refused message's index is in the error's location."""
    body = [MESSAGE, {**MESSAGE, "role_type": "robot"}]
    detail = client.post("/messages", json=body).json()["detail"]
    assert [error["loc"] for error in detail] == [["body", 1]]


def test_deep_metadata_is_read(client: TestClient) -> None:
    """Metadata nested 400 levels deep is validated without a RecursionError."""
    raw = b'{"metadata": ' + b'{"a":' * 400 + b"1" + b"}" * 401
    response = client.post(
        "/session-count", content=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"metadata_keys": 1}


def test_a_long_list_body_is_read(client: TestClient) -> None:
    """20,000 messages in one list body are all read and returned."""
    response = client.post("/messages", json=[MESSAGE] * 20_000)
    assert response.status_code == 200
    assert len(response.json()) == 20_000


def test_an_alias_or_unknown_key_in_a_body_is_ignored(client: TestClient) -> None:
    """uuid_ (zep-cloud's attribute name) and unknown keys are ignored, as in an answer."""
    body = {"session_id": "s", "uuid_": "x", "surprise": {"a": 1}}
    response = client.post("/session-annotated", json=body)
    assert response.status_code == 200
    assert response.json()["uuid"] is None
    assert "uuid_" not in response.json()
    assert "surprise" not in response.json()


_MARKUP = re.compile(r"`|:[a-z]+:`|\*\*")


def test_descriptions_in_openapi_are_plain_text(openapi: dict[str, Any]) -> None:
    """No model or field description in /openapi.json carries reST or Markdown markup."""
    texts: list[str] = []
    for schema in openapi["components"]["schemas"].values():
        texts.append(schema.get("description", ""))
        texts.extend(p.get("description", "") for p in schema.get("properties", {}).values())
    assert [text for text in texts if _MARKUP.search(text)] == []
    message = openapi["components"]["schemas"]["Message"]["properties"]["role_type"]
    assert message["description"] == 'Who wrote it, e.g. "user" or "assistant".'


@pytest.mark.parametrize("cls", model_classes(zep_async.models), ids=lambda c: c.__name__)
def test_every_model_schema_is_plain_text(cls: type[Any]) -> None:
    """Each model's own JSON schema (not only those of the app) is free of reST markup."""
    from pydantic import TypeAdapter

    schema = TypeAdapter(cls).json_schema()
    texts = [schema.get("description", "")]
    texts += [p.get("description", "") for p in schema.get("properties", {}).values()]
    assert [text for text in texts if _MARKUP.search(text)] == []
