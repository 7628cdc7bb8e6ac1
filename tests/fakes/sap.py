"""A fake SAP Gateway on loopback: the OData v2 subset the SAP adapter uses.

Services at their published paths: ``API_SALES_ORDER_SRV`` (``A_SalesOrder``
with deep insert of ``to_Item`` and ``$expand=to_Item``, ``A_SalesOrderItem``
read and PATCH/MERGE), ``API_MATERIAL_STOCK_SRV`` (``A_MatlStkInAcctMod``),
``API_OUTBOUND_DELIVERY_SRV;v=0002`` (``A_OutbDeliveryHeader`` create, read and
delete, ``A_OutbDeliveryItem``), ``API_BUSINESS_PARTNER``
(``A_BusinessPartnerTaxNumber``) and the slot service described in
docs/integrations.md. Answers are ``{"d": {...}}`` / ``{"d": {"results": [...]}}``
with decimals as strings and dates as ``/Date(ms)/``; errors are
``{"error": {"code", "message": {"lang", "value"}}}``.

Like SAP it demands Basic credentials or an OAuth2 bearer token, hands out a
CSRF token bound to a session cookie on ``X-CSRF-Token: Fetch`` and refuses a
write without both (403, ``X-CSRF-Token: Required``), wants ``If-Match`` on
updates, confirms new order items only as far as stock allows (the ATP check),
and refuses to reject an item that has a delivery or to delete a delivery whose
goods have left. Tests play the warehouse with :meth:`FakeSap.set_stock`,
:meth:`FakeSap.post_goods_issue` and :meth:`FakeSap.confirm_delivery`.
"""

from __future__ import annotations

import base64
import re
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from b2bcore.adapters.clock import SystemClock
from b2bcore.adapters.sap.odata_settings import SapSettings, parse_offset
from b2bcore.adapters.sap.slots import business_day_intervals
from b2bcore.ports.clock import Clock
from tests.fakes.odata import FakeOData, FilterError, Reply, Request, matches, select

USERNAME = "B2B_RFC"
PASSWORD = "s3cret-sap"
CLIENT_ID = "b2b-client"
CLIENT_SECRET = "client-s3cret"
TOKEN_PATH = "/oauth/token"
SESSION_COOKIE = "SAP_SESSIONID_S4H_100"
PLANT, STORAGE_LOCATION, SHIPPING_POINT = "1010", "101A", "1010"
_DEFAULTS = SapSettings(
    base_url="http://localhost",
    username="u",
    sales_organization="1010",
    distribution_channel="10",
    organization_division="00",
    plant=PLANT,
    storage_location=STORAGE_LOCATION,
    shipping_point=SHIPPING_POINT,
)
SO = _DEFAULTS.sales_order_service
STOCK = _DEFAULTS.stock_service
DELIVERY = _DEFAULTS.delivery_service
PARTNERS = _DEFAULTS.business_partner_service
SLOTS = _DEFAULTS.intervals_service
_KEY = re.compile(r"^(\w+)(?:\((.*)\))?$")
_WRITES = ("POST", "PUT", "PATCH", "MERGE", "DELETE")
ZERO = Decimal(0)


def settings_for(url: str, **overrides: Any) -> SapSettings:
    """Adapter settings that match the fake (codes, paths, credentials)."""
    values: dict[str, Any] = {
        "base_url": url,
        "username": USERNAME,
        "sales_organization": "1010",
        "distribution_channel": "10",
        "organization_division": "00",
        "plant": PLANT,
        "storage_location": STORAGE_LOCATION,
        "shipping_point": SHIPPING_POINT,
        "timeout": 5.0,
        "read_attempts": 1,
    }
    if overrides.get("auth") == "oauth2":
        values.update(token_url=url + TOKEN_PATH, client_id=CLIENT_ID)
    values.update(overrides)
    return SapSettings(**values)


def sap_date(at: datetime) -> str:
    return f"/Date({int(at.timestamp() * 1000)})/"


