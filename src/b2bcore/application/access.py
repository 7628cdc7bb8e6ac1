"""Who may see and change what. Every use case loads through these helpers.

A buyer sees only their own client; an employee only the orders of companies
granted to them. Objects outside the actor's reach are reported as *not found*,
never as forbidden, so ids of other tenants cannot be probed.
"""

from __future__ import annotations

from b2bcore.domain.actors import Actor
from b2bcore.domain.client import CorporateClient
from b2bcore.domain.errors import NotFound, PermissionDenied
from b2bcore.domain.order import Order
from b2bcore.ports import UnitOfWork


def load_client(uow: UnitOfWork, actor: Actor, client_id: str | None = None) -> CorporateClient:
    """The client the actor works on: a buyer's own, or the one a manager names."""
    if actor.is_buyer:
        if client_id is not None and client_id != actor.client_id:
            raise NotFound("client not found", client_id=client_id)
        assert actor.client_id is not None
        client = uow.clients.get(actor.client_id)
        contact = client.contacts.get(actor.id)
        if contact is None or not contact.active:
            raise PermissionDenied("this user is not an active user of the client")
        return client
    if client_id is None:
        raise NotFound("client not named")
    return uow.clients.get(client_id)


def reach(
    uow: UnitOfWork, actor: Actor, client_id: str | None = None
) -> tuple[str, frozenset[str]]:
    """The client the actor works on (as :func:`load_client` finds it, with the same
    refusals) and the ids of its companies the actor may see, read without loading it:
    a list or an order page checks this on every request."""
    if actor.is_buyer:
        if client_id is not None and client_id != actor.client_id:
            raise NotFound("client not found", client_id=client_id)
        assert actor.client_id is not None
        visible = uow.clients.reach(actor.client_id, actor.id)
        if visible is None:
            raise PermissionDenied("this user is not an active user of the client")
        return actor.client_id, visible
    if client_id is None:
        raise NotFound("client not named")
    every = uow.clients.reach(client_id)
    assert every is not None  # no contact named: every company
    return client_id, every


def require_supervisor(client: CorporateClient, actor: Actor) -> None:
    """Managing companies, users and addresses: supervisors and managers only."""
    if actor.is_manager:
        return
    if actor.is_buyer and client.contact(actor.id).is_supervisor:
        return
    raise PermissionDenied("only a supervisor of the client or a manager may do this")


def require_manager(actor: Actor) -> None:
    if not actor.is_manager:
        raise PermissionDenied("only a B2B manager may do this")


def load_order(uow: UnitOfWork, actor: Actor, order_id: str) -> Order:
    """The order, if the actor may see it."""
    order = uow.orders.get(order_id)
    if actor.is_buyer:
        client_id, visible = reach(uow, actor)
        if order.client_id != client_id or order.company_id not in visible:
            raise NotFound("order not found", order_id=order_id)
    return order


def can_see_company(client: CorporateClient, actor: Actor, company_id: str) -> bool:
    if not actor.is_buyer:
        return True
    return client.can_buy_for(actor.id, company_id)
