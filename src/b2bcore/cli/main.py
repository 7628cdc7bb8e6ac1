"""The `b2b` command. User errors become short messages and a non-zero exit code."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, Any

import click

from b2bcore.cli.check import check
from b2bcore.cli.company import company
from b2bcore.cli.context import CliContext
from b2bcore.cli.db import db
from b2bcore.cli.demo import demo
from b2bcore.cli.discounts import discounts
from b2bcore.cli.imports import import_group
from b2bcore.cli.queue import queue
from b2bcore.cli.report import report
from b2bcore.cli.serve import serve
from b2bcore.cli.user import user
from b2bcore.cli.worker import worker
from b2bcore.domain.errors import DomainError
from b2bcore.i18n import describe_error, translate


class UserError(click.ClickException):
    """A refusal the user can act on: one line in the interface language, exit code 1."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"{translate('Error')}: {self.format_message()}", file=file or sys.stderr)


class B2BGroup(click.Group):
    """Turns domain errors into ClickExceptions: a message, exit code 1, no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DomainError as exc:
            raise UserError(describe_error(exc)) from exc


@click.group(cls=B2BGroup)
@click.version_option(package_name="b2bcore")
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    envvar="B2B_CONFIG",
    help="TOML configuration file (env B2B_CONFIG).",
)
@click.pass_context
def main(ctx: click.Context, config_path: Path | None) -> None:
    """b2bcore: corporate clients, discounts and orders from cart to shipment."""
    if ctx.obj is None:
        ctx.obj = CliContext(config_path=config_path)


main.add_command(demo)
main.add_command(db)
main.add_command(import_group)
main.add_command(discounts)
main.add_command(worker)
main.add_command(queue)
main.add_command(report)
main.add_command(check)
main.add_command(company)
main.add_command(serve)
main.add_command(user)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
