"""Money, VAT and prices: what ends up on an invoice, to the kopeck.

Expected amounts are computed here in whole kopecks with integer arithmetic
(:func:`half_up`), independently of ``b2bcore.domain.money``, so a rounding bug
in the domain cannot hide in the reference.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2bcore.domain.discount import DiscountPolicy
from b2bcore.domain.errors import InvalidValue
from b2bcore.domain.money import ZERO, VatRate, non_negative_money, percent, to_money
from b2bcore.domain.pricing import (
    CartItem,
    DeliveryCharge,
    DeliveryTariff,
    OrderLine,
    PriceSource,
    Product,
    Totals,
    quote_cart,
)
from tests.builders import make_product
from tests.strategies import (
    amounts,
    delivery_charges,
    discount_percents,
    kopecks,
    order_lines,
    quantities,
    vat_rates,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"
VAT_22_VECTORS = [
    (row["amount"], row["vat_22_included"])
    for row in json.loads((FIXTURES / "amounts_in_words.json").read_text("utf-8"))["amounts"]
    if "vat_22_included" in row
]
RATE_PERCENT = {VatRate.VAT22: 22, VatRate.VAT10: 10, VatRate.VAT0: 0, VatRate.NO_VAT: 0}


def half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half-up, for non-negative integers."""
    return (2 * numerator + denominator) // (2 * denominator)


def kop(amount: Decimal) -> int:
    """Roubles as whole kopecks; fails if the amount is not whole kopecks."""
    value = amount * 100
    assert value == value.to_integral_value(), f"{amount} is not whole kopecks"
    return int(value)


def rub(kopecks_: int) -> Decimal:
    return Decimal(kopecks_).scaleb(-2)


def two_places(*values: Decimal) -> bool:
    return all(v.as_tuple().exponent == -2 for v in values)


# -- rounding --------------------------------------------------------------------


def test_money_rounds_half_up_to_kopecks() -> None:
    """Half a kopeck rounds up, not to even: 0.125 -> 0.13, 0.135 -> 0.14."""
    assert to_money(Decimal("0.125")) == Decimal("0.13")
    assert to_money(Decimal("0.135")) == Decimal("0.14")
    assert to_money(Decimal("0.124")) == Decimal("0.12")


def test_unit_price_after_discount_rounds_half_up() -> None:
    """0.05 ₽ at 50 % off is 0.025, which an invoice shows as 0.03."""
    line = OrderLine.price(make_product(list_price="0.05"), 1, discount_percent=Decimal("50"))
    assert line.unit_price == Decimal("0.03")
    assert line.gross == Decimal("0.03")


def test_line_rounds_the_unit_price_before_multiplying() -> None:
    """100 x (33.33 ₽ - 3 %) is 100 x 32.33 = 3 233.00, not 3 233.01 from the exact product."""
    line = OrderLine.price(make_product(list_price="33.33"), 100, discount_percent=Decimal("3"))
    assert line.unit_price == Decimal("32.33")
    assert line.gross == Decimal("3233.00")


def test_line_vat_is_rounded_on_the_line() -> None:
    """Three lines of 1.00 ₽ at 22 % carry 0.18 each, 0.54 together (not 0.54098 rounded once)."""
    lines = [OrderLine.price(make_product(sku=f"SKU-{i}", list_price="1.00"), 1) for i in range(3)]
    totals = Totals.of(lines, DeliveryCharge(gross=ZERO))
    assert [line.vat for line in lines] == [Decimal("0.18")] * 3
    assert totals.vat == Decimal("0.54")


@given(
    list_price=kopecks(max_value=1_000_000_00),
    discount=st.integers(min_value=0, max_value=100_00),
    quantity=quantities(),
    rate=vat_rates(),
)
def test_list_priced_line_follows_the_rounding_rule(
    list_price: int, discount: int, quantity: int, rate: VatRate
) -> None:
    """unit = list x (100 - d) / 100 half-up; gross = unit x qty; VAT = gross x r / (100 + r)."""
    product = Product(sku="SKU-1", name="Товар", list_price=rub(list_price), vat_rate=rate)
    line = OrderLine.price(product, quantity, discount_percent=Decimal(discount).scaleb(-2))

    unit = half_up(list_price * (100_00 - discount), 100_00)
    gross = unit * quantity
    r = RATE_PERCENT[rate]
    assert kop(line.unit_price) == unit
    assert kop(line.gross) == gross
    assert kop(line.vat) == half_up(gross * r, 100 + r)
    assert line.net == line.gross - line.vat
    assert line.price_source is PriceSource.LIST
    assert two_places(line.unit_price, line.gross, line.vat)


