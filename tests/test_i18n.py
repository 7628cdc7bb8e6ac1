"""Every interface text the code and the templates use has a Russian translation, and the
Russian and English catalogs list the same ids."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from b2bcore.domain import ActorKind, OrderStatus, Route
from b2bcore.i18n import LOCALES, has_translation, message_ids, translate

SRC = Path(__file__).resolve().parents[1] / "src" / "b2bcore"
TEMPLATES = SRC / "web" / "templates"
# _("literal") or _("literal", name=...) in a template; _("prefix:" ~ value) is dynamic.
TEMPLATE_TEXT = re.compile(r"""\b_\(\s*(["'])((?:(?!\1).)+)\1\s*[,)]""")


def _message_ids() -> set[str]:
    """String literals passed as the first argument to translate() or _() / self._t()."""
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            first = node.args[0]
            is_text = isinstance(first, ast.Constant) and isinstance(first.value, str)
            if name in {"translate", "_", "_t"} and is_text:
                found.add(first.value)
    for template in TEMPLATES.rglob("*.html"):
        found.update(m.group(2) for m in TEMPLATE_TEXT.finditer(template.read_text("utf-8")))
    return found


def test_the_scan_finds_the_interface_texts() -> None:
    """The scanner sees the texts of emails, the demo and the CLI (guards the next test)."""
    ids = _message_ids()
    assert "Invoice {invoice} for order {order}" in ids
    assert "Timeline" in ids
    assert "Forgot your password?" in ids  # from a template
    assert "Order {order}" in ids  # a template text with a parameter
    assert len(ids) > 25


@pytest.mark.parametrize("message_id", sorted(_message_ids()))
def test_every_interface_text_has_a_russian_translation(message_id: str) -> None:
    """A text shown to people is never left in English in the Russian interface."""
    assert has_translation(message_id, "ru"), message_id


def test_english_falls_back_to_the_message_id() -> None:
    """The English locale needs no catalog: the id is the text."""
    assert translate("Order {order} has shipped", "en", order="B2B-1") == "Order B2B-1 has shipped"


def test_unknown_locale_is_an_error() -> None:
    """A misconfigured locale fails loudly instead of showing mixed languages."""
    with pytest.raises(LookupError):
        translate("Timeline", "xx")


def test_every_status_route_and_actor_has_a_russian_name() -> None:
    """Timelines and lists show statuses, routes and actors in Russian."""
    ids = [f"status:{s.value}" for s in OrderStatus]
    ids += [f"route:{r.value}" for r in Route] + [f"actor:{a.value}" for a in ActorKind]
    ids += [f"document:{kind}" for kind in ("invoice", "upd", "torg12", "invoice_factura", "act")]
    assert [i for i in ids if not has_translation(i, "ru")] == []


def test_russian_and_english_catalogs_list_the_same_ids() -> None:
    """A text added to one catalog is added to the other (English may leave it empty)."""
    ru, en = (message_ids(locale) for locale in LOCALES)
    assert sorted(ru - en) == []
    assert sorted(en - ru) == []


def test_english_names_keyed_ids_readably() -> None:
    """Keyed ids read as English in the English interface, not as the raw key."""
    assert translate("status:in_review", "en") == "in review"
    assert translate("field:inn", "en") == "INN"
    assert translate("Timeline", "en") == "Timeline"
