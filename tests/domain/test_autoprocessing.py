"""The auto-processing policy: which placed orders run unattended, and why others do not."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2bcore.domain.autoprocessing import (
    AutoProcessingPolicy,
    ClientActive,
    MaxGrossTotal,
    MaxLines,
    OrderFacts,
    Route,
    RoutingDecision,
    RuleFailure,
)
from b2bcore.domain.errors import InvalidValue

# Kept local: tests/strategies.py did not exist when this module was written.
gross_totals = st.decimals(min_value=0, max_value=1_000_000, places=2)

POLICY = AutoProcessingPolicy.default()


def facts(**changes: Any) -> OrderFacts:
    """A small order from an active client and company, with ``changes`` applied."""
    small = OrderFacts(
        gross_total=Decimal("12500.00"),
        line_count=2,
        client_active=True,
        company_active=True,
        skus=("SKU-1", "SKU-2"),
        client_id="client-1",
        company_id="company-1",
    )
    return attrs.evolve(small, **changes)


@attrs.frozen
class NoSku:
    """A rule written in code: orders containing ``sku`` need a person."""

    sku: str
    code = "no_sku"

    def check(self, order: OrderFacts) -> RuleFailure | None:
        if self.sku not in order.skus:
            return None
        return RuleFailure(self.code, f"the order contains {self.sku}", {"sku": self.sku})


def test_small_order_goes_automatically() -> None:
    """A small order of an active client and company is processed unattended."""
    decision = POLICY.decide(facts())
    assert decision == RoutingDecision(Route.AUTOMATIC, ())
    assert decision.reasons == ()


def test_gross_total_at_the_limit_goes_manual() -> None:
    """300 000.00 ₽ is not "under 300 000", so the order goes to a manager."""
    decision = POLICY.decide(facts(gross_total=Decimal("300000.00")))
    assert decision.route is Route.MANUAL
    assert [f.rule for f in decision.failures] == ["max_gross_total"]


def test_gross_total_a_kopeck_below_the_limit_goes_automatically() -> None:
    """299 999.99 ₽ is under the limit."""
    assert POLICY.decide(facts(gross_total=Decimal("299999.99"))).route is Route.AUTOMATIC


def test_gross_total_reason_shows_both_amounts() -> None:
    """The reason is an English sentence with the total and the limit; params carry them."""
    (failure,) = POLICY.decide(facts(gross_total=Decimal("350000.00"))).failures
    assert failure.reason == "gross total 350 000.00 ₽ is not below the limit 300 000.00 ₽"
    assert failure.params_dict == {"gross_total": "350000.00", "limit": "300000.00"}


def test_three_lines_go_automatically() -> None:
    """Three lines is "at most 3"."""
    assert POLICY.decide(facts(line_count=3)).route is Route.AUTOMATIC


def test_four_lines_go_manual() -> None:
    """Four lines exceed the limit of three."""
    decision = POLICY.decide(facts(line_count=4))
    assert decision.route is Route.MANUAL
    assert decision.reasons == ("the order has 4 lines, more than the limit of 3",)


def test_inactive_client_goes_manual() -> None:
    """An order of an inactive client goes to a manager, naming the client."""
    decision = POLICY.decide(facts(client_active=False))
    assert [(f.rule, f.reason) for f in decision.failures] == [
        ("client_active", "client client-1 is not active")
    ]


def test_inactive_company_goes_manual() -> None:
    """An order of an inactive company goes to a manager, naming the company."""
    decision = POLICY.decide(facts(company_active=False))
    assert [(f.rule, f.reason) for f in decision.failures] == [
        ("company_active", "company company-1 is not active")
    ]


def test_every_failing_rule_is_reported() -> None:
    """All four default rules failing give four failures, in rule order."""
    decision = POLICY.decide(
        facts(
            gross_total=Decimal("500000"), line_count=9, client_active=False, company_active=False
        )
    )
    assert [f.rule for f in decision.failures] == [
        "max_gross_total",
        "max_lines",
        "client_active",
        "company_active",
    ]


@given(gross_totals, st.integers(min_value=0, max_value=10), st.booleans(), st.booleans())
def test_failures_count_the_violated_conditions(
    gross_total: Decimal, line_count: int, client_active: bool, company_active: bool
) -> None:
    """The number of failures equals the number of violated conditions; none means automatic."""
    violated = sum([gross_total >= 300_000, line_count > 3, not client_active, not company_active])
    decision = POLICY.decide(
        facts(
            gross_total=gross_total,
            line_count=line_count,
            client_active=client_active,
            company_active=company_active,
        )
    )
    assert len(decision.failures) == violated
    assert (decision.route is Route.AUTOMATIC) == (violated == 0)


def test_a_rule_written_in_code_can_be_added() -> None:
    """A custom rule joins the defaults and its reason appears in the decision."""
    policy = POLICY.with_rule(NoSku("SKU-2"))
    decision = policy.decide(facts(line_count=4))
    assert decision.reasons == (
        "the order has 4 lines, more than the limit of 3",
        "the order contains SKU-2",
    )
    assert POLICY.decide(facts()).route is Route.AUTOMATIC  # the original is unchanged


def test_from_config_takes_extra_rules() -> None:
    """Extra rules given to from_config are evaluated after the built-in ones."""
    policy = AutoProcessingPolicy.from_config("300000", 3, extra_rules=[NoSku("SKU-1")])
    assert [f.rule for f in policy.decide(facts()).failures] == ["no_sku"]


def test_from_config_with_no_limits_disables_them() -> None:
    """None disables the total and line limits; a big long order then goes automatically."""
    policy = AutoProcessingPolicy.from_config(max_gross_total=None, max_lines=None)
    assert policy.decide(facts(gross_total=Decimal("9000000"), line_count=50)).route is (
        Route.AUTOMATIC
    )


def test_active_checks_cannot_be_disabled_by_config() -> None:
    """Even with no limits, an inactive client's order goes to a manager."""
    policy = AutoProcessingPolicy.from_config(max_gross_total=None, max_lines=None)
    assert policy.decide(facts(client_active=False)).route is Route.MANUAL


