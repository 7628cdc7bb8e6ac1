"""The buyer's side of an order: quote, place, cancel, repeat, choose a delivery interval."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from b2bcore.application.access import load_client, load_order
from b2bcore.application.context import Services
from b2bcore.domain.actors import Actor
from b2bcore.domain.autoprocessing import OrderFacts
from b2bcore.domain.client import CorporateClient
from b2bcore.domain.errors import IllegalTransition, InvalidValue, NotFound
from b2bcore.domain.order import DeliveryInterval, Order, OrderStatus
from b2bcore.domain.pricing import CartItem, Quote, quote_cart
from b2bcore.ports import UnitOfWork


class Ordering:
    def __init__(self, services: Services) -> None:
        self._s = services

    def stock(self, skus: Sequence[str]) -> Mapping[str, int]:
        """Available quantities on the B2B warehouse."""
        return self._s.erp.stock(skus)

    def quote(
        self, actor: Actor, *, items: Iterable[CartItem], client_id: str | None = None
    ) -> Quote:
        """Price a cart for the actor's client: every step of every line, delivery, totals."""
        cart = list(items)
        with self._s.uow() as uow:
            _read_ahead(uow, actor, client_id, cart)
            client = load_client(uow, actor, client_id)
            return self._quote(uow, client, cart)

    def place(
        self,
        actor: Actor,
        *,
        company_id: str,
        items: Iterable[CartItem],
        address_id: str,
        client_id: str | None = None,
    ) -> Order:
        """Place an order for one of the client's companies; the policy routes it at once."""
        cart = list(items)
        with self._s.uow() as uow:
            _read_ahead(uow, actor, client_id, cart)
            client = load_client(uow, actor, client_id)
            self._check_may_buy(client, actor, company_id)
            address = client.address(address_id)
            quote = self._quote(uow, client, cart)
            order = self._new_order(client, actor, company_id, quote, address.address)
            uow.orders.add(order)
            uow.commit()
        return order

    def cancel(self, actor: Actor, order_id: str, reason: str = "") -> Order:
        """Cancel by the actor's rules; the automation then releases stock, annuls the invoice."""
        with self._s.uow() as uow:
            order = load_order(uow, actor, order_id)
            order.cancel(actor, self._s.clock.now(), reason)
            uow.commit()
        return order

    def repeat(self, actor: Actor, order_id: str, *, address_id: str | None = None) -> Order:
        """A new placed order with the same lines at today's prices and discount."""
        with self._s.uow() as uow:
            original = load_order(uow, actor, order_id)
            client = uow.clients.get(original.client_id)
            self._check_may_buy(client, actor, original.company_id)
            cart = [CartItem(sku=line.sku, quantity=line.quantity) for line in original.lines]
            quote = self._quote(uow, client, cart)
            address = (
                client.address(address_id).address if address_id else original.delivery_address
            )
            order = self._new_order(client, actor, original.company_id, quote, address)
            uow.orders.add(order)
            uow.commit()
        return order

    def delivery_intervals(self, actor: Actor, order_id: str) -> Sequence[DeliveryInterval]:
        """The intervals the warehouse offers for a paid order; none in any other state
        (the ERP refuses to plan a reservation already shipped or released)."""
        with self._s.uow() as uow:
            order = load_order(uow, actor, order_id)
        return self._offered_intervals(order)

    def choose_delivery_interval(self, actor: Actor, order_id: str, interval_id: str) -> Order:
        """The order is read once: reads hold no transaction, so the ERP's answer is
        awaited without a lock, and the commit's version check refuses the choice if the
        order changed meanwhile (``Conflict``)."""
        with self._s.uow() as uow:
            order = load_order(uow, actor, order_id)
            if order.status is not OrderStatus.PAID:  # the order's own rule, before the ERP
                raise IllegalTransition(
                    action="choose a delivery interval for", state=order.status.value
                )
            offered = {i.id: i for i in self._offered_intervals(order)}
            interval = offered.get(interval_id)
            if interval is None:
                raise InvalidValue(
                    "delivery_interval", "is not one the warehouse offers", interval_id
                )
            order.choose_delivery_interval(actor, self._s.clock.now(), interval)
            uow.commit()
        return order

    # -- internals -------------------------------------------------------------

    def _offered_intervals(self, order: Order) -> Sequence[DeliveryInterval]:
        if order.status is not OrderStatus.PAID or order.reservation is None:
            return []
        return self._s.erp.delivery_intervals(
            reference=order.reservation, address=order.delivery_address
        )

    def _quote(self, uow: UnitOfWork, client: CorporateClient, cart: list[CartItem]) -> Quote:
        products = uow.products.get_many(item.sku for item in cart)
        return quote_cart(
            cart,
            products=products,
            discount_percent=client.discount_percent,
            contract_prices=uow.prices.prices_for(client.id),
            tariff=self._s.tariff,
        )

    def _new_order(
        self, client: CorporateClient, actor: Actor, company_id: str, quote: Quote, address: str
    ) -> Order:
        number = self._s.number(self._s.settings.order_number_prefix, "order")
        contact_id = actor.id if actor.is_buyer else _supervisor_id(client)
        return Order.place(
            order_id=self._s.new_id(),
            number=number,
            client_id=client.id,
            company_id=company_id,
            contact_id=contact_id,
            lines=quote.lines,
            delivery=quote.delivery,
            delivery_address=address,
            discount_percent=quote.discount_percent,
            decision=self._s.autoprocessing.decide(_facts_of_quote(quote, client, company_id)),
            actor=actor,
            now=self._s.clock.now(),
        )

    @staticmethod
    def _check_may_buy(client: CorporateClient, actor: Actor, company_id: str) -> None:
        client.company(company_id)
        if actor.is_buyer and not client.can_buy_for(actor.id, company_id):
            raise NotFound("company not found", company_id=company_id)


def _read_ahead(
    uow: UnitOfWork, actor: Actor, client_id: str | None, cart: Sequence[CartItem]
) -> None:
    """What pricing the cart reads next, read together (:meth:`load_client` still checks
    the actor may work for that client)."""
    owner = actor.client_id if actor.is_buyer else client_id
    if owner is not None:
        uow.read_ahead_for_order(owner, [item.sku for item in cart])


def _facts_of_quote(quote: Quote, client: CorporateClient, company_id: str) -> OrderFacts:
    company = client.company(company_id)
    return OrderFacts(
        gross_total=quote.totals.gross,
        line_count=len(quote.lines),
        client_active=client.is_active,
        company_active=company.is_active,
        skus=tuple(line.sku for line in quote.lines),
        client_id=client.id,
        company_id=company_id,
    )


def _supervisor_id(client: CorporateClient) -> str:
    return next(c.id for c in client.contacts.values() if c.is_supervisor and c.active)
