"""The volume discount: a tier chosen by what a client paid over a rolling window.

Tiers are configuration, so the policy is a value built from pairs of
(threshold, percent) and checked once, when it is built: a policy that could
give a bigger client a smaller discount, or leave some volume without a tier,
is refused. The policy never reads a clock or a database; callers pass
``today`` and the volume (or the payments, for in-memory repositories).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

import attrs

from b2bcore.domain.errors import InvalidValue
from b2bcore.domain.money import ZERO, percent, to_money

_FIELD = "discount_tiers"
_WINDOW_FIELD = "discount_window_months"


@attrs.frozen
class DiscountTier:
    """A discount ``percent`` that applies from ``threshold`` roubles of volume, inclusive."""

    threshold: Decimal
    percent: Decimal


@attrs.frozen
class DiscountStanding:
    """Where a client stands: what the cabinet shows next to its current discount."""

    volume: Decimal
    current: DiscountTier
    next: DiscountTier | None
    amount_to_next: Decimal | None


def _months_earlier(day: date, months: int) -> date:
    """The same day ``months`` months earlier, clamped to the length of that month."""
    index = day.year * 12 + day.month - 1 - months
    year, month = index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@attrs.frozen
class DiscountPolicy:
    """Discount tiers over a rolling purchase-volume window of ``window_months`` months.

    Build it with :meth:`from_tiers` from configuration; direct construction is
    checked the same way, so no invalid policy can exist.
    """

    tiers: tuple[DiscountTier, ...]
    window_months: int = 3

    def __attrs_post_init__(self) -> None:
        if isinstance(self.window_months, bool) or not isinstance(self.window_months, int):
            raise InvalidValue(_WINDOW_FIELD, "must be a whole number", self.window_months)
        if self.window_months < 1:
            raise InvalidValue(_WINDOW_FIELD, "must be at least 1", self.window_months)
        if not self.tiers:
            raise InvalidValue(_FIELD, "must contain at least one tier")
        if self.tiers[0].threshold != 0:
            raise InvalidValue(_FIELD, "first threshold must be 0", self.tiers[0].threshold)
        for tier in self.tiers:
            if not 0 <= tier.percent <= 100:
                raise InvalidValue(_FIELD, "each percent must be between 0 and 100", tier.percent)
        for lower, higher in zip(self.tiers, self.tiers[1:], strict=False):
            if higher.threshold <= lower.threshold:
                raise InvalidValue(_FIELD, "thresholds must strictly increase", higher.threshold)
            if higher.percent < lower.percent:
                raise InvalidValue(_FIELD, "percents must not decrease", higher.percent)

    @classmethod
    def from_tiers(
        cls,
        pairs: Iterable[tuple[Decimal | int | str, Decimal | int | str]],
        window_months: int = 3,
    ) -> DiscountPolicy:
        """Build a policy from configured ``(threshold, percent)`` pairs, refusing bad ones."""
        tiers = tuple(
            DiscountTier(to_money(threshold, field=_FIELD), percent(rate, field=_FIELD))
            for threshold, rate in pairs
        )
        return cls(tiers, window_months)

    @classmethod
    def default(cls) -> DiscountPolicy:
        """The case's tiers: 0 %; 3 % from 300 000; 5 % from 1 000 000; 7 % from 3 000 000."""
        return cls.from_tiers([(0, 0), (300_000, 3), (1_000_000, 5), (3_000_000, 7)])

    def window(self, today: date) -> tuple[date, date]:
        """The days whose payments count towards the volume, as ``(start, today)``, inclusive.

        ``start`` is the day after the same day ``window_months`` months earlier,
        the day of month clamped to that month's length. With three months,
        2026-11-26 gives 2026-08-27, and 2026-05-31 gives 2026-03-01 (the day
        after 2026-02-28). So a window always covers whole days and a payment
        drops out exactly ``window_months`` months after it was made.
        """
        return _months_earlier(today, self.window_months) + timedelta(days=1), today

    def volume(self, payments: Iterable[tuple[date, Decimal]], today: date) -> Decimal:
        """Sum of the ``(paid_on, amount)`` payments inside :meth:`window`.

        For in-memory repositories; SQL adapters compute the same with an aggregate.
        """
        start, end = self.window(today)
        return sum((amount for day, amount in payments if start <= day <= end), ZERO)

    def tier_for(self, volume: Decimal) -> DiscountTier:
        """The highest tier whose threshold the volume has reached."""
        _check_volume(volume)
        return [tier for tier in self.tiers if tier.threshold <= volume][-1]

    def next_tier(self, volume: Decimal) -> DiscountTier | None:
        """The first tier above the current one, or ``None`` at the top."""
        _check_volume(volume)
        return next((tier for tier in self.tiers if tier.threshold > volume), None)

    def amount_to_next_tier(self, volume: Decimal) -> Decimal | None:
        """How much more to buy to reach the next tier, or ``None`` at the top."""
        upcoming = self.next_tier(volume)
        return None if upcoming is None else upcoming.threshold - volume

    def standing(self, volume: Decimal) -> DiscountStanding:
        """The current tier, the next one and the distance to it, in one value."""
        return DiscountStanding(
            volume=volume,
            current=self.tier_for(volume),
            next=self.next_tier(volume),
            amount_to_next=self.amount_to_next_tier(volume),
        )


def _check_volume(volume: Decimal) -> None:
    if volume < 0:
        raise InvalidValue("volume", "must not be negative", volume)
