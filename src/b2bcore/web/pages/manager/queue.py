"""The manual queue and the review of one order: adjust, approve, reject, retry.

The pages only read the form and call :class:`~b2bcore.application.Review` with
the manager's actor; a refusal is shown on the review page next to the field it
names, with its 4xx status.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import attrs
from litestar import Request, Response, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from b2bcore.application import B2B, LineAdjustment
from b2bcore.domain.client import CorporateClient
from b2bcore.domain.errors import DomainError, InvalidValue
from b2bcore.domain.money import non_negative_money
from b2bcore.domain.order import Order, OrderStatus
from b2bcore.domain.pricing import CartItem
from b2bcore.i18n import render_reason, translate
from b2bcore.web.deps import App, OrderId
from b2bcore.web.errors import status_of
from b2bcore.web.pages.base import flash, see_other
from b2bcore.web.pages.forms import Form, FormData, field_errors
from b2bcore.web.pages.manager.desk import PREFIX, DeskController, ManagerViewing, render_desk

Req = Request[Any, Any, Any]
Show = Annotated[str, QueryParameter(max_length=8)]
REVIEW = "manager/review.html"
QUEUE = "manager/queue.html"
ADJUST_FIELDS = ("discount_percent", "lines", "sku", "new_sku", "new_quantity")


@attrs.frozen(kw_only=True)
class Waiting:
    """One row of the queue."""

    order: Order
    client_name: str
    mine: bool
    reasons: list[str]


def order_path(order_id: str) -> str:
    return f"{PREFIX}/orders/{order_id}"


class QueueController(DeskController):
    path = "/"

    @get()
    async def home(self) -> Redirect:
        return see_other(f"{PREFIX}/queue")

    @get("/queue", sync_to_thread=True)
    def queue(self, b2b: App, manager: ManagerViewing, show: Show = "all") -> Template:
        """Orders waiting for a manager: the manager's own clients first, or only them."""
        mine_only = show == "mine"
        orders = b2b.review.queue(manager.actor, manager_id=manager.actor.id if mine_only else None)
        clients: dict[str, CorporateClient] = {}
        rows = []
        for order in orders:
            if order.client_id not in clients:
                clients[order.client_id] = b2b.cabinet.client(manager.actor, order.client_id)
            client = clients[order.client_id]
            rows.append(
                Waiting(
                    order=order,
                    client_name=client.name,
                    mine=client.manager_id == manager.actor.id,
                    reasons=[render_reason(r, manager.locale) for r in order.route_reasons],
                )
            )
        rows.sort(key=lambda row: not row.mine)  # stable: oldest first within each group
        return render_desk(manager, QUEUE, rows=rows, show="mine" if mine_only else "all")


class ReviewController(DeskController):
    path = "/orders/{order_id:str}"

    @get(sync_to_thread=True)
    def review(self, b2b: App, manager: ManagerViewing, order_id: OrderId) -> Template:
        return review_page(b2b, manager, b2b.cabinet.order(manager.actor, order_id))

    @post("/adjust", sync_to_thread=True)
    def adjust(
        self, request: Req, b2b: App, manager: ManagerViewing, order_id: OrderId, data: FormData
    ) -> Response[Any]:
        form, locale = Form(data), manager.locale
        order = b2b.cabinet.order(manager.actor, order_id)
        lines, discount, errors = _adjustments(form, order, locale)
        if not errors:
            try:
                b2b.review.adjust(manager.actor, order_id, lines=lines, discount_percent=discount)
            except DomainError as exc:
                return _refused(b2b, manager, order_id, exc, fields=ADJUST_FIELDS, form=form)
            flash(request, translate("Changes saved", locale), "success")
            return see_other(order_path(order_id))
        return review_page(b2b, manager, order, status=400, errors=errors, form=form.values())

    @post("/approve", sync_to_thread=True)
    def approve(
        self, request: Req, b2b: App, manager: ManagerViewing, order_id: OrderId, data: FormData
    ) -> Response[Any]:
        form = Form(data)
        try:
            order = b2b.review.approve(manager.actor, order_id, form.get("note"))
        except DomainError as exc:
            return _refused(b2b, manager, order_id, exc, fields=("note",), form=form)
        done = translate(
            "Order {order} approved: automation resumes", manager.locale, order=order.number
        )
        flash(request, done, "success")
        return see_other(f"{PREFIX}/queue")

    @post("/reject", sync_to_thread=True)
    def reject(
        self, request: Req, b2b: App, manager: ManagerViewing, order_id: OrderId, data: FormData
    ) -> Response[Any]:
        form = Form(data)
        try:
            order = b2b.review.reject(manager.actor, order_id, form.get("reason"))
        except DomainError as exc:
            return _refused(b2b, manager, order_id, exc, fields=("reason",), form=form)
        done = translate("Order {order} rejected", manager.locale, order=order.number)
        flash(request, done, "success")
        return see_other(f"{PREFIX}/queue")

    @post("/retry", sync_to_thread=True)
    def retry(
        self, request: Req, b2b: App, manager: ManagerViewing, order_id: OrderId
    ) -> Response[Any]:
        try:
            order = b2b.review.retry(manager.actor, order_id)
        except DomainError as exc:
            return _refused(b2b, manager, order_id, exc)
        done = translate(
            "Order {order}: the step will run again", manager.locale, order=order.number
        )
        flash(request, done, "success")
        return see_other(order_path(order_id))


