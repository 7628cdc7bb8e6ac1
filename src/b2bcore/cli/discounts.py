"""`b2b discounts recompute`: every client's tier from its purchase volume in the window."""

from __future__ import annotations

import click

from b2bcore.cli.context import CliContext
from b2bcore.i18n import translate


@click.group()
def discounts() -> None:
    """Volume discounts."""


@discounts.command()
@click.pass_obj
def recompute(ctx: CliContext) -> None:
    """Set each client's discount from the paid orders of the last three months."""
    changes = ctx.app.discounts.recompute()
    for client_id, (old, new) in sorted(changes.items()):
        click.echo(f"{client_id}: {old}% → {new}%")
    click.echo(translate("Discounts changed: {count}", count=len(changes)))
