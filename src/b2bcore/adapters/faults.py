"""Injected failures, shared by every simulator.

Integrators must be able to test their error paths (a timeout from SAP, a
refusal from DaData) without patching anything: a simulator's ``fail_next(n,
error)`` makes its next ``n`` port calls raise ``error``. The mechanism is the
same for every system, so it lives here once.

For failures nobody planned, wrap an adapter in its port's ``Flaky*`` class
with a :class:`RandomFaults`: each call then fails with a given probability,
before the system is reached or after it did the work, until switched off::

    faults = RandomFaults(rate=0.3, seed=1)
    app = bootstrap(world=world, erp=FlakyErp(world.erp, faults))
    ...
    faults.switch_off()  # SAP is back
"""

from __future__ import annotations

import enum
import random
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TypeVar

import attrs

from b2bcore.domain.client import Requisites
from b2bcore.domain.errors import Unavailable
from b2bcore.domain.identifiers import Bik, Inn, Kpp
from b2bcore.domain.order import DeliveryInterval
from b2bcore.ports.accounting import Accounting, IncomingPayment, InvoiceRecord
from b2bcore.ports.company_lookup import BankInfo, CompanyLookup
from b2bcore.ports.document_storage import DocumentStorage
from b2bcore.ports.edms import Contract, DocumentManagement
from b2bcore.ports.erp import Erp, ReservationLine, ReservationResult, ShipmentStatus
from b2bcore.ports.mail import EmailMessage, Mailer


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


# -- random faults on the way to a system -------------------------------------------

T = TypeVar("T")


class FaultTiming(enum.Enum):
    BEFORE = "before"
    """The request never reached the system: nothing happened there."""
    AFTER = "after"
    """The system did the work and the reply was lost: only the idempotency key saves us."""


# What a client sees in each case: a request that could not be sent, or a reply that never came.
_BEFORE_MESSAGES = ("connect timeout", "connection refused", "503 Service Unavailable")
_AFTER_MESSAGES = (
    "read timeout",
    "connection reset by peer",
    "502 Bad Gateway",
    "504 Gateway Timeout",
)


@attrs.frozen(kw_only=True)
class InjectedFault:
    system: str
    operation: str
    timing: FaultTiming


def _rate(_instance: object, _attribute: object, value: float) -> None:
    if not 0 <= value <= 1:
        raise ValueError("rate must be between 0 and 1")


@attrs.define(eq=False)
class RandomFaults:
    """Fails calls at random, as a network does, and reproducibly: one seeded coin per call.

    A call fails with probability ``rate`` by raising ``Unavailable`` (timeouts,
    5xx, resets: the messages vary), either *before* the call reaches the
    system or *after* it returned, so the side effect happened but its reply
    was lost; each as often as the other, or only those in ``timings``.
    :meth:`switch_off` lets every call through from then on, for a test to let
    the systems recover and drain. One instance may drive several wrappers;
    :attr:`injected` lists what it did, in order.
    """

    rate: float = attrs.field(validator=_rate)
    seed: int | None = None
    timings: tuple[FaultTiming, ...] = attrs.field(
        default=(FaultTiming.BEFORE, FaultTiming.AFTER),
        validator=attrs.validators.min_len(1),
    )
    _random: random.Random = attrs.field(init=False, repr=False)
    _enabled: bool = attrs.field(default=True, init=False)
    _injected: list[InjectedFault] = attrs.field(factory=list, init=False, repr=False)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, init=False, repr=False)

    @_random.default
    def _seeded(self) -> random.Random:
        return random.Random(self.seed)

    @property
    def enabled(self) -> bool:
        return self._enabled

    @property
    def injected(self) -> list[InjectedFault]:
        """Every failure raised so far, oldest first (a copy)."""
        with self._lock:
            return list(self._injected)

    def switch_off(self) -> None:
        """No more failures: the systems have recovered."""
        with self._lock:
            self._enabled = False

    def switch_on(self) -> None:
        with self._lock:
            self._enabled = True

    def call(self, system: str, operation: str, action: Callable[[], T]) -> T:
        """Run ``action`` (the call to the system), failing around it as the coin says."""
        fault = self._draw(system, operation)
        if fault is not None and fault[0] is FaultTiming.BEFORE:
            raise Unavailable(system, fault[1])
        result = action()
        if fault is not None:
            raise Unavailable(system, fault[1])
        return result

    def _draw(self, system: str, operation: str) -> tuple[FaultTiming, str] | None:
        with self._lock:
            if not self._enabled or self._random.random() >= self.rate:
                return None
            timing = self._random.choice(self.timings)
            messages = _BEFORE_MESSAGES if timing is FaultTiming.BEFORE else _AFTER_MESSAGES
            message = self._random.choice(messages)
            self._injected.append(InjectedFault(system=system, operation=operation, timing=timing))
        return timing, f"{message} ({operation})"


