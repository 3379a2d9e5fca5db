"""The fault script of LocalZep: canned answers and latency, queued per route.

Each route has two FIFO queues. An *outcome* (a canned response, a dropped
connection, a cut body, a stall) replaces the normal answer; a *latency* is
waited before answering, whatever the answer. A request takes at most one entry
from each queue, so ``delay`` combines with ``fail`` and the others. Not
thread-safe on its own: LocalZep guards every call with its lock.
"""

from __future__ import annotations

import enum
import math
from collections import deque
from dataclasses import dataclass, field

from ._routes import ROUTES


class Kind(enum.Enum):
    """What an outcome fault does with the request."""

    RESPOND = "respond"
    DROP = "drop"
    CUT = "cut"
    STALL = "stall"
    LATE = "late"


@dataclass(frozen=True)
class Outcome:
    """A scripted replacement for the normal answer."""

    kind: Kind
    status: int = 0
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    #: Handle the request normally first (a write is stored), then answer this way.
    after_applying: bool = False
    #: LATE: how long the real answer is held once the request is handled.
    hold: float = 0.0


@dataclass
class _Entry:
    value: Outcome | float
    remaining: int | None  # None: forever


@dataclass
class _RouteScript:
    outcomes: deque[_Entry] = field(default_factory=deque)
    latencies: deque[_Entry] = field(default_factory=deque)


def check_route(route: object) -> str:
    """Return ``route`` if it names a route, else raise ValueError."""
    if route not in ROUTES:
        raise ValueError(f"route must be one of {', '.join(sorted(ROUTES))}; got {route!r}")
    return route


def check_times(times: object, *, allow_none: bool = False) -> int | None:
    """Return ``times`` if it is a positive int (or None when allowed)."""
    if times is None and allow_none:
        return None
    if not isinstance(times, int) or isinstance(times, bool) or times < 1:
        raise ValueError(f"times must be an int >= 1, got {times!r}")
    return times


def check_seconds(seconds: object) -> float:
    """Return ``seconds`` as a float if it is a finite number >= 0."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise ValueError(f"seconds must be a number, got {seconds!r}")
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"seconds must be finite and >= 0, got {seconds!r}")
    return float(seconds)


class FaultScript:
    """Queued faults per route, consumed one per matching request."""

    def __init__(self) -> None:
        """Create an empty script."""
        self._routes = {route: _RouteScript() for route in ROUTES}

    def clear(self) -> None:
        """Forget every queued fault."""
        for script in self._routes.values():
            script.outcomes.clear()
            script.latencies.clear()

    def add_outcome(self, route: str, outcome: Outcome, times: int) -> None:
        """Queue ``outcome`` for the next ``times`` requests of ``route``."""
        self._routes[route].outcomes.append(_Entry(outcome, times))

    def add_latency(self, route: str, seconds: float, times: int | None) -> None:
        """Queue a wait of ``seconds`` for ``times`` requests (None: all of them)."""
        self._routes[route].latencies.append(_Entry(seconds, times))

    def take(self, route: str | None) -> tuple[float | None, Outcome | None]:
        """Consume what applies to one request of ``route``: (latency, outcome)."""
        if route is None:
            return None, None
        script = self._routes[route]
        latency = _pop(script.latencies)
        outcome = _pop(script.outcomes)
        assert latency is None or isinstance(latency, float)
        assert outcome is None or isinstance(outcome, Outcome)
        return latency, outcome


def _pop(queue: deque[_Entry]) -> Outcome | float | None:
    if not queue:
        return None
    entry = queue[0]
    if entry.remaining is not None:
        entry.remaining -= 1
        if entry.remaining == 0:
            queue.popleft()
    return entry.value
