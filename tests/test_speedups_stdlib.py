"""The decoding and encoding suites again, orjson and msgspec off (the standard library path).

The rest of the suite runs with orjson when the dev extra installed it; these
are the same cases through ``json`` only, as a user without the speedups extra
gets them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.test_convert import *  # noqa: F403
from tests.test_convert_fast import *  # noqa: F403
from tests.test_encode import *  # noqa: F403
from zep_async._codec import _json, use_compiled


@pytest.fixture(autouse=True)
def _stdlib_json() -> Iterator[None]:
    _json.use_orjson(False)
    use_compiled(False)
    assert _json.backend() == "json"
    yield
    _json.use_orjson(None)
    use_compiled(None)
