"""The simulators of the test process, served to worker processes
(:mod:`b2bcore.adapters.remote`), with a tripwire for the crash test.

A :class:`Tripwire` can SIGKILL the calling worker right after its n-th write was
done and before the reply leaves: the crash equivalent of a lost reply.
"""

from __future__ import annotations

import os
import signal
import threading

import attrs

from b2bcore.adapters import remote
from b2bcore.adapters.remote import Simulators, connect

__all__ = ["WRITES", "SimulatorServer", "Simulators", "Tripwire", "connect"]

WRITES = frozenset(
    {
        "erp.reserve",
        "erp.release",
        "erp.request_transport",
        "ledger.register_invoice",
        "ledger.annul_invoice",
        "mailer.send",
        "documents.put",
    }
)
"""The calls that change something in a simulator."""


@attrs.define(eq=False)
class Tripwire:
    """Kills a worker process (SIGKILL) right after its n-th write to a simulator was
    done, before the reply is sent: the write happened, its commit never will."""

    _lock: threading.Lock = attrs.field(factory=threading.Lock, init=False)
    _pid: int | None = attrs.field(default=None, init=False)
    _calls_left: int = attrs.field(default=0, init=False)
    fired: list[str] = attrs.field(factory=list, init=False)
    """The write each kill came right after, e.g. ``erp.reserve``."""

    def arm(self, pid: int, *, after_writes: int) -> None:
        with self._lock:
            self._pid, self._calls_left = pid, after_writes

    def disarm(self) -> None:
        with self._lock:
            self._pid = None

    def called(self, name: str) -> None:
        with self._lock:
            if self._pid is None or name not in WRITES:
                return
            self._calls_left -= 1
            if self._calls_left > 0:
                return
            pid, self._pid = self._pid, None
            self.fired.append(name)
        os.kill(pid, signal.SIGKILL)


class SimulatorServer(remote.SimulatorServer):
    """The served simulators, each call watched by :attr:`tripwire`."""

    def __init__(self, world: remote.World, *, delay: float = 0.0) -> None:
        self.tripwire = Tripwire()
        super().__init__(world, delay=delay, after_call=self.tripwire.called)