# -- totals ------------------------------------------------------------------------


@given(lines=st.lists(order_lines(), min_size=1, max_size=8), delivery=delivery_charges())
def test_totals_equal_the_sum_of_lines_to_the_kopeck(
    lines: list[OrderLine], delivery: DeliveryCharge
) -> None:
    """Goods, gross and VAT of an order are plain sums of its rounded lines and delivery."""
    totals = Totals.of(lines, delivery)

    goods = sum(kop(line.gross) for line in lines)
    vat = sum(kop(line.vat) for line in lines) + kop(delivery.vat)
    assert kop(totals.goods_gross) == goods
    assert kop(totals.gross) == goods + kop(delivery.gross)
    assert kop(totals.vat) == vat
    assert totals.net == totals.gross - totals.vat
    assert sum((v for _, v in totals.vat_by_rate), ZERO) == totals.vat
    assert two_places(totals.goods_gross, totals.gross, totals.vat, totals.net)


@given(lines=st.lists(order_lines(), min_size=1, max_size=8), delivery=delivery_charges())
def test_vat_by_rate_sums_each_rate_separately(
    lines: list[OrderLine], delivery: DeliveryCharge
) -> None:
    """Each rate's VAT is the sum of the VAT of that rate's lines (and of a paid delivery)."""
    by_rate = dict(Totals.of(lines, delivery).vat_by_rate)
    for rate, vat in by_rate.items():
        expected = sum(kop(line.vat) for line in lines if line.vat_rate is rate)
        if delivery.gross and delivery.vat_rate is rate:
            expected += kop(delivery.vat)
        assert kop(vat) == expected


# -- VAT -----------------------------------------------------------------------------


@pytest.mark.parametrize(("gross", "vat"), VAT_22_VECTORS)
def test_vat_22_matches_the_published_vectors(gross: str, vat: str) -> None:
    """VAT contained in a 22 %-inclusive amount matches tests/fixtures/amounts_in_words.json."""
    assert VatRate.VAT22.vat_included(Decimal(gross)) == Decimal(vat)


@given(gross=kopecks(), rate=vat_rates())
def test_vat_contained_is_gross_times_rate_over_100_plus_rate(gross: int, rate: VatRate) -> None:
    """VAT included = gross x rate / (100 + rate), half-up to kopecks; none for 0 % and без НДС."""
    r = RATE_PERCENT[rate]
    assert kop(rate.vat_included(rub(gross))) == half_up(gross * r, 100 + r)


@pytest.mark.parametrize("rate", [VatRate.VAT0, VatRate.NO_VAT])
def test_zero_rate_and_no_vat_lines_carry_no_vat(rate: VatRate) -> None:
    """A 0 % or "без НДС" line has VAT 0.00 and net equal to gross."""
    product = Product(sku="SETUP", name="Настройка", list_price=Decimal("2500.00"), vat_rate=rate)
    line = OrderLine.price(product, 3)
    assert line.vat == Decimal("0.00")
    assert line.net == line.gross == Decimal("7500.00")


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("22", VatRate.VAT22),
        ("22%", VatRate.VAT22),
        (" 10 % ", VatRate.VAT10),
        ("0", VatRate.VAT0),
        ("без НДС", VatRate.NO_VAT),
        ("none", VatRate.NO_VAT),
    ],
)
def test_vat_rate_reads_how_people_write_it(text: str, rate: VatRate) -> None:
    """Rates are read from "22", "22%", "10 %", "0", "без НДС" and "none"."""
    assert VatRate.parse(text) is rate


def test_unknown_vat_rate_is_refused_naming_the_field() -> None:
    """The old 20 % general rate is no longer a rate a line may carry."""
    with pytest.raises(InvalidValue) as refused:
        VatRate.parse("20")
    assert refused.value.field == "vat_rate"


# -- refused values -------------------------------------------------------------------