def review_page(
    b2b: B2B, manager: ManagerViewing, order: Order, *, status: int = 200, **context: Any
) -> Template:
    client = b2b.cabinet.client(manager.actor, order.client_id)
    context.setdefault("form", {})
    return render_desk(
        manager,
        REVIEW,
        status=status,
        order=order,
        client=client,
        company=client.companies.get(order.company_id),
        reasons=[render_reason(r, manager.locale) for r in order.route_reasons],
        in_review=order.status is OrderStatus.IN_REVIEW,
        **context,
    )


def _refused(
    b2b: B2B,
    manager: ManagerViewing,
    order_id: str,
    exc: DomainError,
    *,
    fields: tuple[str, ...] = (),
    form: Form | None = None,
) -> Template:
    status = status_of(exc)
    if status in {403, 404}:
        raise exc  # the error page: a missing order reads as missing
    order = b2b.cabinet.order(manager.actor, order_id)
    errors = field_errors(exc, manager.locale, fields)
    values = {} if form is None else form.values()
    return review_page(b2b, manager, order, status=status, errors=errors, form=values)


def _adjustments(
    form: Form, order: Order, locale: str
) -> tuple[list[LineAdjustment], Decimal | None, dict[str, str]]:
    """The lines as the manager wants them (quantity 0 drops a line), the discount, and
    ``{field: message}`` for each field that is not a number."""
    errors: dict[str, str] = {}
    lines: list[LineAdjustment] = []
    for line in order.lines:
        quantity = _quantity(form.get(f"qty-{line.sku}", str(line.quantity)), f"qty-{line.sku}")
        price = _price(form.get(f"price-{line.sku}"), f"price-{line.sku}")
        for field, parsed in ((f"qty-{line.sku}", quantity), (f"price-{line.sku}", price)):
            if isinstance(parsed, InvalidValue):
                errors[field] = translate(parsed.rule, locale)
        if isinstance(quantity, int) and quantity > 0 and not isinstance(price, InvalidValue):
            lines.append(LineAdjustment(sku=line.sku, quantity=quantity, unit_price=price))
    new_sku = form.get("new_sku")
    if new_sku:
        quantity = _quantity(form.get("new_quantity") or "1", "new_quantity")
        if isinstance(quantity, InvalidValue) or quantity == 0:
            rule = quantity.rule if isinstance(quantity, InvalidValue) else "must be a whole number"
            errors["new_quantity"] = translate(rule, locale)
        else:
            lines.append(LineAdjustment(sku=new_sku, quantity=quantity))
    discount: Decimal | None = None
    text = form.get("discount_percent")
    if text:
        try:
            discount = Decimal(_normalized(text))
        except InvalidOperation:
            errors["discount_percent"] = translate("must be a number", locale)
    return lines, discount, errors


def _normalized(text: str) -> str:
    """The text of a number as a Decimal reads it: "1 234,50" is 1234.50."""
    return text.replace("\u00a0", "").replace(" ", "").replace(",", ".")


def _quantity(text: str, field: str) -> int | InvalidValue:
    """A whole number of units, 0 meaning "drop the line"."""
    try:
        number = int(_normalized(text))
    except ValueError:
        return InvalidValue(field, "must be a whole number", text)
    if number == 0:
        return 0
    try:
        return CartItem(sku="X", quantity=number).quantity
    except InvalidValue as exc:
        return exc


def _price(text: str, field: str) -> Decimal | InvalidValue | None:
    """A manual unit price, or None (blank) for the computed one."""
    if not text:
        return None
    try:
        return non_negative_money(_normalized(text), field=field)
    except InvalidValue as exc:
        return exc


__all__ = ["QueueController", "ReviewController", "order_path", "review_page"]