# One small class per port rather than one __getattr__ proxy: mypy checks each against its
# Protocol, and the simulator's own methods for driving the world (set_stock, pay, ship)
# stay out of reach, so a test's setup never fails by chance.


@attrs.frozen
class FlakyErp:
    """An :class:`~b2bcore.ports.erp.Erp` whose calls fail as ``faults`` decides."""

    erp: Erp
    faults: RandomFaults
    system: str = "sap"

    def stock(self, skus: Sequence[str]) -> Mapping[str, int]:
        return self.faults.call(self.system, "stock", lambda: self.erp.stock(skus))

    def reserve(
        self, *, key: str, order_number: str, customer: str, lines: Sequence[ReservationLine]
    ) -> ReservationResult:
        return self.faults.call(
            self.system,
            "reserve",
            lambda: self.erp.reserve(
                key=key, order_number=order_number, customer=customer, lines=lines
            ),
        )

    def release(self, *, key: str, reference: str) -> None:
        self.faults.call(
            self.system, "release", lambda: self.erp.release(key=key, reference=reference)
        )

    def delivery_intervals(self, *, reference: str, address: str) -> Sequence[DeliveryInterval]:
        return self.faults.call(
            self.system,
            "delivery_intervals",
            lambda: self.erp.delivery_intervals(reference=reference, address=address),
        )

    def request_transport(
        self, *, key: str, reference: str, interval: DeliveryInterval, address: str
    ) -> str:
        return self.faults.call(
            self.system,
            "request_transport",
            lambda: self.erp.request_transport(
                key=key, reference=reference, interval=interval, address=address
            ),
        )

    def shipment_status(self, transport_reference: str) -> ShipmentStatus:
        return self.faults.call(
            self.system, "shipment_status", lambda: self.erp.shipment_status(transport_reference)
        )


@attrs.frozen
class FlakyAccounting:
    """An :class:`~b2bcore.ports.accounting.Accounting` whose calls fail as ``faults`` decides."""

    accounting: Accounting
    faults: RandomFaults
    system: str = "1c"

    def register_invoice(self, *, key: str, invoice: InvoiceRecord) -> str:
        return self.faults.call(
            self.system,
            "register_invoice",
            lambda: self.accounting.register_invoice(key=key, invoice=invoice),
        )

    def payments_since(self, since: datetime) -> Sequence[IncomingPayment]:
        return self.faults.call(
            self.system, "payments_since", lambda: self.accounting.payments_since(since)
        )

    def annul_invoice(self, *, key: str, invoice_number: str) -> None:
        self.faults.call(
            self.system,
            "annul_invoice",
            lambda: self.accounting.annul_invoice(key=key, invoice_number=invoice_number),
        )


@attrs.frozen
class FlakyMailer:
    """A :class:`~b2bcore.ports.mail.Mailer` whose sends fail as ``faults`` decides."""

    mailer: Mailer
    faults: RandomFaults
    system: str = "smtp"

    def send(self, message: EmailMessage) -> None:
        self.faults.call(self.system, "send", lambda: self.mailer.send(message))


@attrs.frozen
class FlakyCompanyLookup:
    """A :class:`~b2bcore.ports.company_lookup.CompanyLookup` whose lookups fail at random."""

    lookup: CompanyLookup
    faults: RandomFaults
    system: str = "dadata"

    def find_party(self, inn: Inn, kpp: Kpp | None = None) -> list[Requisites]:
        return self.faults.call(self.system, "find_party", lambda: self.lookup.find_party(inn, kpp))

    def find_bank(self, bik: Bik) -> BankInfo | None:
        return self.faults.call(self.system, "find_bank", lambda: self.lookup.find_bank(bik))


@attrs.frozen
class FlakyDocumentManagement:
    """A :class:`~b2bcore.ports.edms.DocumentManagement` whose calls fail at random."""

    edms: DocumentManagement
    faults: RandomFaults
    system: str = "edms"

    def register_counterparty(self, *, key: str, requisites: Requisites) -> str:
        return self.faults.call(
            self.system,
            "register_counterparty",
            lambda: self.edms.register_counterparty(key=key, requisites=requisites),
        )

    def contract_for(self, counterparty_id: str) -> Contract | None:
        return self.faults.call(
            self.system, "contract_for", lambda: self.edms.contract_for(counterparty_id)
        )


@attrs.frozen
class FlakyDocumentStorage:
    """A :class:`~b2bcore.ports.document_storage.DocumentStorage` failing at random."""

    storage: DocumentStorage
    faults: RandomFaults
    system: str = "storage"

    def put(self, *, name: str, content_type: str, data: bytes) -> str:
        return self.faults.call(
            self.system,
            "put",
            lambda: self.storage.put(name=name, content_type=content_type, data=data),
        )

    def get(self, key: str) -> bytes:
        return self.faults.call(self.system, "get", lambda: self.storage.get(key))
