"""The volume discount policy: tiers, the distance to the next tier, the rolling window."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2bcore.domain.discount import DiscountPolicy, DiscountStanding, DiscountTier
from b2bcore.domain.errors import InvalidValue

# Kept local: tests/strategies.py did not exist when this module was written.
volumes = st.decimals(min_value=0, max_value=10_000_000, places=2)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))

POLICY = DiscountPolicy.default()


def d(text: str) -> Decimal:
    return Decimal(text)


def test_default_tiers_are_the_cases_tiers() -> None:
    """The default policy is 0 % / 3 % from 300 000 / 5 % from 1 000 000 / 7 % from 3 000 000."""
    assert [(t.threshold, t.percent) for t in POLICY.tiers] == [
        (d("0"), d("0")),
        (d("300000"), d("3")),
        (d("1000000"), d("5")),
        (d("3000000"), d("7")),
    ]
    assert POLICY.window_months == 3


@pytest.mark.parametrize(
    ("volume", "expected_percent"),
    [
        ("0", "0"),
        ("299999.99", "0"),
        ("300000.00", "3"),
        ("999999.99", "3"),
        ("1000000.00", "5"),
        ("2999999.99", "5"),
        ("3000000.00", "7"),
        ("99000000.00", "7"),
    ],
)
def test_each_threshold_is_inclusive(volume: str, expected_percent: str) -> None:
    """A tier applies from exactly its threshold, and not a kopeck before."""
    assert POLICY.tier_for(d(volume)).percent == d(expected_percent)


@given(volumes, volumes)
def test_discount_never_falls_as_volume_grows(a: Decimal, b: Decimal) -> None:
    """v1 <= v2 implies percent(v1) <= percent(v2)."""
    low, high = sorted((a, b))
    assert POLICY.tier_for(low).percent <= POLICY.tier_for(high).percent


def test_amount_to_next_tier_is_exact() -> None:
    """The amount to the next tier is the next threshold minus the volume, to the kopeck."""
    assert POLICY.amount_to_next_tier(d("250000.50")) == d("49999.50")
    assert POLICY.amount_to_next_tier(d("300000.00")) == d("700000.00")


@given(volumes.filter(lambda v: v < 3_000_000))
def test_buying_the_amount_to_next_reaches_the_next_tier(volume: Decimal) -> None:
    """Adding exactly the amount moves to the next tier; a kopeck less does not."""
    amount = POLICY.amount_to_next_tier(volume)
    assert amount is not None
    assert POLICY.tier_for(volume + amount) == POLICY.next_tier(volume)
    assert POLICY.tier_for(volume + amount - d("0.01")) == POLICY.tier_for(volume)


def test_top_tier_has_no_next() -> None:
    """At the top tier there is no next tier and no amount to it."""
    assert POLICY.next_tier(d("5000000")) is None
    assert POLICY.amount_to_next_tier(d("5000000")) is None


def test_standing_combines_current_next_and_distance() -> None:
    """The standing is what the cabinet shows: current tier, next tier, amount to it."""
    assert POLICY.standing(d("1200000.00")) == DiscountStanding(
        volume=d("1200000.00"),
        current=DiscountTier(d("1000000.00"), d("5.00")),
        next=DiscountTier(d("3000000.00"), d("7.00")),
        amount_to_next=d("1800000.00"),
    )


def test_negative_volume_is_refused() -> None:
    """A negative volume is a bug upstream, reported as an InvalidValue on "volume"."""
    with pytest.raises(InvalidValue) as caught:
        POLICY.tier_for(d("-0.01"))
    assert (caught.value.field, caught.value.rule) == ("volume", "must not be negative")


@pytest.mark.parametrize(
    ("today", "start"),
    [
        (date(2026, 11, 26), date(2026, 8, 27)),
        (date(2026, 5, 31), date(2026, 3, 1)),  # 2026-02-31 clamps to 02-28
        (date(2026, 5, 30), date(2026, 3, 1)),
        (date(2026, 5, 28), date(2026, 3, 1)),
        (date(2026, 5, 27), date(2026, 2, 28)),
        (date(2026, 1, 15), date(2025, 10, 16)),  # across the new year
        (date(2026, 12, 31), date(2026, 10, 1)),  # 2026-09-31 clamps to 09-30
    ],
)
def test_window_start_is_the_day_after_the_same_day_months_earlier(
    today: date, start: date
) -> None:
    """The window runs from the day after the same day three months earlier to today."""
    assert POLICY.window(today) == (start, today)


@pytest.mark.parametrize(
    ("today", "start"),
    [
        (date(2028, 5, 31), date(2028, 3, 1)),  # 2028-02-31 clamps to the leap day 02-29
        (date(2028, 5, 29), date(2028, 3, 1)),  # 2028-02-29 exists
        (date(2028, 5, 28), date(2028, 2, 29)),  # the leap day itself starts the window
        (date(2027, 5, 29), date(2027, 3, 1)),  # no leap day: 02-29 clamps to 02-28
    ],
)
def test_window_in_a_leap_year(today: date, start: date) -> None:
    """February 29 is clamped to only in leap years."""
    assert POLICY.window(today)[0] == start


def test_window_months_is_configurable() -> None:
    """A one-month window starts the day after the same day a month earlier."""
    policy = DiscountPolicy.from_tiers([(0, 0)], window_months=1)
    assert policy.window(date(2026, 3, 31)) == (date(2026, 3, 1), date(2026, 3, 31))


@given(days)
def test_window_start_never_moves_back(today: date) -> None:
    """Tomorrow's window never starts earlier, so a payment that left never comes back."""
    assert POLICY.window(today + timedelta(days=1))[0] >= POLICY.window(today)[0]


