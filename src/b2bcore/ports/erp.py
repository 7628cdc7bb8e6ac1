"""ERP: B2B-warehouse stock, reservation, delivery intervals, transport, shipment (SAP)."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

import attrs

from b2bcore.domain.order import DeliveryInterval


@attrs.frozen(kw_only=True)
class ReservationLine:
    sku: str
    quantity: int


@attrs.frozen(kw_only=True)
class Shortage:
    sku: str
    requested: int
    available: int


@attrs.frozen(kw_only=True)
class ReservationResult:
    """Either a reference (everything reserved) or the shortages (nothing reserved)."""

    reference: str | None
    shortages: tuple[Shortage, ...] = ()

    @property
    def ok(self) -> bool:
        return self.reference is not None


class ShipmentState(enum.Enum):
    PENDING = "pending"
    SHIPPED = "shipped"
    DELIVERED = "delivered"


@attrs.frozen(kw_only=True)
class ShipmentStatus:
    state: ShipmentState
    reference: str = ""
    at: datetime | None = None


class Erp(Protocol):
    """Every write is idempotent by ``key``: the same key returns the first result."""

    def stock(self, skus: Sequence[str]) -> Mapping[str, int]:
        """Available (unreserved) quantity per SKU on the B2B warehouse; unknown SKUs are 0."""
        ...

    def reserve(
        self, *, key: str, order_number: str, customer: str, lines: Sequence[ReservationLine]
    ) -> ReservationResult:
        """Reserve all lines or none."""
        ...

    def release(self, *, key: str, reference: str) -> None:
        """Give the reserved stock back; releasing twice is harmless."""
        ...

    def delivery_intervals(self, *, reference: str, address: str) -> Sequence[DeliveryInterval]:
        """Intervals the warehouse can deliver in, earliest first."""
        ...

    def request_transport(
        self, *, key: str, reference: str, interval: DeliveryInterval, address: str
    ) -> str:
        """Create the transport request (outbound delivery); returns its reference."""
        ...

    def shipment_status(self, transport_reference: str) -> ShipmentStatus: ...
