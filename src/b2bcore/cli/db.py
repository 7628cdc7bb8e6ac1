"""`b2b db upgrade|current`: the schema, through the migrations shipped in the package."""

from __future__ import annotations

import click

from b2bcore.adapters.persistence.sql import migrate
from b2bcore.cli.context import CliContext
from b2bcore.i18n import translate


@click.group()
def db() -> None:
    """The database schema (B2B_DATABASE_URL; default a SQLite file here)."""


@db.command()
@click.pass_obj
def upgrade(ctx: CliContext) -> None:
    """Apply every migration not yet applied."""
    migrate.upgrade(ctx.database_url)
    click.echo(
        translate(
            "Database schema at revision {revision}", revision=migrate.current(ctx.database_url)
        )
    )


@db.command()
@click.pass_obj
def current(ctx: CliContext) -> None:
    """Print the schema revision, or say the database is empty."""
    revision = migrate.current(ctx.database_url)
    if revision is None:
        click.echo(translate("The database has no schema yet: run `b2b db upgrade`"))
        raise SystemExit(1)
    head = migrate.head()
    state = translate("up to date") if revision == head else translate("behind {head}", head=head)
    click.echo(f"{revision} ({state})")
