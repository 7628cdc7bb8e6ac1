"""The Erp port over SAP S/4HANA OData v2 APIs.

How the port maps onto SAP (paths and codes are :class:`SapSettings`):

* **stock** -- unrestricted stock of the B2B plant and storage location
  (``API_MATERIAL_STOCK_SRV/A_MatlStkInAcctMod``) less what open documents
  there already claim: confirmed quantities of sales-order items neither
  rejected nor delivered (``A_SalesOrderItem``) and quantities of outbound
  delivery items whose goods have not been issued (``A_OutbDeliveryItem``);
* **reserve** -- a sales order with one item per SKU, created only after the
  stock read shows every line available. SAP's availability check on the new
  order is the final word: another order may have taken the stock between the
  read and the create, and then SAP confirms less than requested. The adapter
  reads the confirmations back and, if any line falls short, rejects every item
  with ``shortage_rejection_reason`` and reports the shortages -- all or nothing;
* **release** -- every open item gets ``release_rejection_reason``; an
  outbound delivery whose goods have not left is deleted first. Releasing a
  released order changes nothing;
* **request_transport** -- an outbound delivery with reference to the order;
* **shipment_status** -- the delivery's goods movement (shipped) and proof of
  delivery (delivered) statuses;
* **delivery_intervals** -- the installation's slot service (a custom entity
  set with ``SlotID``, ``SlotStart``, ``SlotEnd``; see docs/integrations.md).

Idempotency: the order carries ``<order number>/<hash of the key>`` in
``PurchaseOrderByCustomer`` (configurable), so a retried reserve finds the
order an earlier attempt created instead of creating a second one; a sales
order gets at most one delivery, found by its reference before creating one.
A shortage creates nothing in SAP, so it is remembered in the process for the
key; after a restart a retried key looks at the stock again.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC

import httpx

from b2bcore.adapters.clock import SystemClock
from b2bcore.adapters.sap import odata_wire as wire
from b2bcore.adapters.sap.odata_documents import DELIVERED, DONE, SapDocuments, open_items
from b2bcore.adapters.sap.odata_http import SYSTEM, SapHttp
from b2bcore.adapters.sap.odata_oauth import OAuth2ClientCredentials
from b2bcore.adapters.sap.odata_settings import SapSettings
from b2bcore.adapters.settings import secret
from b2bcore.domain.errors import ExternalSystemError, InvalidValue, Rejected
from b2bcore.domain.order import DeliveryInterval
from b2bcore.ports.clock import Clock
from b2bcore.ports.erp import (
    ReservationLine,
    ReservationResult,
    ShipmentState,
    ShipmentStatus,
    Shortage,
)
from b2bcore.ports.probe import ProbeResult, ProbeStatus

MATERIALS_PER_REQUEST = 20
REMEMBERED_SHORTAGES = 10_000


def customer_reference(order_number: str, key: str) -> str:
    """``<order number>/<12 hex of sha256(key)>``, at most 35 characters (the field's length)."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:12].upper()
    return f"{order_number[:22]}/{digest}"


class SapOdataErp:
    """Erp over SAP Gateway; build it with :meth:`from_settings`."""

    def __init__(self, settings: SapSettings, http: SapHttp, *, clock: Clock) -> None:
        self.settings = settings
        self._http = http
        self._docs = SapDocuments(http, settings)
        self._clock = clock
        self._shortages: OrderedDict[str, ReservationResult] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def from_settings(
        cls,
        settings: SapSettings,
        secrets: Mapping[str, str],
        transport: httpx.BaseTransport | None = None,
        *,
        clock: Clock | None = None,
    ) -> SapOdataErp:
        """The adapter for ``settings``; the password or client secret comes from ``secrets``."""
        auth: httpx.Auth
        if settings.auth == "oauth2":
            client_secret = secret(secrets, "B2B_SAP_CLIENT_SECRET")
            auth = OAuth2ClientCredentials(settings.token_url, settings.client_id, client_secret)
        else:
            auth = httpx.BasicAuth(settings.username, secret(secrets, "B2B_SAP_PASSWORD"))
        client = httpx.Client(
            auth=auth,
            transport=transport,
            timeout=settings.timeout,
            follow_redirects=False,
            headers={"User-Agent": "b2bcore"},
        )
        http = SapHttp(
            client,
            base_url=settings.base_url,
            csrf_path=settings.sales_order_service,
            max_bytes=settings.max_response_bytes,
            read_attempts=settings.read_attempts,
            sap_client=settings.sap_client,
        )
        return cls(settings, http, clock=clock or SystemClock())

    def close(self) -> None:
        self._http.close()

    def probe(self) -> ProbeResult:
        """Log on and fetch a CSRF token from the sales order service."""
        try:
            self._http.fetch_csrf()
        except ExternalSystemError as exc:
            return ProbeResult.from_error(exc)
        return ProbeResult(ProbeStatus.OK, f"SAP Gateway at {self.settings.base_url} answered")

    # -- Erp -------------------------------------------------------------------------

    def stock(self, skus: Sequence[str]) -> Mapping[str, int]:
        wanted = list(dict.fromkeys(skus))
        available: dict[str, int] = {}
        for chunk in _chunks(wanted, MATERIALS_PER_REQUEST):
            on_hand = self._docs.on_hand(chunk)
            claimed = self._docs.claimed(chunk)
            for sku in chunk:
                available[sku] = max(0, math.floor(on_hand[sku] - claimed[sku]))
        return {sku: available[sku] for sku in skus}

    def reserve(
        self, *, key: str, order_number: str, customer: str, lines: Sequence[ReservationLine]
    ) -> ReservationResult:
        wanted = _aggregate(lines)
        with self._lock:
            remembered = self._shortages.get(key)
        if remembered is not None:
            return remembered
        mark = customer_reference(order_number, key)
        existing = self._docs.find_order(mark)
        if existing is not None:
            return self._outcome(key, existing)
        available = self.stock(list(wanted))
        shortages = tuple(
            Shortage(sku=sku, requested=quantity, available=available[sku])
            for sku, quantity in wanted.items()
            if available[sku] < quantity
        )
        if shortages:
            return self._remember(key, ReservationResult(reference=None, shortages=shortages))
        number = self._docs.create_order(mark, customer, wanted)
        return self._outcome(key, self._docs.order(number))

    def release(self, *, key: str, reference: str) -> None:
        del key  # idempotent by the order's state: a rejected item is left alone
        order = self._docs.order(reference)
        if any(item.DeliveryStatus in DELIVERED for item in open_items(order)):
            self._docs.delete_unshipped_deliveries(reference)
            order = self._docs.order(reference)
        self._docs.reject(order, self.settings.release_rejection_reason)

    def delivery_intervals(self, *, reference: str, address: str) -> Sequence[DeliveryInterval]:
        _require_address(address)
        self._docs.held(reference)
        now = self._clock.now()
        intervals: dict[str, DeliveryInterval] = {}
        for slot in self._docs.slots(reference, address):
            try:
                interval = DeliveryInterval(
                    id=slot.SlotID,
                    starts_at=slot.SlotStart.astimezone(UTC),
                    ends_at=slot.SlotEnd.astimezone(UTC),
                )
            except InvalidValue as exc:
                raise Rejected(
                    SYSTEM, f"GET DeliverySlots: slot {slot.SlotID}: {exc.rule}"
                ) from None
            if interval.starts_at > now:
                intervals.setdefault(interval.id, interval)
        return sorted(intervals.values(), key=lambda i: i.starts_at)

    def request_transport(
        self, *, key: str, reference: str, interval: DeliveryInterval, address: str
    ) -> str:
        del key  # idempotent by the order: a sales order gets at most one delivery
        _require_address(address)
        existing = self._docs.deliveries_of(reference)
        if existing:
            return existing[0].DeliveryDocument
        order = self._docs.held(reference)
        if interval.starts_at <= self._clock.now():
            raise Rejected(SYSTEM, f"delivery interval {interval.id} has already begun")
        return self._docs.create_delivery(order, interval, address)

    def shipment_status(self, transport_reference: str) -> ShipmentStatus:
        header = self._docs.delivery_header(transport_reference)
        zone = self.settings.timezone
        if header.OverallGoodsMovementStatus == DONE:
            day = header.ActualGoodsMovementDate
            shipped = (
                None if day is None else wire.at_plant(day, header.ActualGoodsMovementTime, zone)
            )
            if header.OverallProofOfDeliveryStatus == DONE:
                pod = header.ProofOfDeliveryDate
                # The proof of delivery has a date only: never before the goods left.
                delivered = None if pod is None else wire.at_plant(pod, None, zone)
                if delivered is not None and shipped is not None:
                    delivered = max(delivered, shipped)
                return ShipmentStatus(
                    state=ShipmentState.DELIVERED, reference=header.DeliveryDocument, at=delivered
                )
            return ShipmentStatus(
                state=ShipmentState.SHIPPED, reference=header.DeliveryDocument, at=shipped
            )
        if header.OverallGoodsMovementStatus in ("", "A", "B"):
            return ShipmentStatus(state=ShipmentState.PENDING, reference=header.DeliveryDocument)
        status = header.OverallGoodsMovementStatus
        raise Rejected(
            SYSTEM, f"GET A_OutbDeliveryHeader: unexpected OverallGoodsMovementStatus {status!r}"
        )

    # -- writing -----------------------------------------------------------------------

    def _outcome(self, key: str, order: wire.SalesOrder) -> ReservationResult:
        """What an existing order means: a reservation, or a shortage to back out."""
        s = self.settings
        reasons = {item.SalesDocumentRjcnReason for item in order.to_Item.results}
        if s.shortage_rejection_reason in reasons:
            short = [i for i in order.to_Item.results if _confirmed(i) < _requested(i)]
        elif s.release_rejection_reason in reasons:
            return ReservationResult(reference=order.SalesOrder)
        else:
            short = [i for i in open_items(order) if _confirmed(i) < _requested(i)]
            if not short:
                return ReservationResult(reference=order.SalesOrder)
        self._docs.reject(order, s.shortage_rejection_reason)
        shortages = tuple(
            Shortage(sku=i.Material, requested=_requested(i), available=_confirmed(i))
            for i in short
        )
        return self._remember(key, ReservationResult(reference=None, shortages=shortages))

    def _remember(self, key: str, result: ReservationResult) -> ReservationResult:
        with self._lock:
            self._shortages[key] = result
            while len(self._shortages) > REMEMBERED_SHORTAGES:
                self._shortages.popitem(last=False)
        return result


def _aggregate(lines: Sequence[ReservationLine]) -> dict[str, int]:
    wanted: dict[str, int] = {}
    for line in lines:
        if line.quantity <= 0:
            raise Rejected(SYSTEM, f"quantity of {line.sku} must be positive")
        wanted[line.sku] = wanted.get(line.sku, 0) + line.quantity
    if not wanted:
        raise Rejected(SYSTEM, "a reservation needs at least one line")
    return wanted


def _requested(item: wire.SalesOrderItem) -> int:
    return math.floor(item.RequestedQuantity)


def _confirmed(item: wire.SalesOrderItem) -> int:
    return math.floor(item.ConfdDelivQtyInOrderQtyUnit)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _require_address(address: str) -> None:
    if not address.strip():
        raise Rejected(SYSTEM, "a delivery address is required")