def error(status: int, message: str, code: str = "B2B/000") -> Reply:
    return Reply.of_json(
        status, {"error": {"code": code, "message": {"lang": "en", "value": message}}}
    )


class FakeSap(FakeOData):
    def __init__(
        self,
        *,
        auth: str = "basic",
        clock: Clock | None = None,
        token_lifetime: int = 3600,
        page_size: int | None = None,
    ) -> None:
        super().__init__()
        self.auth = auth
        self.clock = clock or SystemClock()
        self.token_lifetime = token_lifetime
        self.page_size = page_size
        self.stock: dict[tuple[str, str, str], Decimal] = {}
        self.partners: dict[str, str] = {}
        self.orders: dict[str, dict[str, Any]] = {}
        self.deliveries: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, float] = {}
        self.csrf: dict[str, str] = {}
        self._numbers = {"order": 5000000, "delivery": 80000000}
        self.before_order: Callable[[], None] | None = None
        """Runs once before the next order is created: another order racing ours."""
        self._state = threading.RLock()
        self._zone = parse_offset("+03:00")

    def __enter__(self) -> FakeSap:
        super().__enter__()
        return self

    # -- the warehouse, as tests drive it ---------------------------------------------

    def set_stock(self, material: str, quantity: int, *, plant: str = PLANT) -> None:
        with self._state:
            self.stock[(material, plant, STORAGE_LOCATION)] = Decimal(quantity)

    def add_partner(self, inn: str, partner: str) -> None:
        with self._state:
            self.partners[inn] = partner

    def post_goods_issue(self, delivery: str) -> None:
        """The goods leave: stock goes down, the delivery's goods movement completes."""
        with self._state:
            header = self.deliveries[delivery]
            if header["OverallGoodsMovementStatus"] == "C":
                return
            now = self.clock.now().astimezone(self._zone)
            for item in header["items"]:
                key = (item["Material"], item["Plant"], item["StorageLocation"])
                self.stock[key] -= item["ActualDeliveryQuantity"]
                item["GoodsMovementStatus"] = "C"
            midnight = datetime.combine(now.date(), datetime.min.time(), UTC)
            header.update(
                OverallGoodsMovementStatus="C",
                ActualGoodsMovementDate=sap_date(midnight),
                ActualGoodsMovementTime=f"PT{now.hour:02d}H{now.minute:02d}M{now.second:02d}S",
            )

    def confirm_delivery(self, delivery: str) -> None:
        """Proof of delivery: the buyer received the goods."""
        with self._state:
            now = self.clock.now().astimezone(self._zone)
            midnight = datetime.combine(now.date(), datetime.min.time(), UTC)
            self.deliveries[delivery].update(
                OverallProofOfDeliveryStatus="C", ProofOfDeliveryDate=sap_date(midnight)
            )

    def available(self, material: str) -> Decimal:
        """What the adapter should report: unrestricted stock less open documents."""
        with self._state:
            return self._available(material, PLANT, STORAGE_LOCATION)

    def expire_sessions(self) -> None:
        """Every CSRF token becomes invalid (a gateway restart, a session timeout)."""
        with self._state:
            self.csrf.clear()

    # -- HTTP --------------------------------------------------------------------------

    def authorize(self, request: Request) -> Reply | None:
        if request.path == TOKEN_PATH:
            return None
        header = request.headers.get("authorization", "")
        if self.auth == "basic":
            expected = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
            if header == f"Basic {expected}":
                return None
        elif header.startswith("Bearer ") and self.tokens.get(header[7:], 0) > time.monotonic():
            return None
        return Reply(
            401,
            b"<html><body>Logon failed</body></html>",
            "text/html",
            (("WWW-Authenticate", 'Basic realm="SAP NetWeaver Application Server [S4H/100]"'),),
        )

    def answer(self, request: Request) -> Reply:
        if request.path == TOKEN_PATH:
            return self._token(request)
        headers: tuple[tuple[str, str], ...] = ()
        if request.method == "GET" and request.headers.get("x-csrf-token", "").lower() == "fetch":
            headers = self._issue_csrf(request)
        elif request.method in _WRITES and not self._csrf_ok(request):
            return Reply(
                403, b"CSRF token validation failed", "text/plain", (("x-csrf-token", "Required"),)
            )
        try:
            with self._state:
                reply = self._route(request)
        except FilterError as exc:
            return error(400, str(exc), "/IWBEP/CM_MGW_RT/006")
        return Reply(reply.status, reply.body, reply.content_type, reply.headers + headers)

    def _route(self, request: Request) -> Reply:
        for service, handler in (
            (SO, self._sales_orders),
            (STOCK, self._stock),
            (DELIVERY, self._deliveries),
            (PARTNERS, self._partners),
        ):
            if request.path == service or request.path.startswith(service + "/"):
                rest = request.path[len(service) :].strip("/")
                if not rest:
                    return Reply.of_json(200, {"d": {"EntitySets": []}})
                match = _KEY.match(rest)
                if match is None:
                    break
                return handler(request, match[1], _keys(match[2]))
        if request.path == SLOTS and request.method == "GET":
            return self._slots(request)
        return error(
            404, f"Resource not found for segment {request.path!r}", "/IWBEP/CM_MGW_RT/021"
        )

    # -- API_SALES_ORDER_SRV ---------------------------------------------------------------

    def _sales_orders(  # noqa: PLR0911 - one return per OData route reads best
        self, request: Request, entity_set: str, keys: dict[str, str] | None
    ) -> Reply:
        route = (entity_set, keys is not None, request.method)
        if route == ("A_SalesOrder", False, "POST"):
            return self._create_order(request.json())
        if route == ("A_SalesOrder", False, "GET"):
            rows = [self._order_json(o, request) for o in self.orders.values()]
            return self._collection(request, rows)
        if route == ("A_SalesOrder", True, "GET"):
            order = self.orders.get((keys or {}).get("", ""))
            if order is None:
                return error(404, "Resource not found for segment 'A_SalesOrderType'")
            return Reply.of_json(200, {"d": self._order_json(order, request)})
        if route == ("A_SalesOrderItem", False, "GET"):
            rows = [self._item_json(i) for o in self.orders.values() for i in o["items"]]
            return self._collection(request, rows)
        if route[:2] == ("A_SalesOrderItem", True) and request.method in ("PATCH", "MERGE"):
            return self._update_item(request, keys or {})
        return error(405, f"{request.method} {entity_set} is not supported")

    def _create_order(self, body: Any) -> Reply:
        required = (
            "SalesOrderType", "SalesOrganization", "DistributionChannel",
            "OrganizationDivision", "SoldToParty",
        )  # fmt: skip
        if not isinstance(body, dict) or any(not body.get(f) for f in required):
            return error(400, "Sales order header incomplete", "V1/042")
        if body["SoldToParty"] not in self.partners.values():
            return error(400, f"Sold-to party {body['SoldToParty']} does not exist", "V1/320")
        raw_items = body.get("to_Item")
        if isinstance(raw_items, dict):
            raw_items = raw_items.get("results")
        if not isinstance(raw_items, list) or not raw_items:
            return error(400, "Sales order has no items", "V1/555")
        if self.before_order is not None:
            race, self.before_order = self.before_order, None
            race()
        self._numbers["order"] += 1
        number = str(self._numbers["order"])
        items = []
        for raw in raw_items:
            try:
                requested = Decimal(raw["RequestedQuantity"])
            except (KeyError, TypeError, InvalidOperation):
                return error(400, "RequestedQuantity is not a decimal", "V1/000")
            plant, location = raw.get("ProductionPlant", ""), raw.get("StorageLocation", "")
            confirmed = max(ZERO, min(requested, self._available(raw["Material"], plant, location)))
            items.append(
                {
                    "SalesOrder": number,
                    "SalesOrderItem": str(raw["SalesOrderItem"]),
                    "Material": raw["Material"],
                    "RequestedQuantity": requested,
                    "RequestedQuantityUnit": "PC",
                    "ConfdDelivQtyInOrderQtyUnit": confirmed,
                    "ProductionPlant": plant,
                    "StorageLocation": location,
                    "ShippingPoint": raw.get("ShippingPoint", ""),
                    "SalesDocumentRjcnReason": "",
                    "DeliveryStatus": "A",
                    "SDProcessStatus": "A",
                }
            )
        order = {f: body.get(f, "") for f in (*required, "PurchaseOrderByCustomer")}
        order.update(SalesOrder=number, items=items)
        self.orders[number] = order
        return Reply.of_json(201, {"d": self._order_json(order, None, expand=True)})

    def _update_item(self, request: Request, keys: dict[str, str]) -> Reply:
        if "if-match" not in request.headers:
            return error(428, "Precondition required: If-Match", "/IWBEP/CM_MGW_RT/178")
        order = self.orders.get(keys.get("SalesOrder", ""))
        item = next(
            (
                i
                for i in (order or {}).get("items", [])
                if i["SalesOrderItem"] == keys.get("SalesOrderItem")
            ),
            None,
        )
        if item is None:
            return error(404, "Resource not found for segment 'A_SalesOrderItemType'")
        changes = request.json()
        if not isinstance(changes, dict) or set(changes) - {"SalesDocumentRjcnReason"}:
            return error(400, "Only SalesDocumentRjcnReason can be changed here")
        if item["DeliveryStatus"] in ("B", "C"):
            return error(400, "Item has subsequent documents; it cannot be rejected", "V1/306")
        item["SalesDocumentRjcnReason"] = changes["SalesDocumentRjcnReason"]
        if item["SalesDocumentRjcnReason"]:
            item["ConfdDelivQtyInOrderQtyUnit"] = ZERO  # rejection removes the requirement
        return Reply(204)

    # -- API_MATERIAL_STOCK_SRV, API_BUSINESS_PARTNER ----------------------------------------

    def _stock(self, request: Request, entity_set: str, keys: dict[str, str] | None) -> Reply:
        if entity_set != "A_MatlStkInAcctMod" or keys is not None or request.method != "GET":
            return error(405, f"{request.method} {entity_set} is not supported")
        rows = [
            {
                "Material": material,
                "Plant": plant,
                "StorageLocation": location,
                "Batch": "",
                "InventoryStockType": "01",
                "InventorySpecialStockType": "",
                "MaterialBaseUnit": "PC",
                "MatlWrhsStkQtyInMatlBaseUnit": quantity,
            }
            for (material, plant, location), quantity in self.stock.items()
        ]
        return self._collection(request, rows)

    def _partners(self, request: Request, entity_set: str, keys: dict[str, str] | None) -> Reply:
        if entity_set != "A_BusinessPartnerTaxNumber" or request.method != "GET":
            return error(405, f"{request.method} {entity_set} is not supported")
        rows = [
            {"BusinessPartner": partner, "BPTaxType": "RU1", "BPTaxNumber": inn}
            for inn, partner in self.partners.items()
        ]
        return self._collection(request, rows)

    # -- API_OUTBOUND_DELIVERY_SRV;v=0002 --------------------------------------------------

    def _deliveries(self, request: Request, entity_set: str, keys: dict[str, str] | None) -> Reply:
        method = request.method
        if entity_set == "A_OutbDeliveryHeader" and keys is None and method == "POST":
            return self._create_delivery(request.json())
        if entity_set == "A_OutbDeliveryHeader" and keys is not None:
            number = keys.get("", "")
            header = self.deliveries.get(number)
            if header is None:
                return error(404, "Resource not found for segment 'A_OutbDeliveryHeaderType'")
            if method == "GET":
                return Reply.of_json(200, {"d": _without(header, "items", "texts")})
            if method == "DELETE":
                return self._delete_delivery(request, number)
        if entity_set == "A_OutbDeliveryItem" and keys is None and method == "GET":
            rows = [dict(i) for h in self.deliveries.values() for i in h["items"]]
            return self._collection(request, rows)
        return error(405, f"{method} {entity_set} is not supported")

    def _create_delivery(self, body: Any) -> Reply:
        if not isinstance(body, dict) or not body.get("ShippingPoint"):
            return error(400, "Shipping point is missing", "VL/001")
        raw_items = body.get("to_DeliveryDocumentItem")
        if isinstance(raw_items, dict):
            raw_items = raw_items.get("results")
        items = []
        for raw in raw_items if isinstance(raw_items, list) else []:
            order = self.orders.get(raw.get("ReferenceSDDocument", ""), {"items": []})
            for source in order["items"]:
                if (
                    source["SalesOrderItem"] == raw.get("ReferenceSDDocumentItem")
                    and not source["SalesDocumentRjcnReason"]
                    and source["DeliveryStatus"] != "C"
                ):
                    items.append(source)
        if not items:
            return error(400, "No items could be delivered for the reference document", "VL/068")
        self._numbers["delivery"] += 1
        number = str(self._numbers["delivery"])
        header: dict[str, Any] = {
            "DeliveryDocument": number,
            "ShippingPoint": body["ShippingPoint"],
            "DeliveryDate": body.get("DeliveryDate"),
            "DeliveryTime": body.get("DeliveryTime", "PT00H00M00S"),
            "OverallGoodsMovementStatus": "A",
            "OverallProofOfDeliveryStatus": "A",
            "ActualGoodsMovementDate": None,
            "ActualGoodsMovementTime": "PT00H00M00S",
            "ProofOfDeliveryDate": None,
            "texts": body.get("to_DeliveryDocumentText", []),
            "items": [],
        }
        for n, source in enumerate(items, start=1):
            source["DeliveryStatus"] = "C"
            header["items"].append(
                {
                    "DeliveryDocument": number,
                    "DeliveryDocumentItem": str(10 * n),
                    "Material": source["Material"],
                    "Plant": source["ProductionPlant"],
                    "StorageLocation": source["StorageLocation"],
                    "ActualDeliveryQuantity": source["ConfdDelivQtyInOrderQtyUnit"],
                    "ReferenceSDDocument": source["SalesOrder"],
                    "ReferenceSDDocumentItem": source["SalesOrderItem"],
                    "GoodsMovementStatus": "A",
                }
            )
        self.deliveries[number] = header
        return Reply.of_json(201, {"d": _without(header, "items", "texts")})

    def _delete_delivery(self, request: Request, number: str) -> Reply:
        if "if-match" not in request.headers:
            return error(428, "Precondition required: If-Match", "/IWBEP/CM_MGW_RT/178")
        header = self.deliveries[number]
        if header["OverallGoodsMovementStatus"] != "A":
            return error(400, f"Delivery {number}: goods movement posted; cannot delete", "VL/350")
        for item in header["items"]:
            for source in self.orders[item["ReferenceSDDocument"]]["items"]:
                if source["SalesOrderItem"] == item["ReferenceSDDocumentItem"]:
                    source["DeliveryStatus"] = "A"
        del self.deliveries[number]
        return Reply(204)

    # -- the slot service ------------------------------------------------------------------

    def _slots(self, request: Request) -> Reply:
        intervals = business_day_intervals(self.clock.now(), days=3)
        rows = [
            {
                "SalesOrder": "",
                "SlotID": i.id,
                "SlotStart": f"/Date({int(i.starts_at.timestamp() * 1000)}+0000)/",
                "SlotEnd": f"/Date({int(i.ends_at.timestamp() * 1000)}+0000)/",
            }
            for i in intervals
        ]
        query = dict(request.query)
        query["$filter"] = ""  # slots are the same for every order here
        return self._collection(Request("GET", request.path, query, {}, b""), rows)

    # -- shared ----------------------------------------------------------------------------

    def _available(self, material: str, plant: str, location: str) -> Decimal:
        on_hand = self.stock.get((material, plant, location), ZERO)
        ordered = sum(
            (
                i["ConfdDelivQtyInOrderQtyUnit"]
                for o in self.orders.values()
                for i in o["items"]
                if (i["Material"], i["ProductionPlant"], i["StorageLocation"])
                == (material, plant, location)
                and not i["SalesDocumentRjcnReason"]
                and i["DeliveryStatus"] != "C"
            ),
            ZERO,
        )
        delivering = sum(
            (
                i["ActualDeliveryQuantity"]
                for h in self.deliveries.values()
                for i in h["items"]
                if (i["Material"], i["Plant"], i["StorageLocation"]) == (material, plant, location)
                and i["GoodsMovementStatus"] != "C"
            ),
            ZERO,
        )
        return on_hand - ordered - delivering

    def _collection(self, request: Request, rows: list[dict[str, Any]]) -> Reply:
        found = [
            select(r, request.query.get("$select", ""))
            for r in rows
            if matches(request.query.get("$filter", ""), r)
        ]
        skip = int(request.query.get("$skiptoken", "0"))
        size = self.page_size or len(found) or 1
        page: dict[str, Any] = {"results": found[skip : skip + size]}
        if skip + size < len(found):
            query = {k: v for k, v in request.query.items() if k != "$skiptoken"}
            query["$skiptoken"] = str(skip + size)
            link = "&".join(f"{k}={quote(v, safe=chr(36) + chr(39))}" for k, v in query.items())
            page["__next"] = f"{self.url}{quote(request.path, safe='/;=')}?{link}"
        return Reply.of_json(200, {"d": page})

    def _order_json(
        self, order: dict[str, Any], request: Request | None, *, expand: bool = False
    ) -> dict[str, Any]:
        row = _without(order, "items")
        if expand or (request is not None and "to_Item" in request.query.get("$expand", "")):
            row["to_Item"] = {"results": [self._item_json(i) for i in order["items"]]}
        else:
            row["to_Item"] = {
                "__deferred": {
                    "uri": f"{self.url}{SO}/A_SalesOrder('{order['SalesOrder']}')/to_Item"
                }
            }
        return row

    @staticmethod
    def _item_json(item: dict[str, Any]) -> dict[str, Any]:
        return {k: f"{v:.3f}" if isinstance(v, Decimal) else v for k, v in item.items()}

    def _token(self, request: Request) -> Reply:
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.method != "POST" or request.headers.get("authorization") != f"Basic {expected}":
            return Reply.of_json(401, {"error": "invalid_client"})
        if b"grant_type=client_credentials" not in request.body:
            return Reply.of_json(400, {"error": "unsupported_grant_type"})
        token = secrets.token_urlsafe(16)
        self.tokens[token] = time.monotonic() + self.token_lifetime
        return Reply.of_json(
            200, {"access_token": token, "token_type": "bearer", "expires_in": self.token_lifetime}
        )

    def _issue_csrf(self, request: Request) -> tuple[tuple[str, str], ...]:
        with self._state:
            session = request.cookies.get(SESSION_COOKIE) or secrets.token_hex(8)
            token = self.csrf.setdefault(session, secrets.token_urlsafe(12))
        return (
            ("x-csrf-token", token),
            ("Set-Cookie", f"{SESSION_COOKIE}={session}; path=/; HttpOnly"),
            ("Set-Cookie", "sap-usercontext=sap-client=100; path=/"),
        )

    def _csrf_ok(self, request: Request) -> bool:
        session = request.cookies.get(SESSION_COOKIE, "")
        with self._state:
            token = self.csrf.get(session)
        return token is not None and request.headers.get("x-csrf-token") == token


def _keys(text: str | None) -> dict[str, str] | None:
    """``'X'`` → ``{"": "X"}``; ``A='1',B='2'`` → ``{"A": "1", "B": "2"}``."""
    if text is None:
        return None
    keys = {}
    for part in re.findall(r"(?:(\w+)=)?'((?:[^']|'')*)'", text):
        keys[part[0]] = part[1].replace("''", "'")
    return keys


def _without(row: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in names}
