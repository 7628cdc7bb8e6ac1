"""`b2b serve`: the web API under uvicorn, on the configured database or a demo shop."""

from __future__ import annotations

import os
import secrets

import click
import uvicorn

from b2bcore import demo as scenario
from b2bcore.application import B2B
from b2bcore.cli.context import CliContext
from b2bcore.domain.actors import Actor
from b2bcore.i18n import translate
from b2bcore.web import API_PREFIX, SCHEMA_PATH, create_app, parse_tokens

TOKENS_VARIABLE = "B2B_API_TOKENS"


def demo_shop() -> tuple[B2B, dict[str, Actor]]:
    """A demo shop in memory with its orders walked through, and a fresh token per actor."""
    shop = scenario.seed()
    scenario.run(shop, lambda _line: None)
    return shop.app, {
        secrets.token_urlsafe(24): shop.buyer,
        secrets.token_urlsafe(24): shop.manager,
    }


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--demo", "with_demo", is_flag=True, help="Serve a demo shop held in memory.")
@click.pass_obj
def serve(obj: CliContext, host: str, port: int, with_demo: bool) -> None:
    """Serve the JSON API (OpenAPI at /api/schema).

    API tokens come from B2B_API_TOKENS ("TOKEN=manager:ID;TOKEN=buyer:CONTACT:CLIENT");
    with --demo, a token per demo user is made up and printed.
    """
    if with_demo:
        app, tokens = demo_shop()
    else:
        app, tokens = obj.app, parse_tokens(os.environ.get(TOKENS_VARIABLE, ""))
    url = f"http://{host}:{port}"
    click.echo(
        translate(
            "API: {url}, its description: {schema}", url=url + API_PREFIX, schema=url + SCHEMA_PATH
        )
    )
    for token, actor in tokens.items() if with_demo else ():
        click.echo(translate("Token of {actor}: {token}", actor=str(actor), token=token))
    if not tokens:
        click.echo(translate("No API tokens configured: set {variable}", variable=TOKENS_VARIABLE))
    uvicorn.run(create_app(app, tokens=tokens), host=host, port=port)
