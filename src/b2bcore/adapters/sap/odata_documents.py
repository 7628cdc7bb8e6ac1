"""The SAP documents behind the Erp port: one method per read or write.

:class:`~b2bcore.adapters.sap.odata.SapOdataErp` decides what to do; this
module knows the entity sets, their filters and the bodies SAP expects, and
turns every answer into the typed entities of :mod:`odata_wire`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from b2bcore.adapters.sap import odata_wire as wire
from b2bcore.adapters.sap.odata_http import SYSTEM, SapHttp, entity, literal
from b2bcore.adapters.sap.odata_settings import SapSettings
from b2bcore.domain.errors import Rejected
from b2bcore.domain.order import DeliveryInterval

DONE = "C"  # SAP status value "completely processed"
DELIVERED = ("B", "C")  # partly or completely


class SapDocuments:
    """Sales orders, stock, deliveries and business partners over one session."""

    def __init__(self, http: SapHttp, settings: SapSettings) -> None:
        self.http = http
        self.settings = settings

    def on_hand(self, materials: list[str]) -> dict[str, Decimal]:
        """Unrestricted stock per material in the B2B plant and storage location."""
        s = self.settings
        rows = self.http.get_all(
            f"{s.stock_service}/A_MatlStkInAcctMod",
            {
                "$filter": f"Plant eq {literal(s.plant)} and StorageLocation eq "
                f"{literal(s.storage_location)} and InventoryStockType eq "
                f"{literal(s.unrestricted_stock_type)} and {_any_material(materials)}",
                "$select": "Material,MatlWrhsStkQtyInMatlBaseUnit",
            },
        )
        totals = dict.fromkeys(materials, Decimal(0))
        for row in wire.structure_list(rows, wire.StockRow, "GET A_MatlStkInAcctMod"):
            if row.Material in totals:
                totals[row.Material] += row.MatlWrhsStkQtyInMatlBaseUnit
        return totals

    def claimed(self, materials: list[str]) -> dict[str, Decimal]:
        """What open documents claim there: confirmed order items not yet delivered
        and not rejected, and delivery items whose goods have not been issued."""
        s = self.settings
        where = f"StorageLocation eq {literal(s.storage_location)} and {_any_material(materials)}"
        orders = self.http.get_all(
            self.so("A_SalesOrderItem"),
            {
                "$filter": f"ProductionPlant eq {literal(s.plant)} and {where} and "
                f"SalesDocumentRjcnReason eq '' and DeliveryStatus ne '{DONE}'",
                "$select": "Material,ConfdDelivQtyInOrderQtyUnit",
            },
        )
        deliveries = self.http.get_all(
            self.delivery("A_OutbDeliveryItem"),
            {
                "$filter": f"Plant eq {literal(s.plant)} and {where} and "
                f"GoodsMovementStatus ne '{DONE}'",
                "$select": "Material,ActualDeliveryQuantity",
            },
        )
        totals = dict.fromkeys(materials, Decimal(0))
        for item in wire.structure_list(orders, wire.OpenOrderItem, "GET A_SalesOrderItem"):
            if item.Material in totals:
                totals[item.Material] += item.ConfdDelivQtyInOrderQtyUnit
        for line in wire.structure_list(
            deliveries, wire.OpenDeliveryItem, "GET A_OutbDeliveryItem"
        ):
            if line.Material in totals:
                totals[line.Material] += line.ActualDeliveryQuantity
        return totals

    def find_order(self, mark: str) -> wire.SalesOrder | None:
        """The order an earlier attempt with the same key created, if any."""
        s = self.settings
        rows = self.http.get_all(
            self.so("A_SalesOrder"),
            {
                "$filter": f"{s.customer_reference_field} eq {literal(mark)} and "
                f"SalesOrganization eq {literal(s.sales_organization)}",
                "$expand": "to_Item",
            },
        )
        orders = wire.structure_list(rows, wire.SalesOrder, "GET A_SalesOrder")
        return min(orders, key=lambda o: o.SalesOrder) if orders else None

    def order(self, reference: str) -> wire.SalesOrder:
        path = self.so(f"A_SalesOrder({literal(reference)})")
        data = self.get_known(path, f"unknown reservation {reference}", {"$expand": "to_Item"})
        return wire.structure(entity(data, "GET A_SalesOrder"), wire.SalesOrder, "GET A_SalesOrder")

    def held(self, reference: str) -> wire.SalesOrder:
        order = self.order(reference)
        if not open_items(order):
            raise Rejected(SYSTEM, f"reservation {reference} is released")
        return order

    def deliveries_of(self, reference: str) -> list[wire.DeliveryItemRef]:
        rows = self.http.get_all(
            self.delivery("A_OutbDeliveryItem"),
            {
                "$filter": f"ReferenceSDDocument eq {literal(reference)}",
                "$select": "DeliveryDocument,GoodsMovementStatus",
            },
        )
        return wire.structure_list(rows, wire.DeliveryItemRef, "GET A_OutbDeliveryItem")

    def sold_to(self, customer: str) -> str:
        s = self.settings
        if s.sold_to_party:
            return s.sold_to_party
        rows = self.http.get_all(
            f"{s.business_partner_service}/A_BusinessPartnerTaxNumber",
            {
                "$filter": f"BPTaxType eq {literal(s.inn_tax_type)} and "
                f"BPTaxNumber eq {literal(customer)}",
                "$select": "BusinessPartner",
            },
        )
        partners = wire.structure_list(
            rows, wire.BusinessPartnerTaxNumber, "GET A_BusinessPartnerTaxNumber"
        )
        if not partners:
            raise Rejected(SYSTEM, f"no business partner with INN {customer} ({s.inn_tax_type})")
        return partners[0].BusinessPartner

    def get_known(self, path: str, unknown: str, params: Mapping[str, str] | None = None) -> Any:
        try:
            return self.http.get(path, params)
        except Rejected as exc:
            if exc.params.get("status") == 404:
                raise Rejected(SYSTEM, unknown) from None
            raise

    # -- writing -----------------------------------------------------------------------

    def reject(self, order: wire.SalesOrder, reason: str) -> None:
        for item in open_items(order):
            if item.DeliveryStatus == DONE:
                raise Rejected(SYSTEM, f"reservation {order.SalesOrder} has already shipped")
            path = self.so(
                f"A_SalesOrderItem(SalesOrder={literal(order.SalesOrder)},"
                f"SalesOrderItem={literal(item.SalesOrderItem)})"
            )
            self.http.write("PATCH", path, {"SalesDocumentRjcnReason": reason})

    def delete_unshipped_deliveries(self, reference: str) -> None:
        deliveries: dict[str, bool] = {}
        for item in self.deliveries_of(reference):
            shipped = item.GoodsMovementStatus in DELIVERED
            deliveries[item.DeliveryDocument] = (
                deliveries.get(item.DeliveryDocument, False) or shipped
            )
        if any(deliveries.values()):
            raise Rejected(SYSTEM, f"reservation {reference} has already shipped")
        for document in deliveries:
            self.http.write("DELETE", self.delivery(f"A_OutbDeliveryHeader({literal(document)})"))

    def create_order(self, mark: str, customer: str, wanted: Mapping[str, int]) -> str:
        """A sales order with one item per SKU; its number."""
        what = "POST A_SalesOrder"
        created = self.http.write(
            "POST", self.so("A_SalesOrder"), self.order_body(mark, customer, wanted)
        )
        return wire.structure(entity(created, what), wire.CreatedSalesOrder, what).SalesOrder

    def create_delivery(
        self, order: wire.SalesOrder, interval: DeliveryInterval, address: str
    ) -> str:
        """An outbound delivery for the order's open items; its number."""
        what = "POST A_OutbDeliveryHeader"
        body = self.delivery_body(order, interval, address)
        created = self.http.write("POST", self.delivery("A_OutbDeliveryHeader"), body)
        return wire.structure(entity(created, what), wire.DeliveryItemRef, what).DeliveryDocument

    def delivery_header(self, number: str) -> wire.DeliveryHeader:
        what = "GET A_OutbDeliveryHeader"
        path = self.delivery(f"A_OutbDeliveryHeader({literal(number)})")
        data = self.get_known(path, f"unknown transport request {number}")
        return wire.structure(entity(data, what), wire.DeliveryHeader, what)

    def slots(self, reference: str, address: str) -> list[wire.DeliverySlot]:
        """The installation's delivery slots for the order (docs/integrations.md)."""
        rows = self.http.get_all(
            self.settings.intervals_service,
            {"$filter": f"SalesOrder eq {literal(reference)}", "ShipToAddress": address},
        )
        return wire.structure_list(rows, wire.DeliverySlot, "GET DeliverySlots")

    def order_body(self, mark: str, customer: str, wanted: Mapping[str, int]) -> dict[str, Any]:
        s = self.settings
        return {
            "SalesOrderType": s.sales_order_type,
            "SalesOrganization": s.sales_organization,
            "DistributionChannel": s.distribution_channel,
            "OrganizationDivision": s.organization_division,
            "SoldToParty": self.sold_to(customer),
            s.customer_reference_field: mark,
            "to_Item": [
                {
                    "SalesOrderItem": str(10 * n),
                    "Material": sku,
                    "RequestedQuantity": str(quantity),
                    "ProductionPlant": s.plant,
                    "StorageLocation": s.storage_location,
                    "ShippingPoint": s.shipping_point,
                }
                for n, (sku, quantity) in enumerate(wanted.items(), start=1)
            ],
        }

    def delivery_body(
        self, order: wire.SalesOrder, interval: DeliveryInterval, address: str
    ) -> dict[str, Any]:
        s = self.settings
        local = interval.starts_at.astimezone(s.timezone)
        body: dict[str, Any] = {
            "ShippingPoint": s.shipping_point,
            "DeliveryDate": wire.sap_date(local.date()),
            "DeliveryTime": wire.sap_time(local.time()),
            "to_DeliveryDocumentItem": [
                {
                    "ReferenceSDDocument": order.SalesOrder,
                    "ReferenceSDDocumentItem": i.SalesOrderItem,
                }
                for i in open_items(order)
            ],
        }
        if s.address_text_element:
            body["to_DeliveryDocumentText"] = [
                {
                    "TextElement": s.address_text_element,
                    "Language": s.text_language,
                    "TextElementText": f"{address} ({interval.id})",
                }
            ]
        return body

    def so(self, entity_path: str) -> str:
        return f"{self.settings.sales_order_service}/{entity_path}"

    def delivery(self, entity_path: str) -> str:
        return f"{self.settings.delivery_service}/{entity_path}"


def open_items(order: wire.SalesOrder) -> list[wire.SalesOrderItem]:
    """Items not rejected (for any reason): the ones that hold stock or were delivered."""
    return [item for item in order.to_Item.results if not item.SalesDocumentRjcnReason]


def _any_material(materials: list[str]) -> str:
    return "(" + " or ".join(f"Material eq {literal(m)}" for m in materials) + ")"
