"""LocalZep's route table: joined from the area modules' lists, in any order, checked when built."""

from __future__ import annotations

import pytest

from zep_async.testing._http import Answer, ok
from zep_async.testing._routing import Call, Route, RouteTable
from zep_async.testing._store import Store


def get_thing(store: Store, call: Call) -> Answer:
    """A stand-in handler."""
    return ok({})


def search_things(store: Store, call: Call) -> Answer:
    """A stand-in handler."""
    return ok([])


def delete_thing(store: Store, call: Call) -> Answer:
    """A stand-in handler."""
    return ok({})


def test_a_route_is_named_after_its_handler() -> None:
    """The route's name is its handler's, so a table entry repeats no name."""
    table = RouteTable([Route("GET", "/things/{sessionId}", get_thing)])
    assert (table.names, table.handlers) == (("get_thing",), {"get_thing": get_thing})


def test_a_literal_segment_wins_whatever_the_order() -> None:
    """/things/search is the search even when the {sessionId} route is listed first."""
    table = RouteTable(
        [
            Route("GET", "/things/{sessionId}", get_thing),
            Route("POST", "/things/search", search_things),
        ]
    )
    assert table.resolve("POST", "/api/v2/things/search", community=False).route == "search_things"
    found = table.resolve("GET", "/api/v2/things/search", community=False)
    assert (found.route, found.params) == ("get_thing", {"session_id": "search"})
    assert table.resolve("DELETE", "/api/v2/things/search", community=False).allowed == (
        "POST",
        "GET",
    )


def test_allow_lists_methods_in_one_order() -> None:
    """The methods of one path are offered GET first, DELETE last, however they are listed."""
    table = RouteTable(
        [
            Route("DELETE", "/things/{sessionId}", delete_thing),
            Route("GET", "/things/{sessionId}", get_thing),
        ]
    )
    assert table.resolve("PUT", "/api/v2/things/x", community=False).allowed == ("GET", "DELETE")


def test_a_cloud_only_route_is_missing_from_the_community_edition() -> None:
    """On CE a Cloud-only route is neither matched nor offered in Allow."""
    table = RouteTable([Route("GET", "/things/{sessionId}", get_thing, cloud_only=True)])
    assert table.cloud_only == {"get_thing"}
    assert table.resolve("GET", "/api/v2/things/x", community=False).route == "get_thing"
    ce = table.resolve("GET", "/api/v2/things/x", community=True)
    assert (ce.route, ce.allowed) == (None, ())


@pytest.mark.parametrize(
    ("routes", "message"),
    [
        ([Route("GET", "/a", get_thing), Route("GET", "/b", get_thing)], "share a name"),
        ([Route("GET", "/a", get_thing), Route("GET", "/a", delete_thing)], "a second route"),
        ([Route("FETCH", "/a", get_thing)], "no method"),
        ([Route("GET", "/things/{thingId}", get_thing)], r"\{thingId\} is not one of"),
        ([Route("GET", "things", get_thing)], "starts with /"),
        ([Route("GET", "/things//x", get_thing)], "no empty segment"),
    ],
)
def test_a_table_with_a_mistake_is_refused(routes: list[Route], message: str) -> None:
    """Two routes of one name or one method and path, a bad method, path or parameter."""
    with pytest.raises(ValueError, match=message):
        RouteTable(routes)
