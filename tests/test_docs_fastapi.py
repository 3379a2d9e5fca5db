"""The application on docs/fastapi.md works as the page says, driven by FastAPI's TestClient.

tests/test_docs_examples.py only runs the page's block (which defines the app); here the
app is started with its lifespan and its endpoints are called against a LocalZep.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.test_docs_examples import _python_blocks
from zep_async import Session, from_dict, to_dict
from zep_async.testing import LocalZep

PAGE = Path(__file__).resolve().parent.parent / "docs" / "fastapi.md"


def _block_with(marker: str) -> str:
    blocks = [code for _, code in _python_blocks(PAGE) if marker in code]
    assert len(blocks) == 1, f"docs/fastapi.md should hold exactly one block with {marker!r}"
    return blocks[0]


def _app_source() -> str:
    return _block_with("app = FastAPI(lifespan=lifespan)")


@pytest.fixture
def server() -> Iterator[LocalZep]:
    """A LocalZep with a few sessions of two users."""
    local = LocalZep()
    local.add_session("my-session-id", user_id="docs-user", metadata={"plan": "pro"})
    local.add_session("other", user_id="user-0002")
    local.seed(10, seed=3)
    with local.run_in_thread():
        yield local


@pytest.fixture
def app(server: LocalZep, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The page's application, its client configured from the environment as shown."""
    monkeypatch.setenv("ZEP_API_KEY", server.api_key)
    monkeypatch.setenv("ZEP_API_URL", server.root_url)
    namespace: dict[str, Any] = {"__name__": "docs_fastapi"}
    code = compile(_app_source(), str(PAGE), "exec", dont_inherit=True)  # not our __future__
    exec(code, namespace)  # noqa: S102
    return namespace["app"]


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    """A test client that runs the app's lifespan."""
    with TestClient(app) as test_client:
        yield test_client


def test_lifespan_opens_one_client_and_closes_it(app: Any) -> None:
    """The lifespan keeps one open AsyncZep on app.state and closes it at shutdown."""
    with TestClient(app) as test_client:
        test_client.get("/sessions/my-session-id")
        zep = app.state.zep
        test_client.get("/sessions/other")
        assert app.state.zep is zep
        assert not zep.closed
    assert zep.closed


def test_a_session_is_returned_as_the_api_json(client: TestClient, server: LocalZep) -> None:
    """GET /sessions/{id} answers with the session as to_dict writes it."""
    response = client.get("/sessions/my-session-id")
    assert response.status_code == 200, response.text
    stored = next(s for s in server.sessions if s["session_id"] == "my-session-id")
    assert response.json() == to_dict(from_dict(Session, stored))
    assert response.json()["metadata"] == {"plan": "pro"}


def test_a_page_and_a_pydantic_model_of_sessions(client: TestClient) -> None:
    """The list endpoint and the UserSessions model both carry full sessions."""
    page = client.get("/sessions", params={"page_size": 5}).json()
    assert len(page["sessions"]) == 5
    assert page["total_count"] == 12
    mine = client.get("/users/docs-user/sessions").json()
    assert mine["user_id"] == "docs-user"
    assert [s["session_id"] for s in mine["sessions"]] == ["my-session-id"]


def test_fastapi_refuses_bad_input_before_the_sdk_sees_it(
    client: TestClient, server: LocalZep
) -> None:
    """page_size=0 is FastAPI's 422; nothing is sent to Zep."""
    before = server.count()
    assert client.get("/sessions", params={"page_size": 0}).status_code == 422
    assert server.count() == before


def test_not_found_is_a_404(client: TestClient) -> None:
    """NotFoundError becomes 404 with the page's detail and Zep's request id field."""
    response = client.get("/sessions/no-such-session")
    assert response.status_code == 404
    assert response.json()["detail"] == "not found"
    assert "zep_request_id" in response.json()


def test_rate_limit_is_a_503_with_retry_after(client: TestClient, server: LocalZep) -> None:
    """A 429 that outlasts the retries becomes 503 with Zep's Retry-After passed on."""
    server.fail("get_session", 429, times=3, headers={"Retry-After": "0"})
    response = client.get("/sessions/my-session-id")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "0"


def test_an_upstream_failure_is_a_502_without_its_details(
    client: TestClient, server: LocalZep
) -> None:
    """A 503 from Zep that outlasts the retries becomes a 502 that leaks nothing of Zep's."""
    server.fail(
        "get_session", 503, times=3, headers={"Retry-After": "0"}, json={"message": "db down"}
    )
    response = client.get("/sessions/my-session-id")
    assert response.status_code == 502
    assert response.json()["detail"] == "the memory service failed"
    assert "db down" not in response.text
    assert server.api_key not in response.text


def test_a_wrong_key_is_a_502_not_a_401(
    app: Any, server: LocalZep, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's 401 for our key is never passed on as a 401 to our own client."""
    monkeypatch.setenv("ZEP_API_KEY", "wrong-key")
    with TestClient(app) as test_client:
        response = test_client.get("/sessions/my-session-id")
    assert response.status_code == 502
    assert "wrong-key" not in response.text


def test_openapi_lists_the_models(client: TestClient) -> None:
    """/openapi.json documents Session, SessionListResponse and UserSessions."""
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert {"Session", "SessionListResponse", "UserSessions"} <= set(schemas)
    assert schemas["UserSessions"]["properties"]["sessions"]["items"] == {
        "$ref": "#/components/schemas/Session"
    }


def _bodies_client() -> TestClient:
    """The page's request-body example, served by a TestClient."""
    namespace: dict[str, Any] = {"__name__": "docs_fastapi_bodies"}
    code = compile(_block_with("async def create_session("), str(PAGE), "exec", dont_inherit=True)
    exec(code, namespace)  # noqa: S102
    return TestClient(namespace["app"])


def test_the_request_body_example_reads_each_body() -> None:
    """The page's Body(), list and BaseModel forms each read the JSON body into models."""
    client = _bodies_client()
    message = {"content": "hi", "role_type": "user", "role": "Jane"}
    session = client.post("/sessions", json={"session_id": "s-1", "metadata": {"a": 1}})
    assert session.status_code == 200, session.text
    assert session.json() == to_dict(Session(session_id="s-1", metadata={"a": 1}))
    messages = client.post("/messages", json=[message])
    assert messages.status_code == 200, messages.text
    assert messages.json()[0]["role"] == "Jane"
    memory = client.post("/memory", json={"session_id": "s-1", "messages": [message]})
    assert memory.status_code == 200, memory.text
    assert memory.json()["messages"][0]["content"] == "hi"


def test_the_request_body_example_refuses_an_unlisted_role_type() -> None:
    """A role_type outside the schema's list is a 422 in each form of the page."""
    client = _bodies_client()
    bad = {"content": "hi", "role_type": "robot"}
    assert client.post("/messages", json=[bad]).status_code == 422
    assert client.post("/memory", json={"session_id": "s", "messages": [bad]}).status_code == 422
