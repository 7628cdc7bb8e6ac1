"""An order's history, amounts and percents read in the interface language: every history
note through the catalog, numbers in the locale's style, old history as it was stored."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from b2bcore.domain.errors import InvalidValue
from b2bcore.domain.order import Order, OrderStatus, Transition
from b2bcore.domain.reasons import Reason
from b2bcore.i18n import (
    describe_error,
    format_money,
    format_percent,
    has_translation,
    message_ids,
    render_reason,
    render_transition,
    timeline,
)
from tests.builders import NOW, SYSTEM, orders_with_every_note

NNBSP, NBSP = "\u202f", "\u00a0"
# An id or reference (СЧ-2026-000001, TR-000003, SKU-1) is not a word to translate.
REFERENCE = re.compile(r"\b[A-ZА-ЯЁ]+(?:-[0-9A-Z]+)+\b")
LATIN = re.compile(r"[A-Za-z]")


@pytest.fixture(scope="module")
def orders() -> list[Order]:
    return orders_with_every_note()


def _notes(orders: list[Order]) -> list[Reason]:
    return [note for order in orders for t in order.history for note in t.notes]


def _lines(orders: list[Order], locale: str) -> list[str]:
    return [render_transition(t, locale).note for order in orders for t in order.history]


def test_the_orders_cover_every_kind_of_note(orders: list[Order]) -> None:
    """The builder's histories hold every note the domain records (guards the tests below)."""
    codes = {note.code for note in _notes(orders)}
    assert codes >= {
        "invoice_issued",
        "paid_in_full",
        "delivery_interval",
        "transport_requested",
        "shipped",
        "approved",
        "approved_with_note",
        "adjusted",
        "rejected",
        "rejected_because",
        "cancelled_by_buyer",
        "cancelled_by_manager",
        "cancelled_because",
        "invoice_expired",
        "max_gross_total",
        "stock_short",
    }


def test_every_note_has_a_text_in_both_catalogs(orders: list[Order]) -> None:
    """Each note code is translated into Russian and worded in English."""
    ids = {f"reason:{note.code}" for note in _notes(orders)}
    assert sorted(i for i in ids if not has_translation(i, "ru")) == []
    assert sorted(ids - message_ids("en")) == []
    assert all(render_reason(n, "en") != f"reason:{n.code}" for n in _notes(orders))


def test_the_russian_history_has_no_english_words(orders: list[Order]) -> None:
    """Every Russian history line, notes included, is Russian but for ids and references."""
    for order in orders:
        for line in timeline(order, "ru"):
            assert not LATIN.search(REFERENCE.sub("", line)), line


def test_the_russian_history_says_what_each_reference_is(orders: list[Order]) -> None:
    """The invoice, payment, delivery window, transport request and shipment are named."""
    notes = _lines(orders, "ru")
    assert f"счёт СЧ-2026-000001 на 6{NNBSP}500,00{NBSP}₽, оплатить до 07.03.2026" in notes
    assert f"оплачен полностью: 6{NNBSP}500,00{NBSP}₽" in notes
    assert "заявка на перевозку TR-000003" in notes
    assert "отгрузка SH-000002" in notes
    assert "счёт СЧ-2026-000009 не оплачен до 07.03.2026" in notes


def test_the_english_history_reads_as_english(orders: list[Order]) -> None:
    """English renders the same notes with English words and separators."""
    notes = _lines(orders, "en")
    assert f"invoice СЧ-2026-000001 for 6,500.00{NBSP}₽, due 07.03.2026" in notes
    assert f"paid in full: 6,500.00{NBSP}₽" in notes
    assert "transport request TR-000003" in notes
    assert "shipment SH-000002" in notes
    assert "cancelled by the buyer" in notes
    assert "invoice СЧ-2026-000009 was not paid by 07.03.2026" in notes


def test_the_delivery_interval_is_a_moscow_time_window(orders: list[Order]) -> None:
    """The chosen interval reads as a date and hours in Moscow time, not as its id."""
    # interval_after(NOW): 2026-03-03 10:00-14:00 UTC, 13:00-17:00 in Moscow
    assert "доставка 03.03.2026 13:00–17:00" in _lines(orders, "ru")
    assert "delivery 03.03.2026 13:00–17:00" in _lines(orders, "en")


def test_typed_text_stays_as_typed(orders: list[Order]) -> None:
    """A manager's note and a person's reason appear word for word in either language."""
    ru, en = _lines(orders, "ru"), _lines(orders, "en")
    assert "одобрен менеджером: клиент надёжный" in ru
    assert "approved by a manager: клиент надёжный" in en
    assert "отклонён менеджером: товар снят с производства" in ru
    assert "причина отмены: ошиблись с количеством" in ru


