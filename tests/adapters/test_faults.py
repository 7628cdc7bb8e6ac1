"""FaultPlan: the shared fail_next mechanism of the simulators."""

from __future__ import annotations

import pytest

from b2bcore.adapters.faults import FaultPlan
from b2bcore.domain.errors import Rejected, Unavailable


def test_no_plan_raises_nothing() -> None:
    """Without a plan check() passes."""
    FaultPlan().check()


def test_plans_fail_in_order_then_stop() -> None:
    """Queued plans fail one call each, in order, then calls pass again."""
    plan = FaultPlan()
    plan.fail_next(2, Unavailable("sap", "timeout"))
    plan.fail_next(1, Rejected("sap", "400"))
    raised = []
    for _ in range(3):
        with pytest.raises(Exception) as caught:  # noqa: PT011 -- the type is what we record
            plan.check()
        raised.append(type(caught.value))
    plan.check()
    assert (raised, plan.pending) == ([Unavailable, Unavailable, Rejected], 0)


def test_clear_forgets_the_plan() -> None:
    """clear() drops every planned failure."""
    plan = FaultPlan()
    plan.fail_next(3, Unavailable("sap", "timeout"))
    plan.clear()
    plan.check()
    assert plan.pending == 0


def test_negative_count_is_refused() -> None:
    """fail_next(-1, ...) is a mistake, not a no-op."""
    with pytest.raises(ValueError, match="negative"):
        FaultPlan().fail_next(-1, Unavailable("sap", "timeout"))
