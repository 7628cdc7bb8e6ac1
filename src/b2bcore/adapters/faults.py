"""Injected failures, shared by every simulator.

Integrators must be able to test their error paths (a timeout from SAP, a
refusal from DaData) without patching anything: a simulator's ``fail_next(n,
error)`` makes its next ``n`` port calls raise ``error``. The mechanism is the
same for every system, so it lives here once.
"""

from __future__ import annotations

import threading
from collections import deque

import attrs


@attrs.define(eq=False)
class FaultPlan:
    """A queue of errors the next port calls raise, one error per call."""

    _queue: deque[Exception] = attrs.field(factory=deque, init=False, repr=False)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, init=False, repr=False)

    def fail_next(self, n: int, error: Exception) -> None:
        """Make the next ``n`` calls raise ``error``; queued after any earlier plan."""
        if n < 0:
            raise ValueError("n must not be negative")
        with self._lock:
            self._queue.extend([error] * n)

    @property
    def pending(self) -> int:
        """How many calls are still going to fail."""
        with self._lock:
            return len(self._queue)

    def clear(self) -> None:
        """Forget every planned failure."""
        with self._lock:
            self._queue.clear()

    def check(self) -> None:
        """Raise the next planned error, if any; called first thing by each port method.

        The traceback is reset so that raising one instance several times does
        not grow a chain of stale frames.
        """
        with self._lock:
            if not self._queue:
                return
            error = self._queue.popleft()
        raise error.with_traceback(None)
