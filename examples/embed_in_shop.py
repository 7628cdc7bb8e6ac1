"""How a shop embeds b2bcore: its own code, the in-memory world, the public API.

Run it: ``python examples/embed_in_shop.py``. Swap any simulator for a real
adapter by passing it to ``bootstrap`` (``erp=MySapAdapter(...)``); nothing
else changes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import b2bcore
from b2bcore.domain import Manager, OrderStatus


def main() -> None:
    # 1. The shop wires the application once, at start-up.
    world = b2bcore.in_memory_world(now=datetime(2026, 11, 26, 10, 0, tzinfo=UTC))
    app = b2bcore.bootstrap(b2bcore.Config(), world=world)

    # 2. Shop data: its B2B manager, its catalogue, the B2B warehouse stock.
    app.catalogue.add_manager(
        Manager(
            id="m1", full_name="Анна Смирнова", email="anna@shop.example", phone="+7 495 000-00-01"
        )
    )
    app.catalogue.upsert_products(
        [
            b2bcore.Product(sku="LAPTOP-14", name="Ноутбук 14", list_price=Decimal("89990.00")),
            b2bcore.Product(sku="MOUSE", name="Мышь беспроводная", list_price=Decimal("1990.00")),
        ]
    )
    world.erp.set_stock("LAPTOP-14", 20)
    world.erp.set_stock("MOUSE", 100)

    # 3. A buyer registers their company by INN; requisites come from company lookup.
    registered = app.registration.register_client(
        inn="7700222227",
        kpp="770001001",
        contact=b2bcore.NewContact(full_name="Мария Петрова", email="maria@vasilek.example"),
    )
    buyer = b2bcore.Actor.buyer(registered.contact_id, registered.client_id)
    address = app.cabinet.add_address(buyer, label="Склад", address="г Москва, ул Лесная, д 5")

    # 4. The buyer places an order from the shop's cart page.
    order = app.ordering.place(
        buyer,
        company_id=registered.company_id,
        address_id=address.id,
        items=[
            b2bcore.CartItem(sku="LAPTOP-14", quantity=2),
            b2bcore.CartItem(sku="MOUSE", quantity=2),
        ],
    )
    print(f"order {order.number}: {order.gross_total} ₽, route {order.route.value}")

    # 5. The worker's pass reserves stock and issues the invoice; the buyer pays it.
    app.processing.run_until_idle()
    invoiced = app.cabinet.order(buyer, order.id)
    assert invoiced.status is OrderStatus.INVOICED
    assert invoiced.invoice is not None
    world.ledger.pay(invoiced.invoice.number, invoiced.invoice.amount)
    app.processing.run_until_idle()
    paid = app.cabinet.order(buyer, order.id)
    print(f"order {paid.number} is {paid.status.value}; emails sent: {len(world.mailer.sent)}")


if __name__ == "__main__":
    main()
