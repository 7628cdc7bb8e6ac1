"""The simulators of the test process, served to worker processes over 127.0.0.1.

A worker process killed with SIGKILL must not take SAP, 1C or the mail server
with it: the simulators live in the test process, which reads their records
(``side_effects``, sent mail) at the end, and worker processes reach them through
``multiprocessing.managers`` proxies, one socket round trip per call::

    with SimulatorServer(world) as server:        # in the test
        ...  # start workers with server.address and server.authkey
    simulators = connect(address, authkey)         # in a worker process
    bootstrap(config, erp=simulators.erp, ...)

Only the port methods are served, so a worker cannot drive the world. Each call
can be slowed down (``delay``), which widens the window between an external write
and the commit that records it, and a :class:`Tripwire` can SIGKILL the calling
worker right after its n-th write was done and before the reply leaves: the
crash equivalent of a lost reply.

Every socket sends at once (TCP_NODELAY): multiprocessing writes a message over
16 KiB (an invoice PDF), and the end of its handshake, in two writes, and Nagle's
algorithm would hold the second one 40 ms, waiting for a delayed ACK.

Domain errors (``Unavailable``, ``Rejected``, ...) cannot be unpickled as they are
(their ``__init__`` takes other arguments than ``args``), so the server pickles
them by state (:func:`picklable_domain_errors`) and the client gets the same type.
"""

from __future__ import annotations

import copyreg
import os
import secrets
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection, answer_challenge, deliver_challenge
from multiprocessing.managers import BaseManager, BaseProxy, Server, listener_client
from types import TracebackType
from typing import Any

import attrs

from b2bcore.bootstrap import InMemoryWorld
from b2bcore.domain.errors import DomainError
from b2bcore.ports import (
    Accounting,
    CompanyLookup,
    DocumentManagement,
    DocumentStorage,
    Erp,
    Mailer,
)

PORTS: dict[str, type] = {
    "erp": Erp,
    "ledger": Accounting,
    "mailer": Mailer,
    "companies": CompanyLookup,
    "edms": DocumentManagement,
    "documents": DocumentStorage,
}
"""The world's simulators a worker may call, by attribute of :class:`InMemoryWorld`."""


def port_methods(port: type) -> list[str]:
    return sorted(n for n, v in vars(port).items() if callable(v) and not n.startswith("_"))


# -- domain errors across the socket ------------------------------------------------


def _rebuild_error(cls: type[DomainError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


def _reduce_error(error: DomainError) -> tuple[Any, ...]:
    return _rebuild_error, (type(error), error.args, dict(error.__dict__))


def _domain_error_classes() -> list[type[DomainError]]:
    found: list[type[DomainError]] = []
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


@contextmanager
def picklable_domain_errors() -> Iterator[None]:
    """While inside, every DomainError pickles by its state, so it unpickles as itself."""
    classes = [c for c in _domain_error_classes() if c not in copyreg.dispatch_table]
    for cls in classes:
        copyreg.pickle(cls, _reduce_error)
    try:
        yield
    finally:
        for cls in classes:
            copyreg.dispatch_table.pop(cls, None)


def _no_delay(connection: Connection) -> None:
    """Send at once (see the module's docstring)."""
    with socket.fromfd(connection.fileno(), socket.AF_INET, socket.SOCK_STREAM) as duplicate:
        duplicate.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


# -- the server, in a thread of the test process --------------------------------------


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


@attrs.frozen(eq=False)
class _Served:
    """One simulator as the server calls it: the port's methods, slowed down and watched."""

    name: str
    target: object
    delay: float
    tripwire: Tripwire

    def __getattr__(self, method: str) -> Callable[..., Any]:
        call = getattr(self.target, method)

        def served(*args: Any, **kwargs: Any) -> Any:
            try:
                return call(*args, **kwargs)
            finally:
                if self.delay:
                    time.sleep(self.delay)
                self.tripwire.called(f"{self.name}.{method}")

        return served


class _ThreadedServer(Server):
    """A manager server in a thread: stops without exiting or resetting sys.stdout,
    which ``Server.serve_forever`` does."""

    def serve_in_background(self) -> None:
        self.stop_event = threading.Event()
        self._accepter = threading.Thread(target=self._accept, name="simulators", daemon=True)
        self._accepter.start()

    def _accept(self) -> None:
        while not self.stop_event.is_set():
            try:
                connection = self.listener.accept()
            except OSError:
                continue
            _no_delay(connection)
            threading.Thread(target=self.handle_request, args=(connection,), daemon=True).start()

    def stop(self) -> None:
        self.stop_event.set()
        # Wake the accepter blocked in accept(); the connection fails authentication.
        with socket.create_connection(self.address, timeout=5):
            pass
        self._accepter.join(timeout=5)
        self.listener.close()


class SimulatorServer:
    """Serves ``world``'s simulators on a free port of 127.0.0.1 while the block runs."""

    def __init__(self, world: InMemoryWorld, *, delay: float = 0.0) -> None:
        self.authkey = secrets.token_bytes(16)
        self.tripwire = Tripwire()
        registry = {
            name: (self._factory(name, getattr(world, name), delay), port_methods(port), None, None)
            for name, port in PORTS.items()
        }
        self._errors = picklable_domain_errors()
        self._server = _ThreadedServer(registry, ("127.0.0.1", 0), self.authkey, "pickle")
        self.address: tuple[str, int] = self._server.address

    def _factory(self, name: str, target: object, delay: float) -> Callable[[], _Served]:
        served = _Served(name=name, target=target, delay=delay, tripwire=self.tripwire)
        return lambda: served

    def __enter__(self) -> SimulatorServer:
        self._errors.__enter__()
        self._server.serve_in_background()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._server.stop()
        finally:
            self._errors.__exit__(exc_type, exc, tb)


# -- the client, in a worker process ------------------------------------------------------


def _no_delay_client(
    address: tuple[str, int], family: str | None = None, authkey: bytes | None = None
) -> Connection:
    """``multiprocessing.connection.Client`` with TCP_NODELAY before the handshake."""
    del family
    with socket.create_connection(address) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connection = Connection(sock.detach())
    if authkey is not None:
        answer_challenge(connection, authkey)
        deliver_challenge(connection, authkey)
    return connection


_SERIALIZER = "pickle-no-delay"
listener_client[_SERIALIZER] = (listener_client["pickle"][0], _no_delay_client)


def _proxy_type(name: str, methods: list[str]) -> type[BaseProxy]:
    def forward(method: str) -> Callable[..., Any]:
        def call(self: BaseProxy, /, *args: Any, **kwargs: Any) -> Any:
            return self._callmethod(method, args, kwargs)

        call.__name__ = method
        return call

    namespace: dict[str, Any] = {m: forward(m) for m in methods}
    return type(f"{name}Proxy", (BaseProxy,), {**namespace, "_exposed_": tuple(methods)})


class _Client(BaseManager):
    pass


for _name, _port in PORTS.items():
    _Client.register(_name, proxytype=_proxy_type(_name, port_methods(_port)))


@attrs.frozen
class Simulators:
    """Proxies of the served simulators, one per port."""

    erp: Erp
    ledger: Accounting
    mailer: Mailer
    companies: CompanyLookup
    edms: DocumentManagement
    documents: DocumentStorage


def connect(address: tuple[str, int], authkey: bytes) -> Simulators:
    client = _Client(address=address, authkey=authkey, serializer=_SERIALIZER)
    client.connect()
    return Simulators(**{name: getattr(client, name)() for name in PORTS})
