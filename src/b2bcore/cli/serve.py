"""`b2b serve`: the web app (pages and the JSON API) under uvicorn, on the configured
database; with ``--demo``, a demo shop on simulators with its worker, until Ctrl-C."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from types import FrameType

import click
import uvicorn

from b2bcore import demo as scenario
from b2bcore.cli.context import CliContext
from b2bcore.cli.demo_site import DEFAULT_DATABASE, DemoSite, demo_site
from b2bcore.i18n import translate
from b2bcore.web import API_PREFIX, SCHEMA_PATH, create_app, parse_tokens

TOKENS_VARIABLE = "B2B_API_TOKENS"
DEMO_ROLES = {
    scenario.SUPERVISOR.email: "Buyer, supervisor",
    scenario.EMPLOYEE.email: "Buyer, employee",
    scenario.MANAGER.email: "Manager",
}


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--demo",
    "with_demo",
    is_flag=True,
    help="A demo shop on simulators, with its worker: no configuration needed.",
)
@click.option(
    "--demo-database",
    default=str(DEFAULT_DATABASE),
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The demo's SQLite file, recreated at each start.",
)
@click.pass_obj
def serve(obj: CliContext, host: str, port: int, with_demo: bool, demo_database: Path) -> None:
    """Serve the pages and the JSON API (OpenAPI at /api/schema).

    API tokens come from B2B_API_TOKENS ("TOKEN=manager:ID;TOKEN=buyer:CONTACT:CLIENT").
    With --demo: a fresh SQLite file, the simulators of SAP, 1C, DaData, document
    management and mail, demo clients and orders, and the worker in this process;
    the URL, the demo logins and a token per demo user are printed.
    """
    url = f"http://{host}:{port}"
    if with_demo:
        _serve_demo(demo_database, host, port, url)
        return
    tokens = parse_tokens(os.environ.get(TOKENS_VARIABLE, ""))
    _print_api(url)
    if not tokens:
        click.echo(translate("No API tokens configured: set {variable}", variable=TOKENS_VARIABLE))
    uvicorn.run(create_app(obj.app, tokens=tokens), host=host, port=port)


def _serve_demo(database: Path, host: str, port: int, url: str) -> None:
    click.echo(translate("Preparing the demo shop in {path} ...", path=database))
    site = demo_site(database)
    _print_demo(site, url)
    server = uvicorn.Server(uvicorn.Config(site.web, host=host, port=port))
    # uvicorn stops on SIGINT/SIGTERM, then raises the signal again to the handlers it
    # found: these let the worker finish its message before the process ends.
    previous = {sig: signal.signal(sig, _stopped) for sig in (signal.SIGINT, signal.SIGTERM)}
    site.worker.start()
    try:
        server.run()
    finally:
        click.echo(translate("Stopping the worker ..."), err=True)
        site.worker.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo(translate("The demo shop has stopped"), err=True)


def _stopped(_signum: int, _frame: FrameType | None) -> None:
    """The server has stopped already; the worker is stopped next."""


def _print_api(url: str) -> None:
    click.echo(
        translate(
            "API: {url}, its description: {schema}", url=url + API_PREFIX, schema=url + SCHEMA_PATH
        )
    )


def _print_demo(site: DemoSite, url: str) -> None:
    click.secho(translate("Demo shop: {url}", url=url + "/"), bold=True)
    click.echo(translate("Simulators and letters: {url}", url=url + "/demo"))
    for email, password in scenario.DEMO_PASSWORDS.items():
        click.echo(
            translate(
                "{role}: {email}, password {password}",
                role=translate(DEMO_ROLES[email]),
                email=email,
                password=password,
            )
        )
    _print_api(url)
    for token, actor in site.tokens.items():
        click.echo(translate("Token of {actor}: {token}", actor=str(actor), token=token))
    click.echo(translate("The worker runs in this process. Press Ctrl-C to stop."))
