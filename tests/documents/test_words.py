"""Amounts in words: the fixture's vectors, the agreement rules, and num2words agreeing."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from num2words import num2words

import b2bcore
from b2bcore.documents.words import KOPECK_FORMS, RUBLE_FORMS, amount_in_words, plural
from b2bcore.domain.errors import InvalidValue

VECTORS = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "amounts_in_words.json").read_text("utf-8")
)["amounts"]
amounts = st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2)


@pytest.mark.parametrize("vector", VECTORS, ids=[v["amount"] for v in VECTORS])
def test_fixture_vectors(vector: dict[str, str]) -> None:
    """Every amount of the fixture is written exactly as accountants expect."""
    assert amount_in_words(Decimal(vector["amount"])) == vector["words"]


def test_it_is_offered_at_the_package_root() -> None:
    """Integrators import it as ``b2bcore.amount_in_words``."""
    assert b2bcore.amount_in_words(Decimal("123.45")) == "Сто двадцать три рубля 45 копеек"


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("2.02", "Два рубля 02 копейки"),
        ("11.11", "Одиннадцать рублей 11 копеек"),
        ("111.14", "Сто одиннадцать рублей 14 копеек"),
        ("2000.00", "Две тысячи рублей 00 копеек"),
        ("21000000.00", "Двадцать один миллион рублей 00 копеек"),
        ("1000000000.00", "Один миллиард рублей 00 копеек"),
        ("0.00", "Ноль рублей 00 копеек"),
        ("1.015", "Один рубль 02 копейки"),
    ],
)
def test_feminine_thousands_and_rounding(amount: str, words: str) -> None:
    """Тысяча is feminine, millions masculine; a third decimal rounds half-up."""
    assert amount_in_words(Decimal(amount)) == words


@given(st.integers(min_value=0, max_value=10**9))
def test_noun_agrees_by_the_last_two_digits(n: int) -> None:
    """11..14 take рублей; else a last 1 takes рубль, 2..4 рубля, the rest рублей."""
    expected = (
        "рублей"
        if 11 <= n % 100 <= 14
        else {1: "рубль", 2: "рубля", 3: "рубля", 4: "рубля"}.get(n % 10, "рублей")
    )
    assert plural(n, RUBLE_FORMS) == expected
    assert amount_in_words(Decimal(n)).split()[-3] == expected


@given(amounts)
def test_kopecks_are_two_digits_with_their_noun(amount: Decimal) -> None:
    """The kopecks come last as two digits and the noun that agrees with them."""
    *_, digits, noun = amount_in_words(amount).split()
    kopecks = int(amount * 100) % 100
    assert digits == f"{kopecks:02d}"
    assert noun == plural(kopecks, KOPECK_FORMS)


@given(amounts)
def test_agrees_with_num2words_called_the_safe_way(amount: Decimal) -> None:
    """An independent implementation, called as INTEGRATIONS.md says, gives the same words."""
    theirs = num2words(amount, lang="ru", to="currency", currency="RUB", cents=False)
    theirs = theirs.replace(", ", " ")
    assert amount_in_words(amount) == theirs[0].upper() + theirs[1:]


@pytest.mark.parametrize("bad", [1.5, Decimal("-0.01"), Decimal("NaN"), "12", True])
def test_refuses_floats_negatives_and_junk(bad: object) -> None:
    """A float cannot hold kopecks; a negative amount has no words on an invoice."""
    with pytest.raises(InvalidValue):
        amount_in_words(bad)  # type: ignore[arg-type]
