"""The manager's queue: orders waiting for a decision, approve, reject. Managers only."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import FromQuery, JSONBody

from b2bcore.web.deps import MANAGERS_ONLY, Acting, App, OrderId, managers_only
from b2bcore.web.errors import refusals
from b2bcore.web.schemas import ApproveIn, OrderOut, OrderSummaryOut, RejectIn


class QueueController(Controller):
    path = "/queue"
    tags = ["queue"]  # noqa: RUF012 — Litestar reads these as plain class attributes
    guards = [managers_only]  # noqa: RUF012
    opt = {MANAGERS_ONLY: True}  # noqa: RUF012 — tells route walkers (and the tests) the role

    @get(
        sync_to_thread=True,
        summary="Orders waiting for a manager, oldest first",
        responses=refusals(),
    )
    def waiting(
        self,
        b2b: App,
        actor: Acting,
        mine: FromQuery[bool] = False,
    ) -> list[OrderSummaryOut]:
        orders = b2b.review.queue(actor, manager_id=actor.id if mine else None)
        return [OrderSummaryOut.of(order) for order in orders]

    @post(
        "/{order_id:str}/approve",
        status_code=200,
        sync_to_thread=True,
        summary="Approve",
        responses=refusals(409, 413),
    )
    def approve(
        self,
        b2b: App,
        actor: Acting,
        order_id: OrderId,
        data: JSONBody[ApproveIn],
    ) -> OrderOut:
        return OrderOut.of(b2b.review.approve(actor, order_id, data.note))

    @post(
        "/{order_id:str}/reject",
        status_code=200,
        sync_to_thread=True,
        summary="Reject",
        responses=refusals(409, 413),
    )
    def reject(
        self,
        b2b: App,
        actor: Acting,
        order_id: OrderId,
        data: JSONBody[RejectIn],
    ) -> OrderOut:
        return OrderOut.of(b2b.review.reject(actor, order_id, data.reason))