@given(days)
def test_three_month_window_spans_89_to_92_days(today: date) -> None:
    """Three months of whole days is between 89 and 92 days, today included."""
    start, end = POLICY.window(today)
    assert 89 <= (end - start).days + 1 <= 92


def test_volume_counts_exactly_the_days_in_the_window() -> None:
    """Payments on the start day and today count; the day before and tomorrow do not."""
    today = date(2026, 11, 26)
    start = date(2026, 8, 27)
    payments = [
        (start - timedelta(days=1), d("1000.00")),
        (start, d("200.00")),
        (date(2026, 10, 1), d("30.00")),
        (today, d("4.00")),
        (today + timedelta(days=1), d("50000.00")),
    ]
    assert POLICY.volume(payments, today) == d("234.00")


def test_volume_of_no_payments_is_zero() -> None:
    """A client that paid nothing in the window has zero volume."""
    assert POLICY.volume([], date(2026, 11, 26)) == d("0.00")


@pytest.mark.parametrize(
    ("pairs", "rule"),
    [
        ([], "must contain at least one tier"),
        ([(100, 0), (300, 3)], "first threshold must be 0"),
        ([(0, 0), (300, 3), (300, 5)], "thresholds must strictly increase"),
        ([(0, 0), (300, 3), (200, 5)], "thresholds must strictly increase"),
        ([(0, 0), (300, 5), (1000, 3)], "percents must not decrease"),
        ([(0, 0), (300, 101)], "must be between 0 and 100"),
        ([(0, -1)], "must be between 0 and 100"),
        ([(0, "abc")], "must be a number"),
    ],
)
def test_bad_tier_configuration_names_the_field_and_rule(
    pairs: list[tuple[int, int | str]], rule: str
) -> None:
    """Each broken tier rule is an InvalidValue on "discount_tiers" saying which rule."""
    with pytest.raises(InvalidValue) as caught:
        DiscountPolicy.from_tiers(pairs)
    assert (caught.value.field, caught.value.rule) == ("discount_tiers", rule)


def test_direct_construction_is_checked_too() -> None:
    """Bypassing from_tiers still cannot build a policy without a zero threshold."""
    with pytest.raises(InvalidValue) as caught:
        DiscountPolicy((DiscountTier(d("10"), d("1")),))
    assert caught.value.field == "discount_tiers"


def test_window_of_zero_months_is_refused() -> None:
    """A window must be at least one month long."""
    with pytest.raises(InvalidValue) as caught:
        DiscountPolicy.from_tiers([(0, 0)], window_months=0)
    assert caught.value.field == "discount_window_months"


def test_tiers_accept_strings_from_configuration() -> None:
    """Thresholds and percents may come as strings, as they do from a config file."""
    policy = DiscountPolicy.from_tiers([("0", "0"), ("500000", "2.5")])
    assert policy.tier_for(d("500000")) == DiscountTier(d("500000.00"), d("2.50"))
