"""The demo: a shop on in-memory simulators, walked from registration to delivery.

Used by ``b2b demo`` and by the tests; it drives only the public API, the way a
shop's own code would.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Literal

import attrs

from b2bcore.adapters.clock import FixedClock
from b2bcore.adapters.persistence.sql import migrate
from b2bcore.application import B2B, NewContact
from b2bcore.bootstrap import InMemoryWorld, bootstrap, in_memory_world
from b2bcore.config import Config
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
SUPERVISOR = NewContact(
    full_name="Пётр Иванов", email="p.ivanov@romashka.example", phone="+7 900 000-00-00"
)
EMPLOYEE = NewContact(full_name="Ольга Петрова", email="o.petrova@romashka.example")

DEMO_PASSWORDS = {
    SUPERVISOR.email: "demo-supervisor-1",
    EMPLOYEE.email: "demo-employee-1",
    MANAGER.email: "demo-manager-1",
}
"""The demo's sign-in e-mails and passwords, printed by ``b2b serve --demo``.
Public on purpose: a demo shop lives in memory and holds nothing real."""


@attrs.frozen(kw_only=True)
class Demo:
    app: B2B
    world: InMemoryWorld
    buyer: Actor
    employee: Actor
    manager: Actor
    company_id: str
    address_id: str


def seed(
    now: datetime | None = None,
    *,
    inn: str = DEMO_INN,
    kpp: str | None = DEMO_KPP,
    config: Config | None = None,
    clock: Literal["fixed", "system"] = "fixed",
) -> Demo:
    """A world with a manager, a catalogue, stock and one client registered by ``inn``:
    its supervisor (the buyer), an employee granted the company, and a login with a
    password from :data:`DEMO_PASSWORDS` for each of them and the manager.

    Storage is in memory unless ``config`` names a database (whose schema must be
    current: :func:`fresh_database`); the other systems are always the simulators,
    documents included. ``clock="system"`` runs on real time (a served demo, whose
    worker polls), else on a clock fixed at ``now`` that :func:`run` advances.
    """
    world = in_memory_world(now=None if clock == "system" else now or datetime.now().astimezone())
    app = bootstrap(config, world=world, documents=world.documents)
    app.catalogue.add_manager(MANAGER)
    app.catalogue.upsert_products(PRODUCTS)
    for product in PRODUCTS:
        world.erp.set_stock(product.sku, 500)
    registered = app.registration.register_client(inn=inn, kpp=kpp, contact=SUPERVISOR)
    buyer = Actor.buyer(registered.contact_id, registered.client_id)
    employee = app.cabinet.add_user(buyer, EMPLOYEE, company_ids=[registered.company_id])
    employee_actor = Actor.buyer(employee.id, registered.client_id)
    app.accounts.set_initial_password(buyer, DEMO_PASSWORDS[SUPERVISOR.email])
    app.accounts.set_initial_password(employee_actor, DEMO_PASSWORDS[EMPLOYEE.email])
    app.accounts.create_manager_login(MANAGER.id, DEMO_PASSWORDS[MANAGER.email])
    address = app.cabinet.add_address(
        buyer, label="Офис", address="г Москва, ул Тверская, д 7, офис 12", recipient="Пётр Иванов"
    )
    return Demo(
        app=app,
        world=world,
        buyer=buyer,
        employee=employee_actor,
        manager=Actor.manager(MANAGER.id),
        company_id=registered.company_id,
        address_id=address.id,
    )


def fresh_database(path: Path) -> str:
    """An empty SQLite file at ``path`` (any old one deleted) migrated to the newest
    schema; its URL. A served demo starts from it each time: its simulators live in
    memory, so yesterday's orders would point at invoices nobody remembers."""
    for stale in (path, *(path.with_name(path.name + end) for end in ("-wal", "-shm"))):
        stale.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    return url


def place_sample_orders(demo: Demo) -> list[Order]:
    """Orders in several states on a demo running on real time: awaiting payment, paid
    and awaiting a delivery interval, awaiting shipment, shipped, and with the manager."""
    app, world = demo.app, demo.world

    def place(**quantities: int) -> Order:
        items = [CartItem(sku=sku.replace("_", "-"), quantity=q) for sku, q in quantities.items()]
        return app.ordering.place(
            demo.buyer, company_id=demo.company_id, address_id=demo.address_id, items=items
        )

    def read(order: Order) -> Order:
        return app.cabinet.order(demo.buyer, order.id)

    unpaid = place(TB_11=1)
    paid = place(PH_PRO_15=1, CH_USB_C=2)
    scheduled = place(CH_USB_C=3)
    shipped = place(HP_PRO=2)
    large = place(NB_AIR_13=5, TB_11=4, HP_PRO=4, SRV_SETUP=9)  # over the limits: the queue
    app.processing.run_until_idle()
    for order in (paid, scheduled, shipped):
        invoice = read(order).invoice
        assert invoice is not None, f"order {order.number} was not invoiced"
        world.ledger.pay(invoice.number, invoice.amount)
    app.processing.run_until_idle()
    for order in (scheduled, shipped):
        first = app.ordering.delivery_intervals(demo.buyer, order.id)[0]
        app.ordering.choose_delivery_interval(demo.buyer, order.id, first.id)
    app.processing.run_until_idle()  # the transport requests
    transport = read(shipped).transport_request
    assert transport is not None, f"order {shipped.number} has no transport request"
    world.erp.ship(transport)
    app.processing.run_until_idle()
    return [read(o) for o in (unpaid, paid, scheduled, shipped, large)]


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
