"""Builders of valid test aggregates, made through the real domain constructors.

Every argument has a default, so a test names only what it is about::

    client = make_client(client_id="client-2", inn=SECOND_INN, kpp=SECOND_KPP)
    order = make_order(order_id="order-7", client_id="client-2", quantity=3)
    paid = paid_order(make_order(order_id="order-8"), paid_at=on(date(2026, 3, 5)))

Ids that belong together are derived from ``client_id`` (:func:`company_id_for`,
:func:`contact_id_for`), so an order built for ``client_id="client-2"`` belongs
to the company and buyer of ``make_client(client_id="client-2")``.

The second half builds a whole shop on the in-memory simulators, through the
public use cases only (:func:`seed_shop`, :func:`register_cast`, :func:`open_shop`)::

    world, app, cast = open_shop()
    order = place_order(app, cast, PAPER=10)
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs

from b2bcore.application import B2B, NewContact
from b2bcore.bootstrap import InMemoryWorld, bootstrap, in_memory_world
from b2bcore.domain.actors import Actor
from b2bcore.domain.autoprocessing import Route, RoutingDecision
from b2bcore.domain.client import (
    Company,
    CompanyKind,
    Contact,
    CorporateClient,
    Manager,
    Requisites,
)
from b2bcore.domain.identifiers import Inn, Kpp, Ogrn
from b2bcore.domain.money import VatRate
from b2bcore.domain.order import DeliveryInterval, Order, OrderStatus
from b2bcore.domain.pricing import CartItem, DeliveryCharge, OrderLine, Product
from b2bcore.domain.reasons import Reason
from b2bcore.domain.tasks import ManagerTask, TaskKind

INN = "7707083893"
KPP = "773601001"
OGRN = "1027700132195"
SECOND_INN = "7728168971"
SECOND_KPP = "772801001"

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SYSTEM = Actor.system()


def company_id_for(client_id: str) -> str:
    return f"{client_id}-company"


def contact_id_for(client_id: str) -> str:
    return f"{client_id}-buyer"


def make_client(
    *,
    client_id: str = "client-1",
    inn: str = INN,
    kpp: str = KPP,
    ogrn: str | None = OGRN,
    name: str = 'ООО "Ромашка"',
    company_id: str | None = None,
    contact_id: str | None = None,
    email: str | None = None,
    manager_id: str = "manager-1",
    now: datetime = NOW,
) -> CorporateClient:
    """A registered client with one legal entity and its supervisor (``{client_id}@example.ru``)."""
    company = Company(
        id=company_id or company_id_for(client_id),
        requisites=Requisites(
            inn=Inn(inn),
            kpp=Kpp(kpp),
            ogrn=None if ogrn is None else Ogrn(ogrn),
            kind=CompanyKind.LEGAL_ENTITY,
            full_name=f"Общество с ограниченной ответственностью {name}",
            short_name=name,
            legal_address="г. Москва, ул. Тверская, д. 1",
        ),
    )
    supervisor = Contact(
        id=contact_id or contact_id_for(client_id),
        full_name="Иванов Иван Иванович",
        email=email or f"{client_id}@example.ru",
    )
    return CorporateClient.register(
        client_id=client_id, company=company, supervisor=supervisor, manager_id=manager_id, now=now
    )


def make_product(
    *, sku: str = "SKU-1", name: str = "Бумага А4", list_price: Decimal | str = "500.00"
) -> Product:
    return Product(sku=sku, name=name, list_price=Decimal(list_price))


def make_order(
    *,
    order_id: str = "order-1",
    number: str | None = None,
    client_id: str = "client-1",
    company_id: str | None = None,
    contact_id: str | None = None,
    product: Product | None = None,
    quantity: int = 10,
    delivery_gross: Decimal | str = "1500.00",
    discount_percent: Decimal | str = "0.00",
    placed_at: datetime = NOW,
) -> Order:
    """A placed order on the automatic track; ``number`` defaults to ``ЗК-{order_id}``."""
    return Order.place(
        order_id=order_id,
        number=number or f"ЗК-{order_id}",
        client_id=client_id,
        company_id=company_id or company_id_for(client_id),
        contact_id=contact_id or contact_id_for(client_id),
        lines=[OrderLine.price(product or make_product(), quantity)],
        delivery=DeliveryCharge(gross=Decimal(delivery_gross)),
        delivery_address="г. Москва, ул. Складская, д. 5",
        discount_percent=Decimal(discount_percent),
        decision=RoutingDecision(Route.AUTOMATIC),
        actor=Actor.buyer(contact_id or contact_id_for(client_id), client_id),
        now=placed_at,
    )


def invoiced_order(
    order: Order | None = None,
    *,
    invoice_number: str | None = None,
    due_in: timedelta = timedelta(days=5),
) -> Order:
    """``order`` (default :func:`make_order`) reserved and invoiced by the system when placed."""
    placed = order or make_order()
    placed.reserve(SYSTEM, placed.placed_at, f"reservation-{placed.id}")
    placed.issue_invoice(
        SYSTEM,
        placed.placed_at,
        number=invoice_number or f"СЧ-{placed.id}",
        due_date=placed.placed_at.date() + due_in,
    )
    return placed


def paid_order(
    order: Order | None = None,
    *,
    paid_at: datetime | None = None,
    invoice_number: str | None = None,
) -> Order:
    """``order`` (default :func:`make_order`) invoiced when placed and paid in full at
    ``paid_at`` (default: an hour after it was placed)."""
    invoiced = invoiced_order(order, invoice_number=invoice_number)
    invoiced.record_payment(
        SYSTEM,
        payment_id=f"payment-{invoiced.id}",
        amount=invoiced.gross_total,
        received_at=paid_at or invoiced.placed_at + timedelta(hours=1),
    )
    return invoiced


def make_task(
    *,
    task_id: str = "task-1",
    created_at: datetime = NOW,
    contact_name: str = "Петров Пётр",
    email: str = "petrov@example.ru",
    inn: str = INN,
) -> ManagerTask:
    """An open one-click registration request."""
    return ManagerTask(
        id=task_id,
        kind=TaskKind.ONE_CLICK_REGISTRATION,
        created_at=created_at,
        contact_name=contact_name,
        email=email,
        inn=inn,
    )


def make_manager(
    *, manager_id: str = "manager-1", full_name: str = "Смирнова Анна", email: str | None = None
) -> Manager:
    return Manager(
        id=manager_id, full_name=full_name, email=email or f"{manager_id}@shop.example.ru"
    )


def on(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """A moment of ``day`` in UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def state_of(aggregate: Any) -> dict[str, Any]:
    """An aggregate's fields, recursively, without its unpublished events: compares state."""
    # attrs.asdict keeps collection types, so sets compare as sets.
    return attrs.asdict(aggregate, filter=lambda field, _value: field.name != "events")


