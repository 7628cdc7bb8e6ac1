"""`b2b company lookup` and `b2b company bank`: what the configured company lookup says.

With a ``[dadata]`` section these ask DaData; without one, the demo company
directory (the in-memory simulator), which is said on stderr.
"""

from __future__ import annotations

import json
from typing import Any

import click

from b2bcore.cli.context import CliContext
from b2bcore.domain.client import CompanyKind, Requisites
from b2bcore.domain.errors import NotFound
from b2bcore.domain.identifiers import Bik, Inn, Kpp
from b2bcore.i18n import translate
from b2bcore.ports.company_lookup import BankInfo

_json = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")


@click.group()
def company() -> None:
    """Company and bank lookup (DaData, or the demo directory)."""


@company.command()
@click.argument("inn")
@click.option("--kpp", default=None, help="Only the head office or branch with this KPP.")
@_json
@click.pass_obj
def lookup(ctx: CliContext, inn: str, kpp: str | None, as_json: bool) -> None:
    """Every registry entry of INN: head office and branches, state, requisites."""
    wanted = Inn(inn)
    entries = ctx.company_lookup.find_party(wanted, Kpp(kpp) if kpp else None)
    _note_simulator(ctx)
    if not entries:
        raise NotFound(f"no company with INN {wanted} in the register", reason="company", inn=inn)
    if as_json:
        click.echo(json.dumps([_party(e) for e in entries], ensure_ascii=False, indent=2))
        return
    for entry in entries:
        click.echo("\n".join(_party_lines(entry)))
    click.echo(translate("Entries found: {count}", count=len(entries)))


@company.command()
@click.argument("bik")
@_json
@click.pass_obj
def bank(ctx: CliContext, bik: str, as_json: bool) -> None:
    """The bank with this BIK: name, correspondent account, SWIFT."""
    found = ctx.company_lookup.find_bank(Bik(bik))
    _note_simulator(ctx)
    if found is None:
        raise NotFound(f"no bank with BIK {bik}", reason="bank", bik=bik)
    if as_json:
        click.echo(json.dumps(_bank(found), ensure_ascii=False, indent=2))
        return
    click.echo(f"{translate('BIK')} {found.bik}  {found.name}")
    if found.correspondent_account is not None:
        click.echo(f"  {translate('Correspondent account')}: {found.correspondent_account}")
    if found.swift:
        click.echo(f"  SWIFT: {found.swift}")


def _note_simulator(ctx: CliContext) -> None:
    if ctx.uses_simulated_lookup:
        click.echo(
            translate("(the demo company directory: configure [dadata] for DaData)"), err=True
        )


def _party_lines(r: Requisites) -> list[str]:
    if r.kind is CompanyKind.ENTREPRENEUR:
        what = translate("entrepreneur")
    else:
        what = translate("branch") if r.is_branch else translate("head office")
    head = f"{translate('INN')} {r.inn}"
    if r.kpp is not None:
        head += f"  {translate('KPP')} {r.kpp}"
    lines = [f"{head}  {what}  {translate(f'registry:{r.state.value}')}"]
    lines += [f"  {name}" for name in dict.fromkeys((r.short_name, r.full_name)) if name]
    if r.ogrn is not None:
        lines.append(f"  {translate('OGRN')} {r.ogrn}")
    if r.legal_address:
        lines.append(f"  {translate('Address')}: {r.legal_address}")
    if r.director:
        lines.append(f"  {translate('Director')}: {r.director}")
    return lines


def _party(r: Requisites) -> dict[str, Any]:
    return {
        "inn": str(r.inn),
        "kpp": None if r.kpp is None else str(r.kpp),
        "ogrn": None if r.ogrn is None else str(r.ogrn),
        "kind": r.kind.value,
        "is_branch": r.is_branch,
        "state": r.state.value,
        "full_name": r.full_name,
        "short_name": r.short_name,
        "legal_address": r.legal_address,
        "director": r.director,
    }


def _bank(b: BankInfo) -> dict[str, Any]:
    account = b.correspondent_account
    return {
        "bik": str(b.bik),
        "name": b.name,
        "correspondent_account": None if account is None else str(account),
        "swift": b.swift,
    }
