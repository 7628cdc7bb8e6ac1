"""Jinja templates in the request's language: ``{{ _("Orders") }}`` goes through the
same gettext catalog as the rest of b2bcore (:mod:`b2bcore.i18n`), with ``{name}``
placeholders filled from keyword arguments: ``{{ _("Order {order}", order=o.number) }}``.

Filters: ``money`` (1 234,50 ₽), ``percent`` (2,5 %), ``when`` (Moscow time), ``day``,
``status``, ``transition`` (a history line, :func:`b2bcore.i18n.render_transition`).
Numbers are formatted by :mod:`b2bcore.i18n.formatting`, as everywhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from b2bcore.domain.order import Transition
from b2bcore.i18n import (
    HistoryLine,
    format_day,
    format_money,
    format_percent,
    format_when,
    render_transition,
    translate,
)
from b2bcore.web.pages.locale import locale_of


def _locale(context: Mapping[str, Any]) -> str:
    request = context.get("request")
    return "ru" if request is None else locale_of(request)


@pass_context
def _gettext(context: Mapping[str, Any], message_id: str, **params: Any) -> str:
    return translate(message_id, _locale(context), **params)


@pass_context
def _ngettext(
    context: Mapping[str, Any], singular: str, plural: str, count: int, **params: Any
) -> str:
    return translate(singular if count == 1 else plural, _locale(context), count=count, **params)


@pass_context
def _money(context: Mapping[str, Any], value: Decimal | None) -> str:
    return "—" if value is None else format_money(value, _locale(context))


@pass_context
def _percent(context: Mapping[str, Any], value: Decimal | None) -> str:
    return "—" if value is None else format_percent(value, _locale(context))


def _when(value: datetime | None) -> str:
    return "—" if value is None else format_when(value)


def _day(value: date | None) -> str:
    return "—" if value is None else format_day(value)


@pass_context
def _transition(context: Mapping[str, Any], value: Transition) -> HistoryLine:
    return render_transition(value, _locale(context))


@pass_context
def _status(context: Mapping[str, Any], value: Any) -> str:
    return translate(f"status:{getattr(value, 'value', value)}", _locale(context))


@pass_context
def _flashes(context: Mapping[str, Any]) -> list[dict[str, str]]:
    """The flash messages, each shown once; none where no session runs (unknown paths)."""
    request = context.get("request")
    if request is None or not request.scope.get("session"):
        return []
    messages: list[dict[str, str]] = request.session.pop("_messages", [])
    return messages


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("b2bcore.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=False)  # type: ignore[attr-defined]
    env.filters.update(
        money=_money,
        percent=_percent,
        when=_when,
        day=_day,
        status=_status,
        transition=_transition,
    )
    env.globals.update(locale_of=locale_of, flashes=_flashes)
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment()))
