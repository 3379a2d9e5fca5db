"""What runs: the scenarios, their contenders, and the counts of a full or quick run."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Counts:
    """Repetitions and sizes; ``full()`` is the published run, ``quick()`` the smoke run.

    The full run must stay under 15 minutes on 2 cores (about 11 on a quiet
    machine): the official SDK's 3,000 pages of 100 sessions alone take about 2
    minutes over 5 repetitions, so raw httpx (context only) runs in one async and
    one sync scenario. The two wall-time scenarios run 3 repetitions: the walk,
    whose ``prefetch=1`` side is 1,000 pages of 20 ms at least, and the fan-out,
    where the official client spends over 20 s of CPU per repetition. Cut to fit:
    the calls added by issues 19 and 26 run ``call_requests`` (1,000) requests each
    after ``call_warmup`` (100), and their pages of 100 messages or users
    ``page_requests`` (500), since the official client parses such a page in
    about 5 ms; the 1,000-message decode runs ``decode_iterations`` times like
    the sessions' one.
    """

    reps: int = 5
    requests: int = 3_000
    warmup: int = 150
    concurrency: int = 64
    threads: int = 8
    fanout: int = 1_000
    fanout_warmup: int = 100
    fanout_latency_ms: float = 200.0
    fanout_reps: int = 3
    walk_total: int = 100_000
    walk_messages: int = 20_000
    walk_reps: int = 3
    page_latency_ms: float = 20.0
    call_requests: int = 1_000
    call_warmup: int = 100
    page_requests: int = 500
    decode_page: int = 1_000
    decode_iterations: int = 10
    import_pairs: int = 10

    @classmethod
    def full(cls) -> Counts:
        """The counts of the published run (under 10 minutes on 2 cores)."""
        return cls()

    def reps_of(self, scenario: str) -> int:
        """Repetitions of a scenario: the wall-time ones, being steadier, run fewer."""
        walks = {"walk": self.walk_reps, "walk_messages": self.walk_reps}
        return {"fanout": self.fanout_reps, **walks}.get(scenario, self.reps)

    @classmethod
    def quick(cls) -> Counts:
        """Tiny counts: every code path once, in seconds (the fanout and walks twice)."""
        return cls(
            reps=1,
            requests=50,
            warmup=10,
            fanout=100,
            fanout_warmup=10,
            fanout_latency_ms=20.0,
            fanout_reps=2,
            walk_total=2_000,
            walk_messages=1_000,
            walk_reps=2,
            decode_iterations=2,
            import_pairs=2,
            call_requests=30,
            call_warmup=5,
            page_requests=20,
        )

    def as_dict(self) -> dict[str, Any]:
        """The counts, for the results file."""
        return asdict(self)


@dataclass(frozen=True)
class Scenario:
    """One measured situation and who competes in it."""

    name: str
    title: str
    metric: str
    contenders: tuple[str, ...]
    server: str | None = None
    spec: dict[str, Any] = field(default_factory=dict)

    @property
    def op(self) -> str:
        """The call measured (a key of ``benchmarks.contenders.OPS``)."""
        return str(self.spec.get("op", "get"))


#: Display names of the contenders.
LABELS = {
    "aiohttp": "raw aiohttp + json",
    "aiohttp_orjson": "raw aiohttp + orjson",
    "zep_async": "AsyncZep (ours)",
    "zep_async_json": "AsyncZep (ours), json only",
    "zep_async_orjson": "AsyncZep (ours), orjson, msgspec off",
    "zep_sync": "Zep (ours, sync)",
    "official_async": "official AsyncZep",
    "official_sync": "official Zep",
    "httpx_async": "raw httpx async",
    "httpx_sync": "raw httpx sync",
    "json": "json.loads only",
    "orjson": "orjson.loads only",
    "official": "official (pydantic)",
    "prefetch1": "prefetch=1",
    "default": "default prefetch",
    "python": "bare interpreter",
}

#: Units of the figures a scenario can report.
UNITS = {
    "cpu_us": "µs CPU/request",
    "req_s": "req/s",
    "rss_mb": "MB peak RSS",
    "wall_s": "s wall",
    "us_per_session": "µs CPU/item",
    "bytes_per_session": "bytes/session",
    "wall_ms": "ms wall",
    "cpu_ms": "ms CPU",
    "server_us": "µs server CPU/request",
    "server_util": "server busy fraction",
}

#: Raw aiohttp with the JSON library ours uses (the speedups are installed for the run),
#: ours, and the official client.
ASYNC3 = ("aiohttp_orjson", "zep_async", "official_async")
#: A page of 100: ours also with msgspec switched off (orjson and the standard path).
PAGE4 = ("aiohttp_orjson", "zep_async", "zep_async_orjson", "official_async")
#: list_sessions(100) with and without the speedups, each against raw aiohttp with the
#: same JSON library, and ours with orjson but msgspec off.
LIST5 = (
    "aiohttp",
    "aiohttp_orjson",
    "zep_async",
    "zep_async_orjson",
    "zep_async_json",
    "official_async",
)
#: The calls added by issue 19: (scenario, title, operation).
CALLS = (
    ("add_session", "memory.add_session, sequential", "add_session"),
    ("memory_add", "memory.add of 6 messages, sequential", "memory_add"),
    ("memory_get", "memory.get returning 6 messages, sequential", "memory_get"),
    ("messages100", "get_session_messages, a page of 100, sequential", "messages100"),
    ("users100", "user.list_ordered, a page of 100, sequential", "users100"),
    # Issue 26: one read and one write of the older calls, a smoke entry each.
    ("session_facts", "memory.get_session_facts returning 3 facts, sequential", "session_facts"),
    ("add_facts", "memory.add_session_facts of 2 facts, sequential", "add_facts"),
)


def scenarios(counts: Counts) -> list[Scenario]:
    """Every scenario of a run, in the order they run."""
    c = counts
    return [
        Scenario("get_seq", "get_session, sequential", "cpu_us", (*ASYNC3, "httpx_async"), "plain"),
        Scenario(
            "get_c64",
            f"get_session, concurrency {c.concurrency}",
            "cpu_us",
            ASYNC3,
            "plain",
            {"concurrency": c.concurrency},
        ),
        Scenario("list100", "list_sessions(page_size=100), sequential", "cpu_us", LIST5, "plain"),
        *(
            Scenario(
                name,
                title,
                "cpu_us",
                PAGE4 if name.endswith("100") else ASYNC3,
                "plain",
                {"op": op, "calls": True},
            )
            for name, title, op in CALLS
        ),
        # AsyncZep awaiting the same calls in one coroutine is the reference for the
        # cost of the sync facade's thread hop (issue 4).
        Scenario(
            "sync_t1",
            "sync get_session, 1 thread",
            "cpu_us",
            ("zep_sync", "official_sync", "httpx_sync", "zep_async"),
            "plain",
            {"threads": 1},
        ),
        Scenario(
            "sync_t8",
            f"sync get_session, {c.threads} threads",
            "cpu_us",
            ("zep_sync", "official_sync"),
            "plain",
            {"threads": c.threads},
        ),
        Scenario(
            "fanout",
            f"fan-out of {c.fanout:,} get_session, {c.fanout_latency_ms:g} ms latency",
            "wall_s",
            ASYNC3,
            "slow",
            {"connections": c.fanout},
        ),
        Scenario(
            "walk",
            f"iter_sessions over {c.walk_total:,} sessions, {c.page_latency_ms:g} ms per page",
            "wall_s",
            ("prefetch1", "default"),
            "pages",
        ),
        Scenario(
            "walk_messages",
            f"iter_session_messages over {c.walk_messages:,} messages, "
            f"{c.page_latency_ms:g} ms per page",
            "wall_s",
            ("prefetch1", "default"),
            "pages",
            {"kind": "messages"},
        ),
        Scenario(
            "decode",
            f"decode a {c.decode_page:,}-session page in process",
            "us_per_session",
            ("json", "orjson", "zep_async", "zep_async_orjson", "zep_async_json", "official"),
        ),
        Scenario(
            "decode_messages",
            f"decode a {c.decode_page:,}-message page in process",
            "us_per_session",
            ("json", "orjson", "zep_async", "zep_async_orjson", "zep_async_json", "official"),
            spec={"kind": "messages"},
        ),
        Scenario(
            "memory",
            "memory held per decoded session (tracemalloc)",
            "bytes_per_session",
            ("json", "zep_async", "official"),
        ),
        Scenario(
            "import",
            "import time, whole process (python -c 'import ...')",
            "wall_ms",
            ("python", "zep_async", "official"),
        ),
    ]


def needs_official(contender: str) -> bool:
    """Whether the contender runs under the official SDK's virtual environment."""
    return contender.startswith("official")


def needs_orjson(contender: str) -> bool:
    """Whether the contender needs orjson (the speedups extra) in the bench environment."""
    return contender in ("aiohttp_orjson", "orjson")


def needs_httpx(contender: str) -> bool:
    """Whether the contender needs httpx in the bench environment."""
    return contender.startswith("httpx")
