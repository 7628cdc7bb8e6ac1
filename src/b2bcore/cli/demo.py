"""`b2b demo`: the whole flow on in-memory simulators, printed as a timeline."""

from __future__ import annotations

import click

from b2bcore import demo as scenario
from b2bcore.i18n import translate


@click.command()
@click.option("--inn", default=scenario.DEMO_INN, show_default=True, help="INN to register.")
@click.option(
    "--kpp", default=scenario.DEMO_KPP, show_default=True, help="KPP (head office or branch)."
)
def demo(inn: str, kpp: str) -> None:
    """Register a client, place orders, process them on simulators, print the timeline.

    Everything runs on in-memory simulators of SAP, 1C, DaData and mail; the
    demo company directory knows 7700111118 (with a branch), 7700222227,
    a liquidated 7700333336 and a liquidating 7700444445.
    """
    world = scenario.seed(inn=inn, kpp=kpp or None)
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
    world.app.discounts.recompute()
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
