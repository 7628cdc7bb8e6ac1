"""SAP: the B2B warehouse (stock, reservation, delivery slots, transport, shipment)."""

from b2bcore.adapters.sap.simulator import ErpSimulator, PendingShipment
from b2bcore.adapters.sap.slots import MOSCOW, business_day_intervals

__all__ = ["MOSCOW", "ErpSimulator", "PendingShipment", "business_day_intervals"]
