"""The catalogue with B2B-warehouse stock, and a cart kept in the session.

The cart holds only SKUs and quantities; every price on the cart page comes from
the quote use case (list price, personal price, discount, delivery), so the page
shows what the order will cost.
"""

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
from b2bcore.web.pages.base import PageController, Viewing, flash, render, see_other
from b2bcore.web.pages.config import PageSettings
from b2bcore.web.pages.forms import FORM, Form, FormData, field_errors
from b2bcore.web.pages.pagination import paginate

Req = Request[Any, Any, Any]
PageNumber = Annotated[int, QueryParameter(name="page", ge=1, le=10_000)]
CART = "cart"
MAX_LINES = 200
PLACE_FIELDS = ("company_id", "address_id", "quantity", "sku", "lines")


def cart_of(request: Req) -> dict[str, int]:
    saved = request.session.get(CART) if request.scope.get("session") else None
    if not isinstance(saved, dict):
        return {}
    return {str(k): int(v) for k, v in saved.items() if isinstance(v, int)}


def _save(request: Req, cart: dict[str, int]) -> None:
    request.session[CART] = cart


def _quantity(text: str) -> int:
    try:
        return CartItem(sku="X", quantity=int(text)).quantity
    except ValueError:
        raise InvalidValue("quantity", "must be a whole number", text) from None


class CatalogueController(PageController):
    path = "/catalogue"

    @get(sync_to_thread=True)
    def catalogue(self, request: Req, b2b: App, viewer: Viewing, page: PageNumber = 1) -> Template:
        size = _settings(request).page_size
        products = paginate(
            lambda limit, offset: b2b.catalogue.products(limit=limit, offset=offset), page, size
        )
        stock = b2b.ordering.stock([p.sku for p in products.items]) if products.items else {}
        return render(
            viewer, "cabinet/catalogue.html", page=products, stock=stock, cart=cart_of(request)
        )


class CartController(PageController):
    path = "/cart"

    @get(sync_to_thread=True)
    def cart(self, request: Req, b2b: App, viewer: Viewing) -> Template:
        return _cart_page(request, b2b, viewer)

    @post("/add", sync_to_thread=True)
    def add(self, request: Req, b2b: App, viewer: Viewing, data: FormData) -> Response[Any]:
        form, locale = Form(data), viewer.locale
        cart = cart_of(request)
        try:
            sku = CartItem(sku=form.get("sku"), quantity=1).sku
            if not b2b.ordering.quote(viewer.actor, items=[CartItem(sku=sku, quantity=1)]).lines:
                raise InvalidValue("sku", "is not in the catalogue", sku)
            quantity = _quantity(form.get("quantity", "1"))
            if sku not in cart and len(cart) >= MAX_LINES:
                raise InvalidValue("lines", f"must be at most {MAX_LINES} lines")
        except DomainError as exc:
            flash(request, field_errors(exc, locale)[FORM], "error")
            return see_other("/catalogue")
        cart[sku] = min(cart.get(sku, 0) + quantity, 1_000_000)
        _save(request, cart)
        flash(request, translate("Added to the cart", locale), "success")
        return see_other("/catalogue")

    @post("/update", sync_to_thread=True)
    def update(self, request: Req, b2b: App, viewer: Viewing, data: FormData) -> Response[Any]:
        """New quantities (0 removes a line); a bad one is shown next to its line."""
        form = Form(data)
        cart = cart_of(request)
        for sku in list(cart):
            text = form.get(f"qty-{sku}")
            if text in {"", "0"} or form.get("remove") == sku:
                del cart[sku]
                continue
            try:
                cart[sku] = _quantity(text)
            except DomainError as exc:
                errors = {f"qty-{sku}": field_errors(exc, viewer.locale)[FORM]}
                return _cart_page(request, b2b, viewer, status=400, errors=errors)
        _save(request, cart)
        return see_other("/cart")

    @post("/place", sync_to_thread=True)
    def place(self, request: Req, b2b: App, viewer: Viewing, data: FormData) -> Response[Any]:
        form, locale = Form(data), viewer.locale
        cart = cart_of(request)
        try:
            if not cart:
                raise InvalidValue("lines", "an order needs at least one line")
            order = b2b.ordering.place(
                viewer.actor,
                company_id=form.get("company_id"),
                address_id=form.get("address_id"),
                items=[CartItem(sku=sku, quantity=qty) for sku, qty in cart.items()],
            )
        except DomainError as exc:
            errors = field_errors(exc, locale, PLACE_FIELDS)
            return _cart_page(request, b2b, viewer, status=400, errors=errors, form=form.values())
        _save(request, {})
        flash(request, translate("Order {order} placed", locale, order=order.number), "success")
        return see_other(f"/orders/{order.id}")


def _cart_page(
    request: Req, b2b: B2B, viewer: Viewing, status: int = 200, **context: Any
) -> Template:
    cart = cart_of(request)
    items = [CartItem(sku=sku, quantity=qty) for sku, qty in cart.items()]
    quote = None
    if items:
        try:
            quote = b2b.ordering.quote(viewer.actor, items=items)
        except DomainError as exc:  # a product left the catalogue since it was added
            context.setdefault("errors", field_errors(exc, viewer.locale))
    client = b2b.cabinet.client(viewer.actor)
    context.setdefault("form", {})
    return render(
        viewer,
        "cabinet/cart.html",
        status=status,
        quote=quote,
        cart=cart,
        companies=client.companies_for(viewer.actor.id),
        addresses=list(client.addresses.values()),
        **context,
    )


def _settings(request: Req) -> PageSettings:
    settings: PageSettings = request.app.state["pages"]
    return settings