FLOAT_REFUSALS: list[tuple[str, Callable[[], Any], str]] = [
    ("to_money", lambda: to_money(0.1, field="price"), "price"),
    ("non_negative_money", lambda: non_negative_money(1.5, field="cost"), "cost"),
    ("percent", lambda: percent(3.0, field="discount"), "discount"),
    (
        "product list price",
        lambda: Product(sku="SKU-1", name="Бумага", list_price=499.99),
        "list_price",
    ),
    (
        "line discount",
        lambda: OrderLine.price(make_product(), 1, discount_percent=3.0),
        "discount_percent",
    ),
    (
        "contract price",
        lambda: OrderLine.price(make_product(), 1, contract_price=450.0),
        "contract_price",
    ),
    (
        "manual price",
        lambda: OrderLine.price(make_product(), 1, manual_price=400.0),
        "unit_price",
    ),
    ("tariff base cost", lambda: DeliveryTariff(base_cost=1500.0), "base_cost"),
    ("tariff free threshold", lambda: DeliveryTariff(free_from=100000.0), "free_from"),
    ("delivery charge", lambda: DeliveryCharge(gross=1500.0), "delivery"),
    (
        "discount tiers",
        lambda: DiscountPolicy.from_tiers([(0, 0), (300000.0, 3)]),
        "discount_tiers",
    ),
]


@pytest.mark.parametrize(
    ("make", "field"),
    [pytest.param(make, field, id=name) for name, make, field in FLOAT_REFUSALS],
)
def test_floats_are_refused_naming_the_field(make: Callable[[], Any], field: str) -> None:
    """A float never becomes money: the refusal names the field it was given for."""
    with pytest.raises(InvalidValue) as refused:
        make()
    assert refused.value.field == field


@pytest.mark.parametrize("junk", ["", "12,50", "abc", "NaN", "Infinity"])
def test_junk_amounts_are_refused_naming_the_field(junk: str) -> None:
    """Text that is not a finite number of roubles is refused with the field's name."""
    with pytest.raises(InvalidValue) as refused:
        to_money(junk, field="amount")
    assert refused.value.field == "amount"


def test_negative_list_price_is_refused() -> None:
    """A product cannot cost less than nothing."""
    with pytest.raises(InvalidValue) as refused:
        make_product(list_price="-1.00")
    assert refused.value.field == "list_price"


@pytest.mark.parametrize("value", ["-0.01", "100.01", "3.333"])
def test_discount_outside_0_to_100_or_finer_than_a_hundredth_is_refused(value: str) -> None:
    """A discount is 0..100 % with at most two decimals."""
    with pytest.raises(InvalidValue) as refused:
        OrderLine.price(make_product(), 1, discount_percent=Decimal(value))
    assert refused.value.field == "discount_percent"


@pytest.mark.parametrize("quantity", [0, -1, 1_000_001])
def test_quantity_outside_1_to_a_million_is_refused(quantity: int) -> None:
    """Quantities are whole numbers from 1 to 1 000 000."""
    with pytest.raises(InvalidValue) as refused:
        OrderLine.price(make_product(), quantity)
    assert refused.value.field == "quantity"


# -- which price applies -------------------------------------------------------------------


def test_list_price_minus_discount_applies_without_a_personal_price() -> None:
    """Without contract or manual price a line costs the list price minus the discount."""
    line = OrderLine.price(make_product(list_price="500.00"), 2, discount_percent=Decimal("3"))
    assert line.price_source is PriceSource.LIST
    assert line.unit_price == Decimal("485.00")
    assert line.discount_percent == Decimal("3.00")
    assert line.discount_amount == Decimal("30.00")


def test_contract_price_beats_list_minus_discount() -> None:
    """A contract price applies as it is; the volume discount is not taken off it."""
    line = OrderLine.price(
        make_product(list_price="500.00"),
        2,
        discount_percent=Decimal("7"),
        contract_price=Decimal("480.00"),
    )
    assert line.price_source is PriceSource.CONTRACT
    assert line.unit_price == Decimal("480.00")
    assert line.discount_percent == Decimal("0.00")
    assert line.gross == Decimal("960.00")
    assert line.list_price == Decimal("500.00")


def test_contract_price_applies_even_above_list_minus_discount() -> None:
    """Precedence is by source, not by which price is lower."""
    line = OrderLine.price(
        make_product(list_price="500.00"),
        1,
        discount_percent=Decimal("7"),
        contract_price=Decimal("490.00"),
    )
    assert line.unit_price == Decimal("490.00")


