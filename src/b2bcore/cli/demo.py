"""`b2b demo`: the whole flow on in-memory simulators, printed as a timeline."""

from __future__ import annotations

import click

from b2bcore import demo as scenario
from b2bcore.i18n import translate


@click.command()
def demo() -> None:
    """Register a client, place orders, process them on simulators, print the timeline."""
    world = scenario.seed()
    summary = world.app.cabinet.summary(world.buyer)
    click.secho(translate("Client registered: {client}", client=summary.client_name), bold=True)
    click.echo(
        translate(
            "Manager: {name}, {phone}, {email}",
            name=summary.manager.full_name,
            phone=summary.manager.phone,
            email=summary.manager.email,
        )
    )
    orders = scenario.run(world, click.echo)
    click.echo()
    click.secho(translate("Timeline"), bold=True)
    for order in orders:
        for line in scenario.timeline(order):
            click.echo(line)
        click.echo()
    after = world.app.cabinet.summary(world.buyer)
    world.app.processing.recompute_discounts()
    after = world.app.cabinet.summary(world.buyer)
    click.echo(
        translate(
            "Discount: {percent}%, purchases in the window: {volume} ₽, to the next tier: {left} ₽",
            percent=after.discount.current.percent,
            volume=after.discount.volume,
            left=after.discount.amount_to_next
            if after.discount.amount_to_next is not None
            else "—",
        )
    )
    click.echo(translate("Emails sent: {count}", count=len(world.world.mailer.sent)))
