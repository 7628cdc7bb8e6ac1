"""An in-memory B2B warehouse that behaves like the SAP side of the case.

What it promises, because the order flow depends on it:

* ``reserve`` is all-or-nothing: short on any SKU, nothing is reserved and
  every short SKU is reported;
* every write is idempotent by key: a repeated key returns the first result
  (a shortage included) and changes nothing, and ``side_effects`` lists each
  write done for real once, so tests can prove "exactly once";
* reserved stock never exceeds stock on hand;
* a transport request stays PENDING until the test or the demo moves the goods
  with :meth:`ErpSimulator.ship` / :meth:`ErpSimulator.deliver` /
  :meth:`ErpSimulator.advance_all`.

Unknown references and broken requests raise ``Rejected("sap", ...)``, as the
real adapter does for an OData 4xx.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Literal

import attrs

from b2bcore.adapters.clock import SystemClock
from b2bcore.adapters.faults import FaultPlan
from b2bcore.adapters.sap.slots import business_day_intervals
from b2bcore.domain.errors import InvalidValue, Rejected
from b2bcore.domain.order import DeliveryInterval
from b2bcore.ports.clock import Clock
from b2bcore.ports.erp import (
    ReservationLine,
    ReservationResult,
    ShipmentState,
    ShipmentStatus,
    Shortage,
)

SYSTEM = "sap"
_PENDING = ShipmentStatus(state=ShipmentState.PENDING)


@attrs.define(eq=False)
class _Reservation:
    order_number: str
    customer: str
    lines: dict[str, int]
    state: Literal["held", "released", "shipped"] = "held"


@attrs.define(eq=False)
class _Transport:
    reservation: str
    interval: DeliveryInterval
    address: str
    status: ShipmentStatus = _PENDING


@attrs.frozen(kw_only=True)
class PendingShipment:
    """A transport request whose goods still wait in the warehouse."""

    transport_reference: str
    order_number: str
    customer: str
    interval: DeliveryInterval
    address: str


@attrs.define(eq=False, kw_only=True)
class ErpSimulator:
    """Stock, reservations, delivery slots and transport of one B2B warehouse."""

    clock: Clock = attrs.field(factory=SystemClock)
    days_ahead: int = 3
    holidays: frozenset[date] = frozenset()
    _on_hand: dict[str, int] = attrs.field(factory=dict, init=False)
    _reservations: dict[str, _Reservation] = attrs.field(factory=dict, init=False)
    _held_by_sku: dict[str, int] = attrs.field(factory=dict, init=False)
    """What the held reservations hold, kept as they change: a sum over every
    reservation ever made would make each reservation dearer than the last."""
    _transports: dict[str, _Transport] = attrs.field(factory=dict, init=False)
    _by_key: dict[tuple[str, str], object] = attrs.field(factory=dict, init=False)
    _effects: list[tuple[str, str]] = attrs.field(factory=list, init=False)
    _counters: dict[str, int] = attrs.field(factory=dict, init=False)
    _faults: FaultPlan = attrs.field(factory=FaultPlan, init=False)
    _lock: threading.RLock = attrs.field(factory=threading.RLock, init=False)

    # -- the world, as tests and the demo drive it ----------------------------------

    def set_stock(self, sku: str, quantity: int) -> None:
        """Set the quantity on hand; it may not fall below what is reserved."""
        with self._lock:
            held = self._reserved(sku)
            if quantity < held:
                raise InvalidValue("quantity", f"must not fall below the reserved {held}", quantity)
            self._on_hand[sku] = quantity

    def on_hand(self, sku: str) -> int:
        with self._lock:
            return self._on_hand.get(sku, 0)

    def reserved(self, sku: str) -> int:
        with self._lock:
            return self._reserved(sku)

    @property
    def side_effects(self) -> list[tuple[str, str]]:
        """``(operation, key)`` of each write done for real, in order."""
        with self._lock:
            return list(self._effects)

    def fail_next(self, n: int, error: Exception) -> None:
        """Make the next ``n`` port calls raise ``error`` (e.g. ``Unavailable``)."""
        self._faults.fail_next(n, error)

    def ship(self, transport_reference: str) -> ShipmentStatus:
        """Goods issue: the reserved stock leaves the warehouse. Shipping twice is harmless."""
        with self._lock:
            transport = self._transport(transport_reference)
            if transport.status.state is ShipmentState.PENDING:
                reservation = self._reservations[transport.reservation]
                if reservation.state != "held":
                    raise Rejected(SYSTEM, f"reservation {transport.reservation} was released")
                for sku, quantity in reservation.lines.items():
                    self._on_hand[sku] -= quantity
                self._leave_held(reservation, "shipped")
                transport.status = ShipmentStatus(
                    state=ShipmentState.SHIPPED, reference=self._next("SH"), at=self.clock.now()
                )
            return transport.status

    def deliver(self, transport_reference: str) -> ShipmentStatus:
        """The buyer received the goods (shipping them first if still pending)."""
        with self._lock:
            transport = self._transport(transport_reference)
            if transport.status.state is ShipmentState.PENDING:
                self.ship(transport_reference)
            if transport.status.state is ShipmentState.SHIPPED:
                transport.status = attrs.evolve(
                    transport.status, state=ShipmentState.DELIVERED, at=self.clock.now()
                )
            return transport.status

    def pending_shipments(self) -> list[PendingShipment]:
        """Transports :meth:`ship` would move now (their reservation still held)."""
        with self._lock:
            return [
                PendingShipment(
                    transport_reference=ref,
                    order_number=self._reservations[t.reservation].order_number,
                    customer=self._reservations[t.reservation].customer,
                    interval=t.interval,
                    address=t.address,
                )
                for ref, t in self._transports.items()
                if t.status.state is ShipmentState.PENDING
                and self._reservations[t.reservation].state == "held"
            ]

    def advance_all(self) -> list[str]:
        """Ship every pending transport whose reservation is still held; returns them."""
        with self._lock:
            due = [
                ref
                for ref, t in self._transports.items()
                if t.status.state is ShipmentState.PENDING
                and self._reservations[t.reservation].state == "held"
            ]
            for ref in due:
                self.ship(ref)
            return due

    # -- Erp ---------------------------------------------------------------------

    def stock(self, skus: Sequence[str]) -> Mapping[str, int]:
        self._faults.check()
        with self._lock:
            return {sku: self._on_hand.get(sku, 0) - self._reserved(sku) for sku in skus}

    def reserve(
        self, *, key: str, order_number: str, customer: str, lines: Sequence[ReservationLine]
    ) -> ReservationResult:
        self._faults.check()
        wanted: dict[str, int] = {}
        for line in lines:
            if line.quantity <= 0:
                raise Rejected(SYSTEM, f"quantity of {line.sku} must be positive")
            wanted[line.sku] = wanted.get(line.sku, 0) + line.quantity
        if not wanted:
            raise Rejected(SYSTEM, "a reservation needs at least one line")
        with self._lock:
            first = self._by_key.get(("reserve", key))
            if isinstance(first, ReservationResult):
                return first
            shortages = tuple(
                Shortage(sku=sku, requested=qty, available=available)
                for sku, qty in wanted.items()
                if (available := self._on_hand.get(sku, 0) - self._reserved(sku)) < qty
            )
            if shortages:
                result = ReservationResult(reference=None, shortages=shortages)
            else:
                reference = self._next("RS")
                self._reservations[reference] = _Reservation(
                    order_number=order_number, customer=customer, lines=wanted
                )
                for sku, quantity in wanted.items():
                    self._held_by_sku[sku] = self._held_by_sku.get(sku, 0) + quantity
                self._effects.append(("reserve", key))
                result = ReservationResult(reference=reference)
            self._by_key[("reserve", key)] = result
            return result

    def release(self, *, key: str, reference: str) -> None:
        self._faults.check()
        with self._lock:
            if ("release", key) in self._by_key:
                return
            reservation = self._reservation(reference)
            if reservation.state == "shipped":
                raise Rejected(SYSTEM, f"reservation {reference} has already shipped")
            if reservation.state == "released":
                return
            self._leave_held(reservation, "released")
            self._by_key[("release", key)] = reference
            self._effects.append(("release", key))

    def delivery_intervals(self, *, reference: str, address: str) -> Sequence[DeliveryInterval]:
        self._faults.check()
        if not address.strip():
            raise Rejected(SYSTEM, "a delivery address is required")
        with self._lock:
            self._held(reference)
            now = self.clock.now()
        return business_day_intervals(now, days=self.days_ahead, holidays=self.holidays)

    def request_transport(
        self, *, key: str, reference: str, interval: DeliveryInterval, address: str
    ) -> str:
        self._faults.check()
        if not address.strip():
            raise Rejected(SYSTEM, "a delivery address is required")
        with self._lock:
            first = self._by_key.get(("request_transport", key))
            if isinstance(first, str):
                return first
            self._held(reference)
            if interval.starts_at <= self.clock.now():
                raise Rejected(SYSTEM, f"delivery interval {interval.id} has already begun")
            taken = [ref for ref, t in self._transports.items() if t.reservation == reference]
            if taken:
                raise Rejected(SYSTEM, f"reservation {reference} already has transport {taken[0]}")
            transport_reference = self._next("TR")
            self._transports[transport_reference] = _Transport(
                reservation=reference, interval=interval, address=address
            )
            self._by_key[("request_transport", key)] = transport_reference
            self._effects.append(("request_transport", key))
            return transport_reference

    def shipment_status(self, transport_reference: str) -> ShipmentStatus:
        self._faults.check()
        with self._lock:
            return self._transport(transport_reference).status

    # -- internals (call with the lock held) ----------------------------------------

    def _reserved(self, sku: str) -> int:
        return self._held_by_sku.get(sku, 0)

    def _leave_held(self, reservation: _Reservation, state: Literal["released", "shipped"]) -> None:
        for sku, quantity in reservation.lines.items():
            self._held_by_sku[sku] -= quantity
        reservation.state = state

    def _next(self, prefix: str) -> str:
        self._counters[prefix] = self._counters.get(prefix, 0) + 1
        return f"{prefix}-{self._counters[prefix]:06d}"

    def _reservation(self, reference: str) -> _Reservation:
        try:
            return self._reservations[reference]
        except KeyError:
            raise Rejected(SYSTEM, f"unknown reservation {reference}") from None

    def _held(self, reference: str) -> _Reservation:
        reservation = self._reservation(reference)
        if reservation.state != "held":
            raise Rejected(SYSTEM, f"reservation {reference} is {reservation.state}")
        return reservation

    def _transport(self, reference: str) -> _Transport:
        try:
            return self._transports[reference]
        except KeyError:
            raise Rejected(SYSTEM, f"unknown transport request {reference}") from None