def interval_after(
    at: datetime, *, days: int = 1, interval_id: str | None = None
) -> DeliveryInterval:
    """A four-hour delivery interval starting ``days`` days after ``at``."""
    starts_at = at + timedelta(days=days)
    return DeliveryInterval(
        id=interval_id or f"{starts_at:%Y-%m-%dT%H}",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=4),
    )


def order_in(status: OrderStatus, order: Order | None = None) -> Order:
    """``order`` (default :func:`make_order`) driven along the happy path into ``status``.

    ``in_review`` is reached by the system sending a placed order to review,
    ``cancelled`` by a manager cancelling a placed one. Every step happens at
    the moment the order was placed; the delivery interval starts a day later.
    """
    placed = order or make_order()
    at = placed.placed_at
    manager = Actor.manager("manager-1")
    buyer = Actor.buyer(placed.contact_id, placed.client_id)
    if status is OrderStatus.IN_REVIEW:
        placed.send_to_review(SYSTEM, at, [Reason("stock_short", "not enough stock of SKU-1")])
        return placed
    if status is OrderStatus.CANCELLED:
        placed.cancel(manager, at, "cancelled for the test")
        return placed
    steps = [
        (OrderStatus.RESERVED, lambda o: o.reserve(SYSTEM, at, f"reservation-{o.id}")),
        (
            OrderStatus.INVOICED,
            lambda o: o.issue_invoice(
                SYSTEM, at, number=f"СЧ-{o.id}", due_date=at.date() + timedelta(days=5)
            ),
        ),
        (
            OrderStatus.PAID,
            lambda o: o.record_payment(
                SYSTEM, payment_id=f"payment-{o.id}", amount=o.gross_total, received_at=at
            ),
        ),
        (
            OrderStatus.SCHEDULED,
            lambda o: o.choose_delivery_interval(buyer, at, interval_after(at)),
        ),
        (
            OrderStatus.TRANSPORT_REQUESTED,
            lambda o: o.request_transport(SYSTEM, at, f"transport-{o.id}"),
        ),
        (OrderStatus.SHIPPED, lambda o: o.ship(SYSTEM, at, f"shipment-{o.id}")),
        (OrderStatus.DELIVERED, lambda o: o.deliver(SYSTEM, at)),
    ]
    for reached, step in steps:
        if placed.status is status:
            break
        step(placed)
        assert placed.status is reached
    assert placed.status is status
    return placed


