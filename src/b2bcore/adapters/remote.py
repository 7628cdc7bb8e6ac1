"""The simulators of one process, served to other processes over 127.0.0.1.

Worker processes of a test or a benchmark must share one SAP, 1C and mail server,
and a worker killed with SIGKILL must not take them with it: the simulators live
in the process that drives the world and reads their records at the end, and the
workers reach them through ``multiprocessing.managers`` proxies, one socket round
trip per call::

    with SimulatorServer(world) as server:          # in the driving process
        ...  # start workers with server.address and server.authkey
    simulators = connect(address, authkey)           # in a worker process
    bootstrap(config, **simulators.adapters())

Only the port methods are served, so a worker cannot drive the world. Each call
can be slowed down (``delay``) and watched (``after_call`` gets ``"erp.reserve"``
and the like once the call is done, before the reply leaves). Domain errors
pickle by their state (:meth:`~b2bcore.domain.errors.DomainError.__reduce__`),
so ``Unavailable`` raised by a simulator is raised to the worker as itself.

Every socket sends at once (TCP_NODELAY): multiprocessing writes a message over
16 KiB (an invoice PDF), and the end of its handshake, in two writes, and Nagle's
algorithm would hold the second one 40 ms, waiting for a delayed ACK.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections.abc import Callable
from multiprocessing import managers
from multiprocessing.connection import Connection, answer_challenge, deliver_challenge
from multiprocessing.managers import BaseManager, BaseProxy, Server
from types import TracebackType
from typing import Any, Protocol, cast

import attrs

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
"""The simulators a worker may call, by attribute of the world (``InMemoryWorld``)."""


class World(Protocol):
    """What is served: ``b2bcore.bootstrap.InMemoryWorld`` is one."""

    @property
    def erp(self) -> Erp: ...
    @property
    def ledger(self) -> Accounting: ...
    @property
    def mailer(self) -> Mailer: ...
    @property
    def companies(self) -> CompanyLookup: ...
    @property
    def edms(self) -> DocumentManagement: ...
    @property
    def documents(self) -> DocumentStorage: ...


def port_methods(port: type) -> list[str]:
    return sorted(n for n, v in vars(port).items() if callable(v) and not n.startswith("_"))


def _no_delay(connection: Connection) -> None:
    """Send at once (see the module's docstring)."""
    with socket.fromfd(connection.fileno(), socket.AF_INET, socket.SOCK_STREAM) as duplicate:
        duplicate.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


# -- the server, in a thread of the driving process -------------------------------------


@attrs.frozen(eq=False)
class _Served:
    """One simulator as the server calls it: the port's methods, slowed down and watched."""

    name: str
    target: object
    delay: float
    after_call: Callable[[str], None] | None

    def __getattr__(self, method: str) -> Callable[..., Any]:
        call = getattr(self.target, method)

        def served(*args: Any, **kwargs: Any) -> Any:
            try:
                return call(*args, **kwargs)
            finally:
                if self.delay:
                    time.sleep(self.delay)
                if self.after_call is not None:
                    self.after_call(f"{self.name}.{method}")

        return served


class _ThreadedServer(Server):
    """A manager server in a thread: stops without exiting or resetting sys.stdout,
    which ``Server.serve_forever`` does."""

    listener: Any  # set by Server.__init__; typeshed does not declare it

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
        with socket.create_connection(cast(tuple[str, int], self.address), timeout=5):
            pass
        self._accepter.join(timeout=5)
        self.listener.close()


class SimulatorServer:
    """Serves ``world``'s simulators on a free port of 127.0.0.1 while the block runs."""

    def __init__(
        self,
        world: World,
        *,
        delay: float = 0.0,
        after_call: Callable[[str], None] | None = None,
    ) -> None:
        self.authkey = secrets.token_bytes(16)
        registry: dict[str, tuple[Callable[..., Any], Any, dict[str, str], Any]] = {
            name: (
                self._factory(_Served(name, getattr(world, name), delay, after_call)),
                port_methods(port),
                {},
                None,
            )
            for name, port in PORTS.items()
        }
        self._server = _ThreadedServer(registry, ("127.0.0.1", 0), self.authkey, "pickle")
        self.address = cast(tuple[str, int], self._server.address)

    @staticmethod
    def _factory(served: _Served) -> Callable[[], _Served]:
        return lambda: served

    def __enter__(self) -> SimulatorServer:
        self._server.serve_in_background()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.stop()


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
_listeners: dict[str, Any] = managers.listener_client  # type: ignore[attr-defined]  # not in typeshed
_listeners[_SERIALIZER] = (_listeners["pickle"][0], _no_delay_client)


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

    def adapters(self) -> dict[str, Any]:
        """The proxies as ``bootstrap``'s keyword arguments."""
        return {
            "erp": self.erp,
            "accounting": self.ledger,
            "mailer": self.mailer,
            "company_lookup": self.companies,
            "edms": self.edms,
            "documents": self.documents,
        }


def connect(address: tuple[str, int], authkey: bytes) -> Simulators:
    client = _Client(address=address, authkey=authkey, serializer=_SERIALIZER)
    client.connect()
    return Simulators(**{name: getattr(client, name)() for name in PORTS})
