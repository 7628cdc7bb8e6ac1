"""The buyer's orders: list with filters and pages, one order with its history,
delivery interval, cancel, repeat, documents, and the order report (CSV/XLSX)."""

from __future__ import annotations

import io
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote as url_quote

from litestar import Request, Response, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from b2bcore.application.reports import OrderReport
from b2bcore.domain.errors import DomainError, InvalidValue
from b2bcore.domain.order import OrderStatus
from b2bcore.i18n import render_reason, translate
from b2bcore.web.deps import App, OrderId
from b2bcore.web.errors import status_of
from b2bcore.web.pages.base import PageController, Viewing, flash, render, see_other
from b2bcore.web.pages.config import PageSettings
from b2bcore.web.pages.forms import FORM, Form, FormData, field_errors
from b2bcore.web.pages.pagination import paginate

Req = Request[Any, Any, Any]
PageNumber = Annotated[int, QueryParameter(name="page", ge=1, le=10_000)]
Text = Annotated[str, QueryParameter(max_length=64)]
REPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _day(text: str, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValue(field, "must be a date such as 2026-11-26", text) from None


def _status(text: str) -> list[OrderStatus] | None:
    if not text:
        return None
    try:
        return [OrderStatus(text)]
    except ValueError:
        raise InvalidValue("status", "is not a known order status", text) from None


class OrdersController(PageController):
    path = "/orders"

    @get(sync_to_thread=True)
    def orders(
        self,
        *,
        request: Req,
        b2b: App,
        viewer: Viewing,
        page: PageNumber = 1,
        company: Text = "",
        status: Text = "",
        placed_from: Annotated[str, QueryParameter(name="from", max_length=10)] = "",
        placed_to: Annotated[str, QueryParameter(name="to", max_length=10)] = "",
    ) -> Template:
        query = {"company": company, "status": status, "from": placed_from, "to": placed_to}
        client = b2b.cabinet.client(viewer.actor)
        context: dict[str, Any] = {
            "query": query,
            "companies": client.companies_for(viewer.actor.id),
            "statuses": list(OrderStatus),
        }
        try:
            criteria: dict[str, Any] = {
                "company_ids": [company] if company else None,
                "statuses": _status(status),
                "placed_from": _day(placed_from, "period"),
                "placed_to": _day(placed_to, "period"),
            }
            settings: PageSettings = request.app.state["pages"]
            orders = paginate(
                lambda limit, offset: b2b.cabinet.order_summaries(
                    viewer.actor, limit=limit, offset=offset, **criteria
                ),
                page,
                settings.page_size,
            )
        except DomainError as exc:
            errors = field_errors(exc, viewer.locale, ("status", "period"))
            return render(
                viewer, "orders/list.html", status=400, errors=errors, page=None, **context
            )
        names = {c.id: c.name for c in client.companies.values()}
        return render(viewer, "orders/list.html", page=orders, names=names, **context)

    @get("/report", sync_to_thread=True)
    def report(
        self,
        b2b: App,
        viewer: Viewing,
        company: Text = "",
        fmt: Annotated[str, QueryParameter(name="format", max_length=8)] = "xlsx",
    ) -> Response[bytes]:
        """The order lines of one company (or all the viewer may see) as CSV or XLSX."""
        if fmt not in REPORT_TYPES:
            raise InvalidValue("format", "is not a report format this shop writes", fmt)
        out = io.BytesIO()
        request = OrderReport(company_ids=[company] if company else [])
        result = b2b.reports.orders(viewer.actor, request, fmt=fmt, out=out)
        name = f"{translate('Orders', viewer.locale)}.{result.extension}"
        return Response(
            out.getvalue(),
            media_type=REPORT_TYPES[fmt],
            headers={"Content-Disposition": _attachment(name)},
        )

    @get("/{order_id:str}", sync_to_thread=True)
    def order(self, b2b: App, viewer: Viewing, order_id: OrderId) -> Template:
        order = b2b.cabinet.order(viewer.actor, order_id)
        client = b2b.cabinet.client(viewer.actor)
        intervals = []
        if order.status is OrderStatus.PAID and order.delivery_interval is None:
            try:
                intervals = list(b2b.ordering.delivery_intervals(viewer.actor, order_id))
            except DomainError:
                intervals = []  # the warehouse is down: the page still shows the order
        return render(
            viewer,
            "orders/detail.html",
            order=order,
            company=client.companies.get(order.company_id),
            intervals=intervals,
            addresses=list(client.addresses.values()),
            reasons=[render_reason(r, viewer.locale) for r in order.route_reasons],
            # Offered while the order is open; the domain refuses what the buyer may not.
            may_cancel=not order.status.is_terminal and order.status is not OrderStatus.SHIPPED,
        )

    @post("/{order_id:str}/cancel", sync_to_thread=True)
    def cancel(
        self, request: Req, b2b: App, viewer: Viewing, order_id: OrderId, data: FormData
    ) -> Response[Any]:
        return self._act(
            request,
            viewer,
            order_id,
            "Order cancelled",
            lambda: b2b.ordering.cancel(viewer.actor, order_id, Form(data).get("reason")),
        )

    @post("/{order_id:str}/repeat", sync_to_thread=True)
    def repeat(self, request: Req, b2b: App, viewer: Viewing, order_id: OrderId) -> Response[Any]:
        try:
            order = b2b.ordering.repeat(viewer.actor, order_id)
        except DomainError as exc:
            return self._refused(request, viewer, order_id, exc)
        flash(
            request, translate("Order {order} placed", viewer.locale, order=order.number), "success"
        )
        return see_other(f"/orders/{order.id}")

    @post("/{order_id:str}/interval", sync_to_thread=True)
    def interval(
        self, request: Req, b2b: App, viewer: Viewing, order_id: OrderId, data: FormData
    ) -> Response[Any]:
        chosen = Form(data).get("interval_id")
        return self._act(
            request,
            viewer,
            order_id,
            "Delivery interval chosen",
            lambda: b2b.ordering.choose_delivery_interval(viewer.actor, order_id, chosen),
        )

    @get("/{order_id:str}/documents/{key:str}", sync_to_thread=True)
    def document(
        self, b2b: App, viewer: Viewing, order_id: OrderId, key: FromPath[str]
    ) -> Response[bytes]:
        name, content_type, data = b2b.documents.download(viewer.actor, order_id, key)
        return Response(
            data, media_type=content_type, headers={"Content-Disposition": _attachment(name)}
        )

    def _act(
        self, request: Req, viewer: Viewing, order_id: str, done: str, action: Any
    ) -> Response[Any]:
        """Run ``action``; a refusal the buyer can act on is flashed on the order page."""
        try:
            action()
        except DomainError as exc:
            return self._refused(request, viewer, order_id, exc)
        flash(request, translate(done, viewer.locale), "success")
        return see_other(f"/orders/{order_id}")

    @staticmethod
    def _refused(request: Req, viewer: Viewing, order_id: str, exc: DomainError) -> Response[Any]:
        if status_of(exc) in {403, 404}:
            raise exc  # the error page: another client's order reads as missing
        flash(request, field_errors(exc, viewer.locale)[FORM], "error")
        return see_other(f"/orders/{order_id}")


def _attachment(name: str) -> str:
    return f"attachment; filename*=UTF-8''{url_quote(name)}"
