"""`b2b queue`: the manager's queue from the command line."""

from __future__ import annotations

from decimal import Decimal

import click

from b2bcore.application import LineAdjustment
from b2bcore.cli.context import CliContext
from b2bcore.domain import Actor, InvalidValue, Order
from b2bcore.i18n import render_reason, timeline, translate

_manager = click.option(
    "--manager", "manager_id", envvar="B2B_MANAGER", required=True, help="Acting manager id."
)


def _order_id(ctx: CliContext, number: str) -> str:
    with ctx.app.services.uow() as uow:
        return uow.orders.get_by_number(number).id


def _line(order: Order) -> str:
    why = "; ".join(render_reason(r) for r in order.route_reasons)
    if order.failure is not None:
        why = f"{translate('failed step')} {order.failure.step}: {order.failure.error}"
    status = translate(f"status:{order.status.value}")
    return f"{order.number}  {order.placed_at:%d.%m.%Y}  {order.gross_total:>14} ₽  {status}  {why}"


@click.group()
def queue() -> None:
    """Orders waiting for a manager: refused by the policy, short of stock, or failed."""


@queue.command(name="list")
@_manager
@click.option("--mine", is_flag=True, help="Only clients of this manager.")
@click.pass_obj
def list_(ctx: CliContext, manager_id: str, mine: bool) -> None:
    """Waiting orders, oldest first, with their reasons and last errors."""
    orders = ctx.app.review.queue(
        Actor.manager(manager_id), manager_id=manager_id if mine else None
    )
    for order in orders:
        click.echo(_line(order))
    click.echo(translate("Orders waiting: {count}", count=len(orders)))


@queue.command()
@_manager
@click.argument("number")
@click.pass_obj
def show(ctx: CliContext, manager_id: str, number: str) -> None:
    """One order: lines, totals, reasons, history."""
    order = ctx.app.cabinet.order(Actor.manager(manager_id), _order_id(ctx, number))
    click.echo(_line(order))
    for line in order.lines:
        click.echo(
            f"  {line.sku:<16} {line.quantity:>6} × {line.unit_price:>12} = {line.gross:>14}"
        )
    delivery, total = translate("delivery"), translate("total")
    click.echo(f"  {delivery}: {order.delivery.gross}   {total}: {order.gross_total}")
    for text in timeline(order)[1:]:
        click.echo(text)


@queue.command()
@_manager
@click.argument("number")
@click.option("--note", default="", help="Why it is approved.")
@click.pass_obj
def approve(ctx: CliContext, manager_id: str, number: str, note: str) -> None:
    """Send the order back to automatic processing."""
    order = ctx.app.review.approve(Actor.manager(manager_id), _order_id(ctx, number), note)
    click.echo(_line(order))


@queue.command()
@_manager
@click.argument("number")
@click.option("--reason", required=True, help="Shown to the buyer.")
@click.pass_obj
def reject(ctx: CliContext, manager_id: str, number: str, reason: str) -> None:
    """Cancel the order with a reason."""
    order = ctx.app.review.reject(Actor.manager(manager_id), _order_id(ctx, number), reason)
    click.echo(_line(order))


@queue.command()
@_manager
@click.argument("number")
@click.pass_obj
def retry(ctx: CliContext, manager_id: str, number: str) -> None:
    """Run a failed automatic step again."""
    order = ctx.app.review.retry(Actor.manager(manager_id), _order_id(ctx, number))
    click.echo(_line(order))


def _adjustment(text: str) -> LineAdjustment:
    """``SKU=QTY`` or ``SKU=QTY@PRICE``."""
    sku, _, rest = text.partition("=")
    quantity, _, price = rest.partition("@")
    if not sku or not quantity.isdigit():
        raise InvalidValue("line", "must be SKU=QUANTITY or SKU=QUANTITY@PRICE", text)
    return LineAdjustment(
        sku=sku.strip(), quantity=int(quantity), unit_price=Decimal(price) if price else None
    )


@queue.command()
@_manager
@click.argument("number")
@click.option("--line", "lines", multiple=True, help="SKU=QTY or SKU=QTY@PRICE; repeat per line.")
@click.option("--discount", default=None, help="Discount percent for the whole order.")
@click.pass_obj
def adjust(
    ctx: CliContext, manager_id: str, number: str, lines: tuple[str, ...], discount: str | None
) -> None:
    """Change lines, prices or the discount of an order in review."""
    order = ctx.app.review.adjust(
        Actor.manager(manager_id),
        _order_id(ctx, number),
        lines=[_adjustment(text) for text in lines] if lines else None,
        discount_percent=Decimal(discount) if discount is not None else None,
    )
    click.echo(_line(order))
