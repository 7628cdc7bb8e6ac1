"""An order on a client's behalf: choose the client, then its company, a delivery
address and quantities of products; :meth:`Ordering.place` with the manager's actor
(the order is the client's, placed on its supervisor's name, routed as any other)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import QueryParameter
from litestar.response import Template

from b2bcore.application import B2B
from b2bcore.domain.errors import DomainError, InvalidValue
from b2bcore.domain.pricing import CartItem
from b2bcore.i18n import translate
from b2bcore.web.deps import App
from b2bcore.web.errors import status_of
from b2bcore.web.pages.base import flash, see_other
from b2bcore.web.pages.forms import Form, FormData, field_errors
from b2bcore.web.pages.manager.desk import DeskController, ManagerViewing, render_desk
from b2bcore.web.pages.manager.queue import order_path

Req = Request[Any, Any, Any]
ClientId = Annotated[str, QueryParameter(name="client", max_length=64)]
NEW_ORDER = "manager/order_new.html"
PLACE_FIELDS = ("client_id", "company_id", "address_id", "lines")
MAX_CLIENTS = 1000
MAX_PRODUCTS = 500


class NewOrderController(DeskController):
    path = "/orders/new"

    @get(sync_to_thread=True)
    def form(self, b2b: App, manager: ManagerViewing, client: ClientId = "") -> Template:
        return _page(b2b, manager, client, form={})

    @post(sync_to_thread=True)
    def place(
        self, request: Req, b2b: App, manager: ManagerViewing, data: FormData
    ) -> Response[Any]:
        form, locale = Form(data), manager.locale
        client_id = form.get("client_id")
        items, errors = _items(b2b, form, locale)
        if not errors:
            try:
                order = b2b.ordering.place(
                    manager.actor,
                    client_id=client_id,
                    company_id=form.get("company_id"),
                    address_id=form.get("address_id"),
                    items=items,
                )
            except DomainError as exc:
                if status_of(exc) == 403:
                    raise
                errors = field_errors(exc, locale, PLACE_FIELDS)
            else:
                done = translate("Order {order} placed", locale, order=order.number)
                flash(request, done, "success")
                return see_other(order_path(order.id))
        return _page(b2b, manager, client_id, status=400, errors=errors, form=form.values())


def _items(b2b: B2B, form: Form, locale: str) -> tuple[list[CartItem], dict[str, str]]:
    items: list[CartItem] = []
    errors: dict[str, str] = {}
    for product in b2b.catalogue.products(limit=MAX_PRODUCTS):
        field = f"qty-{product.sku}"
        text = form.get(field)
        if text in {"", "0"}:
            continue
        try:
            items.append(CartItem(sku=product.sku, quantity=int(text)))
        except ValueError:
            errors[field] = translate("must be a whole number", locale)
        except InvalidValue as exc:
            errors[field] = translate(exc.rule, locale)
    if not items and not errors:
        errors["lines"] = translate("an order needs at least one line", locale)
    return items, errors


def _page(
    b2b: B2B, manager: ManagerViewing, client_id: str, *, status: int = 200, **context: Any
) -> Template:
    """Without a client: choose one; with one: its companies, addresses and the products."""
    clients = b2b.cabinet.clients(manager.actor, limit=MAX_CLIENTS).rows
    client = None
    products: list[Any] = []
    stock: dict[str, int] = {}
    if client_id:
        try:
            client = b2b.cabinet.client(manager.actor, client_id)
        except DomainError as exc:
            if status_of(exc) != 404:
                raise
            context["errors"] = {"client_id": field_errors(exc, manager.locale)["__form__"]}
            status = 400 if status == 200 else status
    if client is not None:
        products = list(b2b.catalogue.products(limit=MAX_PRODUCTS))
        try:
            stock = dict(b2b.ordering.stock([p.sku for p in products])) if products else {}
        except DomainError:
            stock = {}  # the warehouse is down: the form still works
    return render_desk(
        manager,
        NEW_ORDER,
        status=status,
        clients=clients,
        client=client,
        products=products,
        stock=stock,
        **context,
    )