def orders_with_every_note() -> list[Order]:
    """Orders of client-1 whose histories hold every kind of history note between them.

    References look like the real ones (``СЧ-2026-000001``, ``TR-000003``), so a
    test can tell an id apart from a word.
    """
    at = NOW
    manager = Actor.manager("manager-1")
    buyer = Actor.buyer(contact_id_for("client-1"), "client-1")

    def new(n: int) -> Order:
        return make_order(order_id=f"order-{n}", number=f"ЗК-2026-00000{n}")

    def invoice(order: Order, n: int) -> Order:
        order.reserve(SYSTEM, at, f"RS-00000{n}")
        number = f"СЧ-2026-00000{n}"
        order.issue_invoice(SYSTEM, at, number=number, due_date=at.date() + timedelta(days=5))
        return order

    delivered = invoice(new(1), 1)
    delivered.record_payment(
        SYSTEM, payment_id="p-1", amount=Decimal("1000.00"), received_at=at
    )  # partial: no history line
    delivered.record_payment(SYSTEM, payment_id="p-2", amount=delivered.amount_due, received_at=at)
    delivered.choose_delivery_interval(buyer, at, interval_after(at, interval_id="2026-03-03T10"))
    delivered.request_transport(SYSTEM, at, "TR-000003")
    delivered.ship(SYSTEM, at, "SH-000002")
    delivered.deliver(SYSTEM, at)

    approved = new(2)
    approved.send_to_review(
        SYSTEM,
        at,
        [
            Reason(
                "max_gross_total",
                "gross total 942 370.00 ₽ is not below the limit 300 000.00 ₽",
                {"gross_total": "942370.00", "limit": "300000.00"},
            ),
            Reason(
                "stock_short",
                "not enough stock of SKU-1: requested 10, available 3",
                {"sku": "SKU-1", "requested": "10", "available": "3"},
            ),
        ],
    )
    approved.adjust(manager, at, lines=approved.lines, discount_percent=Decimal("2.5"))
    approved.approve(manager, at, "клиент надёжный")

    approved_quietly = new(3)
    approved_quietly.send_to_review(
        SYSTEM, at, [Reason("max_lines", "too many", {"line_count": "12", "limit": "10"})]
    )
    approved_quietly.approve(manager, at)

    rejected = new(4)
    rejected.send_to_review(SYSTEM, at, [Reason("client_active", "client client-1 is not active")])
    rejected.reject(manager, at, "товар снят с производства")

    rejected_quietly = new(5)
    rejected_quietly.send_to_review(SYSTEM, at, [Reason("company_active", "company is not active")])
    rejected_quietly.reject(manager, at, "")

    cancelled_with_reason = new(6)
    cancelled_with_reason.cancel(buyer, at, "ошиблись с количеством")
    cancelled_by_buyer = new(7)
    cancelled_by_buyer.cancel(buyer, at)
    cancelled_by_manager = invoice(new(8), 8)
    cancelled_by_manager.cancel(manager, at)
    expired = invoice(new(9), 9)
    expired.expire_invoice(SYSTEM, at + timedelta(days=6))
    return [
        delivered,
        approved,
        approved_quietly,
        rejected,
        rejected_quietly,
        cancelled_with_reason,
        cancelled_by_buyer,
        cancelled_by_manager,
        expired,
    ]


