"""The demo's simulator page, mounted at ``/demo`` only when :func:`b2bcore.web.create_app`
is given the simulators: play the bank and the warehouse -- pay an open invoice in the
1C simulator, ship a transport in the SAP one -- and read the letters the mail
simulator kept, with their links clickable.

Anyone may use it (a demo shop holds nothing real); its forms carry the CSRF token
like every other form. The worker notices a payment or a shipment on its next poll.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from litestar import Controller, Request, Response, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template
from markupsafe import Markup, escape

from b2bcore.bootstrap import InMemoryWorld
from b2bcore.domain.errors import DomainError
from b2bcore.i18n import translate
from b2bcore.web.pages.base import flash, render, see_other
from b2bcore.web.pages.forms import FORM, Form, FormData, field_errors
from b2bcore.web.pages.locale import locale_of

Req = Request[Any, Any, Any]
STATE_KEY = "simulators"
HOME = "/demo"
LINK = re.compile(r"https?://[^\s<>\"']+")


def simulators_of(request: Req) -> InMemoryWorld:
    world: InMemoryWorld = request.app.state[STATE_KEY]
    return world


def with_links(text: str) -> Markup:
    """The letter's text, escaped, with every http(s) address made a link."""
    parts, last = [], 0
    for match in LINK.finditer(text):
        url = match.group(0).rstrip(".,;:)")
        parts += [escape(text[last : match.start()]), Markup('<a href="{0}">{0}</a>').format(url)]
        last = match.start() + len(url)
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def _amount(text: str) -> Decimal | None:
    """The amount typed (``12 345,67`` too), or ``None`` when it is not a positive amount."""
    try:
        amount = Decimal(text.replace("\u00a0", "").replace(" ", "").replace(",", "."))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount > 0 else None


class SimulatorController(Controller):
    path = HOME
    include_in_schema = False

    @get(sync_to_thread=True)
    def home(self, request: Req) -> Template:
        world = simulators_of(request)
        return render(
            None,
            "simulator/home.html",
            invoices=world.ledger.open_invoices(),
            shipments=world.erp.pending_shipments(),
            letters=_letters(world),
        )

    @post("/pay", sync_to_thread=True)
    def pay(self, request: Req, data: FormData) -> Response[Any]:
        """The bank pays the invoice: the amount typed, else what is still owed."""
        form, locale, world = Form(data), locale_of(request), simulators_of(request)
        number = form.get("invoice")
        owed = {i.number: i.outstanding for i in world.ledger.open_invoices()}
        if number not in owed:
            message = translate("Invoice {invoice} is not open", locale, invoice=number)
            flash(request, message, "error")
            return see_other(HOME)
        amount = _amount(form.get("amount")) if form.get("amount") else owed[number]
        if amount is None:
            message = translate("The amount must be a positive number of roubles", locale)
            flash(request, message, "error")
            return see_other(HOME)
        try:
            world.ledger.pay(number, amount)
        except DomainError as exc:
            flash(request, field_errors(exc, locale)[FORM], "error")
            return see_other(HOME)
        message = translate(
            "Payment of {amount} ₽ booked against invoice {invoice}: the order changes"
            " within seconds",
            locale,
            amount=amount,
            invoice=number,
        )
        flash(request, message, "success")
        return see_other(HOME)

    @post("/ship", sync_to_thread=True)
    def ship(self, request: Req, data: FormData) -> Response[Any]:
        """The warehouse issues the goods of one transport request."""
        form, locale, world = Form(data), locale_of(request), simulators_of(request)
        pending = {s.transport_reference: s for s in world.erp.pending_shipments()}
        shipment = pending.get(form.get("transport"))
        if shipment is None:
            message = translate("Nothing awaits shipment under this transport request", locale)
            flash(request, message, "error")
            return see_other(HOME)
        world.erp.ship(shipment.transport_reference)
        message = translate(
            "Order {order} shipped: the order changes within seconds",
            locale,
            order=shipment.order_number,
        )
        flash(request, message, "success")
        return see_other(HOME)

    @get("/mail/{index:int}", sync_to_thread=True)
    def letter(self, request: Req, index: FromPath[int]) -> Template:
        sent = simulators_of(request).mailer.sent
        if not 0 <= index < len(sent):
            raise NotFoundException
        message = sent[index]
        return render(
            None,
            "simulator/letter.html",
            index=index,
            letter=message,
            body=with_links(message.text),
        )


def _letters(world: InMemoryWorld) -> list[tuple[int, Any]]:
    """``(index, letter)``, newest first."""
    return list(reversed(list(enumerate(world.mailer.sent))))


def simulator_pages() -> Router:
    return Router(path="/", route_handlers=[SimulatorController], include_in_schema=False)
