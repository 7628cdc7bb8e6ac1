"""The buyer's orders: list and read, quote and place, cancel, repeat, delivery, documents."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Annotated
from urllib.parse import quote as url_quote

from litestar import Controller, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from b2bcore.domain.order import OrderStatus
from b2bcore.domain.pricing import CartItem
from b2bcore.web.deps import Acting, App, OrderId
from b2bcore.web.errors import refusals
from b2bcore.web.schemas import (
    CancelIn,
    CartItemIn,
    ChooseIntervalIn,
    IntervalOut,
    OrderOut,
    OrderSummaryOut,
    PlaceIn,
    QuoteIn,
    QuoteOut,
    RepeatIn,
)

MAX_PAGE = 200
MAX_OFFSET = 1_000_000


class OrdersController(Controller):
    path = "/orders"
    tags = ["orders"]  # noqa: RUF012 — Litestar reads these as plain class attributes

    @get(sync_to_thread=True, summary="The client's orders, newest first", responses=refusals())
    def list_orders(
        self,
        *,
        b2b: App,
        actor: Acting,
        client_id: Annotated[str | None, QueryParameter(max_length=64)] = None,
        company: Annotated[list[str] | None, QueryParameter(description="Company ids.")] = None,
        status: Annotated[
            list[OrderStatus] | None, QueryParameter(description="Order statuses.")
        ] = None,
        placed_from: Annotated[date | None, QueryParameter(name="from")] = None,
        placed_to: Annotated[date | None, QueryParameter(name="to")] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 50,
        offset: Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET)] = 0,
    ) -> list[OrderSummaryOut]:
        orders = b2b.cabinet.order_summaries(
            actor,
            client_id=client_id,
            company_ids=company,
            statuses=status,
            placed_from=placed_from,
            placed_to=placed_to,
            limit=limit,
            offset=offset,
        )
        return [OrderSummaryOut.of_summary(order) for order in orders]

    @get(
        "/{order_id:str}",
        sync_to_thread=True,
        summary="One order with lines and history",
        responses=refusals(),
    )
    def order(self, b2b: App, actor: Acting, order_id: OrderId) -> OrderOut:
        return OrderOut.of(b2b.cabinet.order(actor, order_id))

    @post(
        sync_to_thread=True,
        summary="Place an order for one of the client's companies",
        responses=refusals(409, 413, 502, 503),
    )
    def place(self, b2b: App, actor: Acting, data: JSONBody[PlaceIn]) -> OrderOut:
        order = b2b.ordering.place(
            actor,
            company_id=data.company_id,
            items=_cart(data.items),
            address_id=data.address_id,
            client_id=data.client_id,
        )
        return OrderOut.of(order)

    @post(
        "/{order_id:str}/cancel",
        status_code=200,
        sync_to_thread=True,
        summary="Cancel",
        responses=refusals(409, 413, 502, 503),
    )
    def cancel(
        self,
        b2b: App,
        actor: Acting,
        order_id: OrderId,
        data: JSONBody[CancelIn],
    ) -> OrderOut:
        return OrderOut.of(b2b.ordering.cancel(actor, order_id, data.reason))

    @post(
        "/{order_id:str}/repeat",
        sync_to_thread=True,
        summary="Place the same lines again",
        responses=refusals(409, 413, 502, 503),
    )
    def repeat(
        self,
        b2b: App,
        actor: Acting,
        order_id: OrderId,
        data: JSONBody[RepeatIn],
    ) -> OrderOut:
        return OrderOut.of(b2b.ordering.repeat(actor, order_id, address_id=data.address_id))

    @get(
        "/{order_id:str}/intervals",
        sync_to_thread=True,
        summary="Delivery intervals on offer",
        responses=refusals(409, 502, 503),
    )
    def intervals(self, b2b: App, actor: Acting, order_id: OrderId) -> list[IntervalOut]:
        return [IntervalOut.of(i) for i in b2b.ordering.delivery_intervals(actor, order_id)]

    @post(
        "/{order_id:str}/interval",
        status_code=200,
        sync_to_thread=True,
        summary="Choose one",
        responses=refusals(409, 413, 502, 503),
    )
    def choose_interval(
        self,
        b2b: App,
        actor: Acting,
        order_id: OrderId,
        data: JSONBody[ChooseIntervalIn],
    ) -> OrderOut:
        order = b2b.ordering.choose_delivery_interval(actor, order_id, data.interval_id)
        return OrderOut.of(order)

    @get(
        "/{order_id:str}/documents/{key:str}",
        sync_to_thread=True,
        media_type="application/pdf",
        summary="A document of the order (invoice, waybill ...) as a file",
        responses=refusals(503),
    )
    def document(
        self,
        b2b: App,
        actor: Acting,
        order_id: OrderId,
        key: FromPath[str],
    ) -> Response[bytes]:
        name, content_type, data = b2b.documents.download(actor, order_id, key)
        disposition = f"attachment; filename*=UTF-8''{url_quote(name)}"
        return Response(data, media_type=content_type, headers={"Content-Disposition": disposition})


class QuoteController(Controller):
    path = "/quote"
    tags = ["orders"]  # noqa: RUF012 — Litestar reads these as plain class attributes

    @post(
        status_code=200,
        sync_to_thread=True,
        summary="Price a cart for the client",
        responses=refusals(413),
    )
    def quote(self, b2b: App, actor: Acting, data: JSONBody[QuoteIn]) -> QuoteOut:
        quote = b2b.ordering.quote(actor, items=_cart(data.items), client_id=data.client_id)
        return QuoteOut.of(quote)


def _cart(items: Iterable[CartItemIn]) -> list[CartItem]:
    """The cart's lines; their number is bounded by the request schema (``Cart``)."""
    return [CartItem(sku=item.sku, quantity=item.quantity) for item in items]
