"""What a call tells its watchers: the SDK's hooks and a ``with_raw_response`` recorder.

The transport makes a ``CallWatch`` only for a call that has hooks or a recorder,
so an ordinary call does none of this work.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from .._failures import cause
from .._failures import request_id as _request_id
from .._hooks import (
    AttemptEvent,
    CallEndEvent,
    CallStartEvent,
    Hooks,
    RetryEvent,
    emit,
    next_call_id,
)
from .._raw import _Recorder
from ..errors import APIStatusError, ZepError

__all__ = ["CallWatch"]


class CallWatch:
    """One call's watchers; its events share a ``call_id``."""

    __slots__ = ("call_id", "hooks", "method", "recorder", "started", "url")

    def __init__(
        self, hooks: Hooks | None, recorder: _Recorder | None, method: str, url: str
    ) -> None:
        self.hooks, self.recorder, self.method, self.url = hooks, recorder, method, url
        self.started = time.perf_counter()
        self.call_id = 0
        if hooks is not None:
            self.call_id = next_call_id()
            emit(
                hooks.on_call_start,
                CallStartEvent(call_id=self.call_id, method=method, url=url),
            )

    def attempt(self, attempt: int) -> None:
        """An attempt is about to be sent."""
        if self.hooks is not None and self.hooks.on_attempt is not None:
            event = AttemptEvent(
                call_id=self.call_id, method=self.method, url=self.url, attempt=attempt
            )
            emit(self.hooks.on_attempt, event)

    def retry(self, attempt: int, error: ZepError, delay: float) -> None:
        """Attempt ``attempt`` failed with ``error``; the next one starts after ``delay`` s."""
        if self.hooks is not None and self.hooks.on_retry is not None:
            event = RetryEvent(
                call_id=self.call_id,
                method=self.method,
                url=self.url,
                attempt=attempt,
                reason=cause(error),
                delay=delay,
                error=error,
            )
            emit(self.hooks.on_retry, event)

    def succeeded(self, status: int, headers: Mapping[str, str], attempts: int) -> None:
        """The call got its 2xx after ``attempts`` attempts."""
        elapsed = time.perf_counter() - self.started
        recorder = self.recorder
        if recorder is not None:
            recorder.status_code, recorder.headers, recorder.attempts = status, headers, attempts
            recorder.request_id, recorder.elapsed = _request_id(headers), elapsed
            recorder.method, recorder.url = self.method, self.url
        self._end(attempts, elapsed, status, None)

    def failed(self, error: BaseException, attempts: int) -> None:
        """The call raises ``error`` (ours, a cancellation, anything)."""
        status = error.status_code if isinstance(error, APIStatusError) else None
        self._end(attempts, time.perf_counter() - self.started, status, error)

    def _end(
        self, attempts: int, elapsed: float, status: int | None, error: BaseException | None
    ) -> None:
        if self.hooks is not None and self.hooks.on_call_end is not None:
            event = CallEndEvent(
                call_id=self.call_id,
                method=self.method,
                url=self.url,
                attempts=attempts,
                elapsed=elapsed,
                status_code=status,
                error=error,
            )
            emit(self.hooks.on_call_end, event)