def test_from_config_reads_custom_limits() -> None:
    """Configured limits replace the defaults."""
    policy = AutoProcessingPolicy.from_config(max_gross_total="50000", max_lines=1)
    assert policy.rules[:2] == (MaxGrossTotal(Decimal("50000.00")), MaxLines(1))


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"max_gross_total": "-1", "max_lines": 3}, "max_gross_total"),
        ({"max_gross_total": "lots", "max_lines": 3}, "max_gross_total"),
        ({"max_gross_total": 300_000, "max_lines": -1}, "max_lines"),
    ],
)
def test_bad_limits_are_refused(config: dict[str, Any], field: str) -> None:
    """A negative or unreadable limit is an InvalidValue naming the setting."""
    with pytest.raises(InvalidValue) as caught:
        AutoProcessingPolicy.from_config(**config)
    assert caught.value.field == field


def test_two_rules_with_one_code_are_refused() -> None:
    """Failures are identified by rule code, so codes must be unique."""
    with pytest.raises(InvalidValue) as caught:
        POLICY.with_rule(ClientActive())
    assert caught.value.rule == "rule codes must be unique"


def test_decision_route_must_agree_with_failures() -> None:
    """A decision cannot be automatic while carrying failures."""
    failure = RuleFailure("max_lines", "too many lines")
    with pytest.raises(InvalidValue):
        RoutingDecision(Route.AUTOMATIC, (failure,))


def test_decision_is_a_hashable_value() -> None:
    """Decisions with params compare and hash by value, so they can be stored and compared."""
    first = POLICY.decide(facts(line_count=5))
    second = POLICY.decide(facts(line_count=5))
    assert first == second
    assert hash(first) == hash(second)
