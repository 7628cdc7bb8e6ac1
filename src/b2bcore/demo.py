"""The demo: a shop on in-memory simulators, walked from registration to delivery.

Used by ``b2b demo`` and by the tests; it drives only the public API, the way a
shop's own code would.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

import attrs

from b2bcore.adapters.clock import FixedClock
from b2bcore.application import B2B, NewContact
from b2bcore.bootstrap import InMemoryWorld, bootstrap, in_memory_world
from b2bcore.domain.actors import Actor
from b2bcore.domain.client import Manager
from b2bcore.domain.money import VatRate
from b2bcore.domain.order import Order
from b2bcore.domain.pricing import CartItem, Product
from b2bcore.i18n import render_reason, translate
from b2bcore.i18n import timeline as order_timeline

DEMO_INN = "7700111118"  # ООО "Ромашка" in the demo company directory (synthetic)
DEMO_KPP = "770001001"

PRODUCTS = (
    Product(sku="NB-AIR-13", name="Ноутбук Air 13", list_price=Decimal("119990.00")),
    Product(sku="PH-PRO-15", name="Смартфон Pro 15 256 ГБ", list_price=Decimal("99990.00")),
    Product(sku="TB-11", name="Планшет 11 Wi-Fi", list_price=Decimal("54990.00")),
    Product(sku="HP-PRO", name="Наушники беспроводные Pro", list_price=Decimal("24990.00")),
    Product(sku="CH-USB-C", name="Зарядное устройство USB-C 35 Вт", list_price=Decimal("5990.00")),
    Product(
        sku="SRV-SETUP",
        name="Настройка устройства",
        list_price=Decimal("2500.00"),
        vat_rate=VatRate.NO_VAT,
        unit="усл",
    ),
)
MANAGER = Manager(
    id="mgr-1", full_name="Анна Смирнова", email="a.smirnova@shop.example", phone="+7 495 000-00-01"
)


@attrs.frozen(kw_only=True)
class Demo:
    app: B2B
    world: InMemoryWorld
    buyer: Actor
    manager: Actor
    company_id: str
    address_id: str


def seed(now: datetime | None = None, *, inn: str = DEMO_INN, kpp: str | None = DEMO_KPP) -> Demo:
    """A world with a manager, a catalogue, stock and one client registered by ``inn``."""
    world = in_memory_world(now=now or datetime.now().astimezone())
    app = bootstrap(world=world)
    app.catalogue.add_manager(MANAGER)
    app.catalogue.upsert_products(PRODUCTS)
    for product in PRODUCTS:
        world.erp.set_stock(product.sku, 500)
    registered = app.registration.register_client(
        inn=inn,
        kpp=kpp,
        contact=NewContact(
            full_name="Пётр Иванов", email="p.ivanov@romashka.example", phone="+7 900 000-00-00"
        ),
    )
    buyer = Actor.buyer(registered.contact_id, registered.client_id)
    address = app.cabinet.add_address(
        buyer, label="Офис", address="г Москва, ул Тверская, д 7, офис 12", recipient="Пётр Иванов"
    )
    return Demo(
        app=app,
        world=world,
        buyer=buyer,
        manager=Actor.manager(MANAGER.id),
        company_id=registered.company_id,
        address_id=address.id,
    )


Say = Callable[[str], None]


def _(message_id: str, **params: object) -> str:
    return translate(message_id, **params)


def run(demo: Demo, say: Say) -> list[Order]:
    """Place three orders and drive each as far as the simulators allow."""
    app, world = demo.app, demo.world
    small = app.ordering.place(
        demo.buyer,
        company_id=demo.company_id,
        address_id=demo.address_id,
        items=[CartItem(sku="PH-PRO-15", quantity=1), CartItem(sku="CH-USB-C", quantity=2)],
    )
    _placed(say, small)
    large = app.ordering.place(
        demo.buyer,
        company_id=demo.company_id,
        address_id=demo.address_id,
        items=[
            CartItem(sku="NB-AIR-13", quantity=5),
            CartItem(sku="TB-11", quantity=4),
            CartItem(sku="HP-PRO", quantity=4),
            CartItem(sku="SRV-SETUP", quantity=9),
        ],
    )
    _placed(say, large)
    unpaid = app.ordering.place(
        demo.buyer,
        company_id=demo.company_id,
        address_id=demo.address_id,
        items=[CartItem(sku="TB-11", quantity=1)],
    )
    _placed(say, unpaid)

    clock = world.clock
    assert isinstance(clock, FixedClock), "the demo runs on a fixed clock"
    clock.advance(minutes=2)
    app.processing.run_until_idle()  # the worker reserves and invoices the small orders
    clock.advance(minutes=40)
    app.review.approve(demo.manager, large.id, "крупный клиент, согласовано")
    say(_("Manager approved order {order}", order=large.number))
    app.processing.run_until_idle()

    clock.advance(hours=20)
    for order in (small, large):
        invoice = app.cabinet.order(demo.buyer, order.id).invoice
        assert invoice is not None
        world.ledger.pay(invoice.number, invoice.amount)
        say(
            _(
                "Buyer paid invoice {invoice}: {amount} ₽",
                invoice=invoice.number,
                amount=invoice.amount,
            )
        )
    clock.advance(minutes=15)
    app.processing.run_until_idle()  # payments polled: the orders are paid

    clock.advance(hours=1)
    for order in (small, large):
        first = app.ordering.delivery_intervals(demo.buyer, order.id)[0]
        app.ordering.choose_delivery_interval(demo.buyer, order.id, first.id)
        say(
            _(
                "Buyer chose delivery interval {interval} for {order}",
                interval=first.id,
                order=order.number,
            )
        )
    clock.advance(minutes=1)
    app.processing.run_until_idle()  # transport requested
    clock.advance(hours=18)
    world.erp.advance_all()  # the warehouse ships
    app.processing.run_until_idle()

    days = app.services.settings.invoice_due_days
    clock.advance(days=days)
    say(_("{days} days later ...", days=days))
    app.processing.run_until_idle()
    return [app.cabinet.order(demo.buyer, o.id) for o in (small, large, unpaid)]


def _placed(say: Say, order: Order) -> None:
    say(
        _(
            "Order {order} placed: {amount} ₽, route: {route}",
            order=order.number,
            amount=order.gross_total,
            route=_(f"route:{order.route.value}"),
        )
    )
    for reason in order.route_reasons:
        say("  " + _("why: {reason}", reason=render_reason(reason)))


def timeline(order: Order) -> list[str]:
    """The order's history in the interface language (see :func:`b2bcore.i18n.timeline`)."""
    return order_timeline(order)
