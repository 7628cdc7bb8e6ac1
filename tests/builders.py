"""Builders of valid test aggregates, made through the real domain constructors.

Every argument has a default, so a test names only what it is about::

    client = make_client(client_id="client-2", inn=SECOND_INN, kpp=SECOND_KPP)
    order = make_order(order_id="order-7", client_id="client-2", quantity=3)
    paid = paid_order(make_order(order_id="order-8"), paid_at=on(date(2026, 3, 5)))

Ids that belong together are derived from ``client_id`` (:func:`company_id_for`,
:func:`contact_id_for`), so an order built for ``client_id="client-2"`` belongs
to the company and buyer of ``make_client(client_id="client-2")``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs

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
from b2bcore.domain.order import Order
from b2bcore.domain.pricing import DeliveryCharge, OrderLine, Product
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
