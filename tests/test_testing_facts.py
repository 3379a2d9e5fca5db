"""LocalZep's fact, summary, classify, extract and question routes, over raw HTTP (no SDK)."""

from __future__ import annotations

import json

from tests.local_zep_support import Api, ce, cloud, http_client, msg

__all__ = ["ce", "cloud", "http_client"]

UUID = "0b6f2f4e-3f65-4c51-9d4b-2a1f6c7d8e90"


async def test_add_facts_refuses_a_bad_body_and_stores_nothing(cloud: Api) -> None:
    """A missing, empty, oversized or malformed facts list is one 400, nothing stored."""
    cloud.server.add_session("s")
    for body in (
        {},
        {"facts": []},
        {"facts": "x"},
        {"facts": [{"fact": ""}]},
        {"facts": [{"fact": "ok"}, {"fact": 1}]},
        {"facts": [{"fact": "f"}] * 101},
    ):
        status, answer = await cloud("POST", "/sessions/{}/facts", "s", body=body)
        assert status == 400, body
        assert "fact" in answer["message"]
    assert cloud.server.facts("s") == []


async def test_min_rating_that_is_not_a_number_is_400(cloud: Api) -> None:
    """minRating must be a finite number."""
    cloud.server.add_session("s")
    for text in ("high", "nan", "inf"):
        status, _ = await cloud("GET", "/sessions/{}/facts", "s", minRating=text)
        assert status == 400, text


async def test_extract_refuses_a_schema_of_over_100_fields(cloud: Api) -> None:
    """Each field is a scan of the messages: a schema of 101 fields is refused, not slow."""
    cloud.server.add_session("s")
    schema = json.dumps({f"f{i}": {} for i in range(101)})
    status, answer = await cloud(
        "POST", "/sessions/{}/extract", "s", body={"last_n": 1, "model_schema": schema}
    )
    assert (status, answer["message"]) == (400, "bad request: model_schema has over 100 fields")


async def test_extract_field_names_are_text_not_patterns(cloud: Api) -> None:
    """A field named with regex syntax is matched literally."""
    cloud.server.add_session("s")
    cloud.server.add_messages("s", [msg("a.*(b: yes. axxb: no")])
    schema = json.dumps({"a.*(b": {}, "(": {}})
    status, answer = await cloud(
        "POST", "/sessions/{}/extract", "s", body={"last_n": 1, "model_schema": schema}
    )
    assert (status, answer) == (200, {"a.*(b": "yes"})


async def test_extract_needs_a_whole_number_last_n(cloud: Api) -> None:
    """last_n is required, at least 1, and not a bool."""
    cloud.server.add_session("s")
    for last_n in (None, 0, True, "1"):
        body = {"last_n": last_n, "model_schema": "{}"}
        status, _ = await cloud("POST", "/sessions/{}/extract", "s", body=body)
        assert status == 400, last_n


async def test_classify_needs_classes_and_a_name(cloud: Api) -> None:
    """classes must be a non-empty list of strings and name non-empty."""
    cloud.server.add_session("s")
    for body in ({"name": "n"}, {"classes": [], "name": "n"}, {"classes": ["a"]}):
        status, _ = await cloud("POST", "/sessions/{}/classify", "s", body=body)
        assert status == 400, body


async def test_question_needs_a_positive_last_n_messages(cloud: Api) -> None:
    """lastNMessages below 1, or not a number, is 400."""
    cloud.server.add_session("s")
    for text in ("0", "-1", "x"):
        status, _ = await cloud("GET", "/sessions/{}/synthesize_question", "s", lastNMessages=text)
        assert status == 400, text


async def test_ce_serves_only_the_fact_routes(ce: Api) -> None:
    """CE answers GET /facts/{uuid} in its shape and the DELETE with an empty 200."""
    ce.server.add_session("s")
    ce.server.add_fact("s", "f", uuid=UUID)
    assert await ce("GET", "/facts/{}", UUID) == (
        200,
        {"fact": {"uuid": UUID, "created_at": ce.server.facts("s")[0]["created_at"], "fact": "f"}},
    )
    status, body, _ = await ce.raw("DELETE", "/facts/{}", UUID)
    assert (status, body) == (200, b"")
    assert await ce("GET", "/facts/{}", UUID) == (404, {"message": "not found"})
    assert await ce("GET", "/sessions/{}/facts", "s") == (404, "404 page not found\n")


async def test_deleting_a_user_deletes_the_facts_of_its_sessions(cloud: Api) -> None:
    """A user's sessions go with the user, and their facts with them."""
    cloud.server.add_user("u")
    cloud.server.add_session("s", user_id="u")
    cloud.server.add_fact("s", "f", uuid=UUID)
    assert (await cloud("DELETE", "/users/{}", "u"))[0] == 200
    assert await cloud("GET", "/facts/{}", UUID) == (404, {"message": "not found"})


async def test_clear_forgets_facts(cloud: Api) -> None:
    """LocalZep.clear() empties the facts too."""
    cloud.server.add_session("s")
    cloud.server.add_fact("s", "f", uuid=UUID)
    cloud.server.clear()
    assert await cloud("GET", "/facts/{}", UUID) == (404, {"message": "not found"})
