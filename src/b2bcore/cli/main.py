"""The `b2b` command. User errors become short messages and a non-zero exit code."""

from __future__ import annotations

import sys
from typing import IO, Any

import click

from b2bcore.cli.demo import demo
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
def main() -> None:
    """b2bcore: corporate clients, discounts and orders from cart to shipment."""


main.add_command(demo)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