def test_manual_price_beats_contract_price() -> None:
    """A manager's manual price wins over both the contract and the list price."""
    line = OrderLine.price(
        make_product(list_price="500.00"),
        4,
        discount_percent=Decimal("3"),
        contract_price=Decimal("480.00"),
        manual_price=Decimal("450.50"),
    )
    assert line.price_source is PriceSource.MANUAL
    assert line.unit_price == Decimal("450.50")
    assert line.gross == Decimal("1802.00")
    assert line.discount_amount == Decimal("198.00")


# -- delivery ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("goods", "delivery"),
    [("0.00", "1500.00"), ("99999.99", "1500.00"), ("100000.00", "0.00"), ("250000.00", "0.00")],
)
def test_delivery_is_free_from_the_threshold(goods: str, delivery: str) -> None:
    """1 500 ₽ below 100 000 ₽ of goods, free from exactly 100 000 ₽."""
    assert DeliveryTariff().charge_for(Decimal(goods)).gross == Decimal(delivery)


def test_tariff_without_a_threshold_always_charges() -> None:
    """``free_from=None`` switches free delivery off."""
    tariff = DeliveryTariff(base_cost=Decimal("990.00"), free_from=None)
    assert tariff.charge_for(Decimal("10000000.00")).gross == Decimal("990.00")


def test_delivery_carries_vat_of_its_rate() -> None:
    """Delivery at 22 % contains 270.49 ₽ of VAT in 1 500 ₽."""
    assert DeliveryTariff().charge_for(ZERO).vat == Decimal("270.49")


@given(goods=amounts(max_value=1_000_000_00), threshold=amounts(max_value=1_000_000_00))
def test_delivery_is_free_exactly_from_the_threshold(goods: Decimal, threshold: Decimal) -> None:
    """Free when goods reach the threshold, the base cost otherwise."""
    tariff = DeliveryTariff(base_cost=Decimal("1500.00"), free_from=threshold)
    expected = ZERO if goods >= threshold else Decimal("1500.00")
    assert tariff.charge_for(goods).gross == expected


# -- a cart ------------------------------------------------------------------------------

PRODUCTS = {
    "PAPER": make_product(sku="PAPER", list_price="500.00"),
    "PEN": make_product(sku="PEN", name="Ручка", list_price="33.33"),
}


def test_quote_merges_repeated_skus_into_one_line() -> None:
    """Two cart items of one SKU become one line with the summed quantity."""
    quote = quote_cart(
        [CartItem(sku="PAPER", quantity=2), CartItem(sku="PAPER", quantity=3)],
        products=PRODUCTS,
        discount_percent=ZERO,
        contract_prices={},
        tariff=DeliveryTariff(),
    )
    assert [(line.sku, line.quantity) for line in quote.lines] == [("PAPER", 5)]


def test_quote_prices_each_line_and_charges_delivery_on_goods() -> None:
    """Discount on list-priced lines, contract price as is, delivery from the goods total."""
    quote = quote_cart(
        [CartItem(sku="PAPER", quantity=10), CartItem(sku="PEN", quantity=100)],
        products=PRODUCTS,
        discount_percent=Decimal("3"),
        contract_prices={"PEN": Decimal("30.00")},
        tariff=DeliveryTariff(),
    )
    paper, pen = quote.lines
    assert (paper.unit_price, paper.gross) == (Decimal("485.00"), Decimal("4850.00"))
    assert (pen.price_source, pen.gross) == (PriceSource.CONTRACT, Decimal("3000.00"))
    assert quote.delivery.gross == Decimal("1500.00")
    assert quote.totals.gross == Decimal("9350.00")


def test_quote_refuses_an_unknown_sku_by_name() -> None:
    """A SKU missing from the catalogue is named in the refusal."""
    with pytest.raises(InvalidValue) as refused:
        quote_cart(
            [CartItem(sku="NOPE", quantity=1)],
            products=PRODUCTS,
            discount_percent=ZERO,
            contract_prices={},
            tariff=DeliveryTariff(),
        )
    assert (refused.value.field, refused.value.value) == ("sku", "NOPE")


@given(price=amounts(max_value=1_000_000_00), discount=discount_percents())
def test_discount_never_raises_a_price(price: Decimal, discount: Decimal) -> None:
    """List price minus any discount is never above the list price."""
    line = OrderLine.price(make_product(list_price=price), 1, discount_percent=discount)
    assert ZERO <= line.unit_price <= price
