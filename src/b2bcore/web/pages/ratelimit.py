"""Sign-in attempts per client IP, counted in the web layer (the accounts use cases
also throttle per email). A fixed window keeps it simple and bounded in memory."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

MAX_KEYS = 100_000


class AttemptLimiter:
    """At most ``attempts`` per ``window_seconds`` for one key; the next one waits."""

    def __init__(
        self,
        attempts: int,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._attempts = attempts
        self._window = window_seconds
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> int | None:
        """Count an attempt; None if allowed, else the seconds to wait."""
        now = self._clock()
        with self._lock:
            started, count = self._windows.get(key, (now, 0))
            if now - started >= self._window:
                started, count = now, 0
            if count >= self._attempts:
                return max(1, math.ceil(self._window - (now - started)))
            if len(self._windows) >= MAX_KEYS:
                self._forget_old(now)
            self._windows[key] = (started, count + 1)
            return None

    def _forget_old(self, now: float) -> None:
        for key, (started, _) in list(self._windows.items()):
            if now - started >= self._window:
                del self._windows[key]
        if len(self._windows) >= MAX_KEYS:
            self._windows.clear()
