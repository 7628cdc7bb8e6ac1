"""Shop-side setup: products, contract prices, managers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from b2bcore.application.access import require_manager
from b2bcore.application.context import Services
from b2bcore.domain.actors import Actor
from b2bcore.domain.client import Manager
from b2bcore.domain.errors import InvalidValue
from b2bcore.domain.money import non_negative_money
from b2bcore.domain.pricing import Product


class Catalogue:
    def __init__(self, services: Services) -> None:
        self._s = services

    def upsert_products(self, products: Iterable[Product]) -> int:
        count = 0
        with self._s.uow() as uow:
            for product in products:
                uow.products.upsert(product)
                count += 1
            uow.commit()
        return count

    def products(self, *, limit: int = 100, offset: int = 0) -> Sequence[Product]:
        with self._s.uow() as uow:
            return uow.products.list(limit=limit, offset=offset)

    def set_contract_price(self, actor: Actor, client_id: str, sku: str, price: Decimal) -> None:
        """A personal price for one client and SKU; it beats list price minus discount."""
        require_manager(actor)
        amount = non_negative_money(price, field="contract_price")
        with self._s.uow() as uow:
            uow.clients.get(client_id)
            if not uow.products.get_many([sku]):
                raise InvalidValue("sku", "is not in the catalogue", sku)
            uow.prices.set_price(client_id, sku, amount)
            uow.commit()

    def add_manager(self, manager: Manager) -> None:
        with self._s.uow() as uow:
            uow.managers.add(manager)
            uow.commit()

    def managers(self) -> Sequence[Manager]:
        with self._s.uow() as uow:
            return uow.managers.list()
