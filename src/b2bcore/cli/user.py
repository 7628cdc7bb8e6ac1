"""`b2b user set-password` and `b2b user add-manager`: the operator's account chores."""

from __future__ import annotations

import click

from b2bcore.cli.context import CliContext
from b2bcore.domain.client import Manager
from b2bcore.i18n import translate


@click.group()
def user() -> None:
    """Sign-in accounts of buyers and managers."""


@user.command("set-password")
@click.argument("email")
@click.password_option(help="The new password (asked for twice, not echoed, if not given).")
@click.pass_obj
def set_password(ctx: CliContext, email: str, password: str) -> None:
    """Set the password of the user or manager with EMAIL; their failed sign-ins are forgotten."""
    actor = ctx.app.accounts.operator_set_password(email, password)
    click.echo(translate("Password set for {email} ({actor})", email=email, actor=str(actor)))


@user.command("add-manager")
@click.argument("manager_id")
@click.argument("name")
@click.argument("email")
@click.option("--phone", default="", help="Shown to the manager's clients.")
@click.pass_obj
def add_manager(ctx: CliContext, manager_id: str, name: str, email: str, phone: str) -> None:
    """Add a B2B manager; give them a password with `b2b user set-password EMAIL`."""
    manager = Manager(id=manager_id, full_name=name, email=email, phone=phone)
    ctx.app.catalogue.add_manager(manager)
    click.echo(
        translate(
            "Manager {id} added: {name}, {email}",
            id=manager.id,
            name=manager.full_name,
            email=manager.email,
        )
    )