def test_review_reasons_are_rendered_each(orders: list[Order]) -> None:
    """The reasons an order went to review are rendered one by one, amounts included."""
    expected = (
        f"сумма заказа 942{NNBSP}370,00{NBSP}₽ не меньше лимита 300{NNBSP}000,00{NBSP}₽; "
        "не хватает товара SKU-1: заказано 10, доступно 3"
    )
    assert expected in _lines(orders, "ru")


def test_the_stored_english_text_is_kept(orders: list[Order]) -> None:
    """The English reason text the history always stored stays, for the API and logs."""
    delivered = orders[0]
    assert [t.reason for t in delivered.history] == [
        "",
        "",
        "invoice СЧ-2026-000001",
        "paid in full",
        "2026-03-03T10",
        "TR-000003",
        "SH-000002",
        "",
    ]


def test_history_without_notes_shows_its_stored_text() -> None:
    """A transition written before notes existed renders its stored text, untranslated."""
    old = Transition(
        at=NOW,
        actor=SYSTEM,
        action="issue invoice",
        from_status=OrderStatus.RESERVED,
        to_status=OrderStatus.INVOICED,
        reason="invoice СЧ-2026-000006",
    )
    line = render_transition(old, "ru")
    assert line.note == "invoice СЧ-2026-000006"
    assert line.move == "зарезервирован → счёт выставлен"
    assert line.when == "02.03.2026 13:00"


def test_a_note_missing_its_params_falls_back_to_its_text() -> None:
    """A note whose params do not fit the template shows its English text, never an error."""
    assert render_reason(Reason("invoice_issued", "invoice X-1"), "ru") == "invoice X-1"


def test_the_cli_timeline_and_the_pages_share_one_rendering(orders: list[Order]) -> None:
    """Each timeline line is the rendered transition (the web pages use the same function)."""
    order = orders[1]
    lines = timeline(order, "ru")[1 : 1 + len(order.history)]
    assert lines == [f"  {render_transition(t, 'ru')}" for t in order.history]


# -- numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "locale", "expected"),
    [
        ("942370.00", "ru", f"942{NNBSP}370,00{NBSP}₽"),
        ("942370.00", "en", f"942,370.00{NBSP}₽"),
        ("0", "ru", f"0,00{NBSP}₽"),
        ("1234567.5", "ru", f"1{NNBSP}234{NNBSP}567,50{NBSP}₽"),
    ],
)
def test_amounts_are_written_in_the_locales_style(amount: str, locale: str, expected: str) -> None:
    """Roubles: Russian narrow spaces and a comma, English commas and a point."""
    assert format_money(Decimal(amount), locale) == expected


@pytest.mark.parametrize(
    ("percent", "locale", "expected"),
    [
        ("3.00", "ru", f"3{NBSP}%"),
        ("2.50", "ru", f"2,5{NBSP}%"),
        ("0.00", "ru", f"0{NBSP}%"),
        ("100", "ru", f"100{NBSP}%"),
        ("3.00", "en", "3%"),
        ("2.50", "en", "2.5%"),
    ],
)
def test_percents_have_no_needless_zeros(percent: str, locale: str, expected: str) -> None:
    """A discount reads 3 % or 2,5 %, never 3.00 %."""
    assert format_percent(Decimal(percent), locale) == expected


def test_policy_reasons_show_amounts_in_the_locales_style() -> None:
    """A limit reason's amounts are formatted, in Russian and in English."""
    reason = Reason(
        "max_gross_total",
        "gross total 942 370.00 ₽ is not below the limit 300 000.00 ₽",
        {"gross_total": "942370.00", "limit": "300000.00"},
    )
    assert render_reason(reason, "ru") == (
        f"сумма заказа 942{NNBSP}370,00{NBSP}₽ не меньше лимита 300{NNBSP}000,00{NBSP}₽"
    )
    assert render_reason(reason, "en") == (
        f"order total 942,370.00{NBSP}₽ is not below the limit 300,000.00{NBSP}₽"
    )


def test_an_errors_decimal_value_uses_the_locales_separators() -> None:
    """A refused amount is shown with a decimal comma in Russian."""
    error = InvalidValue("amount", "a payment must be positive", Decimal("-0.50"))
    assert describe_error(error, "ru").endswith("(-0,5)")
    assert describe_error(error, "en").endswith("(-0.5)")


def test_a_partial_payment_writes_no_history_line(orders: list[Order]) -> None:
    """Only the payment that completes the sum is a transition (and names the sum paid)."""
    delivered = orders[0]
    paid = [t for t in delivered.history if t.to_status is OrderStatus.PAID]
    assert len(paid) == 1
    assert paid[0].notes[0].params_dict["amount"] == str(delivered.amount_paid)
