"""The `b2b` command. User errors become short messages and a non-zero exit code."""

from __future__ import annotations

import sys
from typing import Any

import click

from b2bcore.cli.demo import demo
from b2bcore.domain.errors import DomainError, InvalidValue
from b2bcore.i18n import translate


def describe(error: DomainError) -> str:
    """A domain error as the interface shows it, in the interface language."""
    if isinstance(error, InvalidValue):
        field = translate(f"field:{error.field}")
        if field.startswith("field:"):
            field = error.field
        shown = "" if error.value is None else f" ({error.value})"
        return f"{field}: {translate(error.rule)}{shown}"
    return translate(error.message)


class B2BGroup(click.Group):
    """Turns domain errors into ClickExceptions: a message, exit code 1, no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DomainError as exc:
            raise click.ClickException(describe(exc)) from exc


@click.group(cls=B2BGroup)
@click.version_option(package_name="b2bcore")
def main() -> None:
    """b2bcore: corporate clients, discounts and orders from cart to shipment."""


main.add_command(demo)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
