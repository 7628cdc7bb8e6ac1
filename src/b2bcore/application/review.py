"""The manager's queue: orders the policy refused, stock shortages, failed steps."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

import attrs

from b2bcore.application.access import require_manager
from b2bcore.application.context import Services
from b2bcore.domain.actors import Actor
from b2bcore.domain.errors import InvalidValue
from b2bcore.domain.money import ZERO, percent
from b2bcore.domain.order import Order, OrderStatus
from b2bcore.domain.pricing import OrderLine, PriceSource, Product
from b2bcore.ports import OrderFilter

_OPEN = frozenset(s for s in OrderStatus if not s.is_terminal)


@attrs.frozen(kw_only=True)
class LineAdjustment:
    """A line as the manager wants it: quantity, and optionally a manual unit price."""

    sku: str
    quantity: int
    unit_price: Decimal | None = None


class Review:
    def __init__(self, services: Services) -> None:
        self._s = services

    def queue(self, actor: Actor, *, manager_id: str | None = None) -> list[Order]:
        """Orders waiting for a manager, oldest first; only one manager's clients if named."""
        require_manager(actor)
        with self._s.uow() as uow:
            waiting = [
                o
                for o in uow.orders.list(OrderFilter(statuses=_OPEN, limit=10_000))
                if o.needs_manager
            ]
            if manager_id is not None:
                waiting = [
                    o for o in waiting if uow.clients.get(o.client_id).manager_id == manager_id
                ]
        return sorted(waiting, key=lambda o: o.placed_at)

    def approve(self, actor: Actor, order_id: str, note: str = "") -> Order:
        """Send a reviewed order back to the automatic track."""
        require_manager(actor)
        with self._s.uow() as uow:
            order = uow.orders.get(order_id)
            order.approve(actor, self._s.clock.now(), note)
            uow.commit()
        return order

    def reject(self, actor: Actor, order_id: str, reason: str) -> Order:
        require_manager(actor)
        if not reason.strip():
            raise InvalidValue("reason", "a rejection needs a reason the buyer will read")
        with self._s.uow() as uow:
            order = uow.orders.get(order_id)
            order.reject(actor, self._s.clock.now(), reason)
            uow.commit()
        return order

    def adjust(
        self,
        actor: Actor,
        order_id: str,
        *,
        lines: Iterable[LineAdjustment] | None = None,
        discount_percent: Decimal | None = None,
    ) -> Order:
        """Change quantities, set manual prices or another discount; the order is re-priced."""
        require_manager(actor)
        with self._s.uow() as uow:
            order = uow.orders.get(order_id)
            discount = (
                order.discount_percent
                if discount_percent is None
                else percent(discount_percent, field="discount_percent")
            )
            wanted = list(lines) if lines is not None else [_as_it_is(line) for line in order.lines]
            known = {line.sku: line.as_product() for line in order.lines}
            products = {
                **uow.products.get_many(a.sku for a in wanted if a.sku not in known),
                **known,
            }
            contract = uow.prices.prices_for(order.client_id)
            priced = [_price(wish, products, discount, contract) for wish in wanted]
            order.adjust(
                actor,
                self._s.clock.now(),
                lines=priced,
                delivery=self._s.tariff.charge_for(sum((line.gross for line in priced), ZERO)),
                discount_percent=discount,
            )
            uow.commit()
        return order

    def retry(self, actor: Actor, order_id: str) -> Order:
        """Clear a failed step so the automation runs it again."""
        require_manager(actor)
        with self._s.uow() as uow:
            order = uow.orders.get(order_id)
            order.retry_step(actor, self._s.clock.now())
            uow.commit()
        return order


def _as_it_is(line: OrderLine) -> LineAdjustment:
    """The line unchanged, a manager's manual price included, for re-pricing the others."""
    manual = line.unit_price if line.price_source is PriceSource.MANUAL else None
    return LineAdjustment(sku=line.sku, quantity=line.quantity, unit_price=manual)


def _price(
    wish: LineAdjustment,
    products: Mapping[str, Product],
    discount: Decimal,
    contract: Mapping[str, Decimal],
) -> OrderLine:
    product = products.get(wish.sku)
    if product is None:
        raise InvalidValue("sku", "is not in the catalogue", wish.sku)
    return OrderLine.price(
        product,
        wish.quantity,
        discount_percent=discount,
        contract_price=contract.get(wish.sku),
        manual_price=wish.unit_price,
    )