# -- a shop on the in-memory simulators -------------------------------------------

SHOP_NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
"""A Thursday: the warehouse offers slots from Friday 27 November on."""

SHOP_MANAGER = Manager(
    id="mgr-1",
    full_name="Анна Смирнова",
    email="a.smirnova@shop.example.ru",
    phone="+7 495 000-00-01",
)

# The synthetic companies of CompanyDirectory.demo().
ROMASHKA_INN = "7700111118"
ROMASHKA_KPP = "770001001"
ROMASHKA_BRANCH_KPP = "780143001"
VASILEK_INN = "7700222227"
VASILEK_KPP = "770001001"
LIQUIDATED_INN = "7700333336"
LIQUIDATING_INN = "7700444445"
ENTREPRENEUR_INN = "123456789047"
SBERBANK_BIK = "044525225"

MANAGER = Actor.manager(SHOP_MANAGER.id)

SUPERVISOR_EMAIL = "p.ivanov@romashka.example.ru"
EMPLOYEE_EMAIL = "o.petrova@romashka.example.ru"
OTHER_BUYER_EMAIL = "s.sidorov@vasilek.example.ru"

CATALOGUE = (
    Product(sku="PAPER", name="Бумага А4, 500 листов", list_price=Decimal("500.00")),
    Product(sku="PEN", name="Ручка шариковая синяя", list_price=Decimal("33.33")),
    Product(
        sku="BOOK",
        name="Справочник бухгалтера",
        list_price=Decimal("850.00"),
        vat_rate=VatRate.VAT10,
    ),
    Product(
        sku="SETUP",
        name="Настройка оборудования",
        list_price=Decimal("2500.00"),
        vat_rate=VatRate.NO_VAT,
        unit="усл",
    ),
    Product(sku="TONER", name="Картридж с тонером", list_price=Decimal("5000.00")),
    Product(sku="LAPTOP", name="Ноутбук 14", list_price=Decimal("120000.00")),
)
STOCK = {"PAPER": 1000, "PEN": 5000, "BOOK": 200, "SETUP": 1000, "TONER": 5, "LAPTOP": 20}


@attrs.frozen(kw_only=True)
class Cast:
    """Who acts in a seeded shop.

    Client A (ООО "Ромашка": head office and Saint Petersburg branch) has a
    supervisor and an employee granted the head office only; client B
    (ООО "Василёк") has one buyer. Both belong to :data:`SHOP_MANAGER`.
    """

    client_id: str
    head_office_id: str
    branch_id: str
    supervisor: Actor
    employee: Actor
    address_id: str
    other_client_id: str
    other_company_id: str
    other_buyer: Actor
    other_address_id: str
    manager: Actor = MANAGER
    system: Actor = SYSTEM


def seed_shop(app: B2B, world: InMemoryWorld) -> None:
    """The shop's side: one manager, the catalogue, and stock for every product."""
    app.catalogue.add_manager(SHOP_MANAGER)
    app.catalogue.upsert_products(CATALOGUE)
    for sku, quantity in STOCK.items():
        world.erp.set_stock(sku, quantity)


