"""``zep_async.checks``: the calls' own argument checks, public for code that checks early."""

from __future__ import annotations

import pytest

from zep_async import Message
from zep_async.checks import check_id, check_messages


def test_check_id_returns_a_good_id_unchanged() -> None:
    """An id with characters that need encoding is returned as given, not encoded."""
    assert check_id("session_id", "team/a b") == "team/a b"


@pytest.mark.parametrize(
    ("value", "error"), [("a\nb", ValueError), ("", ValueError), (7, TypeError)]
)
def test_check_id_refuses_what_a_call_refuses(value: object, error: type[Exception]) -> None:
    """A bad id raises the call's error, naming the parameter given."""
    with pytest.raises(error, match=r"^session_id"):
        check_id("session_id", value)


def test_check_messages_builds_messages_from_mappings() -> None:
    """Mappings with Message's keys come back as Message objects."""
    (message,) = check_messages([{"role_type": "user", "content": "Hi"}])
    assert message == Message(role_type="user", content="Hi")


def test_check_messages_names_the_item_under_the_name_given() -> None:
    """A bad item is named with the caller's name for the list, e.g. a line of input."""
    with pytest.raises(ValueError, match=r"^line 3\[0\]\.role_type"):
        check_messages([{"role_type": "robot", "content": "x"}], "line 3")
