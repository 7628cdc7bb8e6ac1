"""SAP: the B2B warehouse (stock, reservation, delivery slots, transport, shipment)."""

from b2bcore.adapters.sap.simulator import ErpSimulator
from b2bcore.adapters.sap.slots import MOSCOW, business_day_intervals

__all__ = ["MOSCOW", "ErpSimulator", "business_day_intervals"]
