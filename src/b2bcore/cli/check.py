"""`b2b check`: is the configuration valid, and can each configured system be reached?

One line per system: ok, unreachable, bad credentials or misconfigured (a
system without a section runs on its simulator). The exit code is 1 when the
configuration or any system fails, so a deployment script can stop there.
"""

from __future__ import annotations

import click

from b2bcore.cli.context import CliContext
from b2bcore.domain.errors import DomainError
from b2bcore.i18n import describe_error, translate
from b2bcore.ports.probe import ProbeResult, ProbeStatus
from b2bcore.systems import check_systems

_WIDTH = 10
_STATUS_WIDTH = 24


@click.command()
@click.pass_obj
def check(ctx: CliContext) -> None:
    """Validate the configuration and probe the database and each configured system."""
    try:
        config = ctx.config
    except DomainError as exc:
        _line("config", ProbeResult(ProbeStatus.MISCONFIGURED, describe_error(exc)))
        raise click.exceptions.Exit(1) from exc
    _line("config", ProbeResult(ProbeStatus.OK, str(ctx.config_path or translate("defaults"))))
    failed = False
    for checked in check_systems(config):
        if checked.result is None:
            click.echo(f"{checked.system:<{_WIDTH}} {translate('simulator (not configured)')}")
            continue
        _line(checked.system, checked.result)
        failed = failed or not checked.result.ok
    if failed:
        raise click.exceptions.Exit(1)


def _line(system: str, result: ProbeResult) -> None:
    status = translate(f"probe:{result.status.value}")
    detail = result.detail.removeprefix(f"{system}: ")
    text = f"{system:<{_WIDTH}} {status:<{_STATUS_WIDTH}} {detail}".rstrip()
    click.secho(text, fg=None if result.ok else "red")
