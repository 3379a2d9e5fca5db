"""Round-2 attacks on the codec: a msgspec that is installed but broken at import.

A broken build (a wheel for another Python, a half-removed install) can fail at import
with an error other than ``ImportError``; the compiled decoder is optional, so the
call that first decodes must not fail over it.
"""

from __future__ import annotations

import subprocess
import sys

_BROKEN_IMPORT = """
import sys

class Broken:
    def find_spec(self, name, path=None, target=None):
        if name == "msgspec":
            raise RuntimeError("msgspec: broken build")
        return None

sys.modules.pop("msgspec", None)
sys.meta_path.insert(0, Broken())
from zep_async import Session
from zep_async._codec import _compiled, decode
s = decode(Session, b'{"session_id": "a"}')
print(_compiled.backend(), s.session_id)
"""


def test_a_msgspec_failing_at_import_falls_back_to_the_standard_path() -> None:
    """msgspec raising RuntimeError when imported: the first decode uses the standard path."""
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-X", "dev", "-W", "error", "-c", _BROKEN_IMPORT],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "standard a"