def register_cast(app: B2B) -> Cast:
    """Register client A and client B through the use cases, as their buyers would."""
    a = app.registration.register_client(
        inn=ROMASHKA_INN,
        kpp=ROMASHKA_KPP,
        contact=NewContact(full_name="Пётр Иванов", email=SUPERVISOR_EMAIL),
    )
    supervisor = Actor.buyer(a.contact_id, a.client_id)
    branch = app.cabinet.add_company(supervisor, inn=ROMASHKA_INN, kpp=ROMASHKA_BRANCH_KPP)
    employee = app.cabinet.add_user(
        supervisor,
        NewContact(full_name="Ольга Петрова", email=EMPLOYEE_EMAIL),
        company_ids=[a.company_id],
    )
    address = app.cabinet.add_address(
        supervisor, label="Офис", address="г Москва, ул Садовая-Кудринская, д 1"
    )
    b = app.registration.register_client(
        inn=VASILEK_INN,
        kpp=VASILEK_KPP,
        contact=NewContact(full_name="Семён Сидоров", email=OTHER_BUYER_EMAIL),
    )
    other_buyer = Actor.buyer(b.contact_id, b.client_id)
    other_address = app.cabinet.add_address(
        other_buyer, label="Склад", address="г Москва, ул Лесная, д 5"
    )
    return Cast(
        client_id=a.client_id,
        head_office_id=a.company_id,
        branch_id=branch.id,
        supervisor=supervisor,
        employee=Actor.buyer(employee.id, a.client_id),
        address_id=address.id,
        other_client_id=b.client_id,
        other_company_id=b.company_id,
        other_buyer=other_buyer,
        other_address_id=other_address.id,
    )


def open_shop(now: datetime = SHOP_NOW) -> tuple[InMemoryWorld, B2B, Cast]:
    """A seeded shop with both clients registered, on a fixed clock at ``now``."""
    world = in_memory_world(now=now)
    app = bootstrap(world=world)
    seed_shop(app, world)
    return world, app, register_cast(app)


def cart(**quantities: int) -> list[CartItem]:
    """Cart items by SKU: ``cart(PAPER=2, PEN=10)``."""
    return [CartItem(sku=sku, quantity=quantity) for sku, quantity in quantities.items()]


def place_order(
    app: B2B,
    cast: Cast,
    *,
    actor: Actor | None = None,
    company_id: str | None = None,
    **quantities: int,
) -> Order:
    """An order of client A; by default its supervisor buys for the head office."""
    return app.ordering.place(
        actor or cast.supervisor,
        company_id=company_id or cast.head_office_id,
        items=cart(**quantities),
        address_id=cast.address_id,
    )


def read_order(app: B2B, order_id: str) -> Order:
    """The order as stored, read by a manager (who sees every client's orders)."""
    return app.cabinet.order(MANAGER, order_id)


def pay_in_full(world: InMemoryWorld, app: B2B, order_id: str) -> Decimal:
    """The bank pays what is still due on the order's invoice; returns the amount."""
    order = read_order(app, order_id)
    assert order.invoice is not None, f"order {order.number} has no invoice"
    world.ledger.pay(order.invoice.number, order.amount_due)
    return order.amount_due


def paid_orders(world: InMemoryWorld, app: B2B, cast: Cast, *laptops: int) -> list[Order]:
    """Client A's supervisor buys ``laptops[i]`` laptops per order; all reserved, invoiced, paid.

    Two laptops are 240 000 ₽ of goods, under the automatic limit, so
    ``paid_orders(world, app, cast, 2, 2)`` puts 480 000 ₽ in the discount window.
    """
    orders = [place_order(app, cast, LAPTOP=n) for n in laptops]
    app.processing.run_until_idle()
    for order in orders:
        pay_in_full(world, app, order.id)
    app.processing.run_until_idle()
    return [read_order(app, order.id) for order in orders]
