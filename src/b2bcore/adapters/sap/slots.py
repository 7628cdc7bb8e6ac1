"""Delivery time slots of the B2B warehouse, as the simulator offers them.

Kept apart from the simulator because it is pure calendar arithmetic: two slots
a working day, 09:00-13:00 and 14:00-18:00 Moscow time, starting the day after
today, so an order paid in the evening is not promised a slot already under way.
Real installations configure their own slots (``INTEGRATIONS.md``: unverified).
"""

from __future__ import annotations

from collections.abc import Container
from datetime import UTC, date, datetime, time, timedelta, timezone

from b2bcore.domain.order import DeliveryInterval

# Moscow has kept UTC+3 all year since 2014; a fixed offset avoids needing tzdata.
MOSCOW = timezone(timedelta(hours=3), "MSK")
SLOTS: tuple[tuple[time, time], ...] = ((time(9), time(13)), (time(14), time(18)))
_SATURDAY = 5


def is_business_day(day: date, holidays: Container[date] = frozenset()) -> bool:
    return day.weekday() < _SATURDAY and day not in holidays


def business_day_intervals(
    now: datetime, *, days: int, holidays: Container[date] = frozenset()
) -> list[DeliveryInterval]:
    """The slots of the next ``days`` business days after today in Moscow, earliest first.

    Ids read like ``2026-11-27T09``: the Moscow date and starting hour, stable
    across calls, so a buyer's choice can be matched later.
    """
    day = now.astimezone(MOSCOW).date()
    intervals: list[DeliveryInterval] = []
    found = 0
    while found < days:
        day += timedelta(days=1)
        if not is_business_day(day, holidays):
            continue
        found += 1
        for start, end in SLOTS:
            starts_at = datetime.combine(day, start, MOSCOW)
            intervals.append(
                DeliveryInterval(
                    id=f"{day.isoformat()}T{start.hour:02d}",
                    starts_at=starts_at.astimezone(UTC),
                    ends_at=datetime.combine(day, end, MOSCOW).astimezone(UTC),
                )
            )
    return intervals
