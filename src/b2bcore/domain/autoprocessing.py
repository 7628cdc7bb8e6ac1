"""Whether a placed order may be processed unattended, and why not.

The policy is a list of rules; each looks at :class:`OrderFacts` and either
passes or returns a :class:`RuleFailure`. Every rule is evaluated, so a manager
sees all the reasons an order went to manual processing at once, not one per
attempt. Rules are configuration (:meth:`AutoProcessingPolicy.from_config`)
and can be extended with code: anything with a ``code`` and a ``check`` method
is a rule.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from decimal import Decimal
from typing import Protocol

import attrs

from b2bcore.domain.errors import InvalidValue
from b2bcore.domain.money import non_negative_money
from b2bcore.domain.reasons import Reason


class Route(enum.Enum):
    """Where a placed order goes next."""

    AUTOMATIC = "automatic"
    MANUAL = "manual"


@attrs.frozen
class OrderFacts:
    """What the policy looks at; use cases build it from the order and its client."""

    gross_total: Decimal
    line_count: int
    client_active: bool
    company_active: bool
    skus: tuple[str, ...]
    client_id: str
    company_id: str


RuleFailure = Reason
"""A broken rule is a :class:`~b2bcore.domain.reasons.Reason` with the rule's code."""


class Rule(Protocol):
    """A check an order must pass to be processed unattended."""

    @property
    def code(self) -> str:
        """Stable identifier, stored with the decision and used as the failure's ``rule``."""
        ...

    def check(self, facts: OrderFacts) -> RuleFailure | None:
        """``None`` if the order passes, otherwise why it does not."""
        ...


def _rubles(amount: Decimal) -> str:
    """``350 000.00 ₽``: how managers read amounts in reasons."""
    return f"{amount:,.2f}".replace(",", " ") + " ₽"


def _gross_limit(value: Decimal | int | str) -> Decimal:
    return non_negative_money(value, field="max_gross_total")


def _line_limit(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValue("max_lines", "must be a whole number, zero or more", value)
    return value


@attrs.frozen
class MaxGrossTotal:
    """Passes when the gross total is strictly below ``limit`` (the case says "under")."""

    limit: Decimal = attrs.field(converter=_gross_limit)
    code = "max_gross_total"

    def check(self, facts: OrderFacts) -> RuleFailure | None:
        """Fail at the limit and above."""
        if facts.gross_total < self.limit:
            return None
        return RuleFailure(
            self.code,
            f"gross total {_rubles(facts.gross_total)} "
            f"is not below the limit {_rubles(self.limit)}",
            {"gross_total": str(facts.gross_total), "limit": str(self.limit)},
        )


@attrs.frozen
class MaxLines:
    """Passes when the order has at most ``limit`` lines."""

    limit: int = attrs.field(converter=_line_limit)
    code = "max_lines"

    def check(self, facts: OrderFacts) -> RuleFailure | None:
        """Fail above the limit."""
        if facts.line_count <= self.limit:
            return None
        return RuleFailure(
            self.code,
            f"the order has {facts.line_count} lines, more than the limit of {self.limit}",
            {"line_count": str(facts.line_count), "limit": str(self.limit)},
        )


@attrs.frozen
class ClientActive:
    """Passes when the client is active: a blocked client's orders need a person."""

    code = "client_active"

    def check(self, facts: OrderFacts) -> RuleFailure | None:
        """Fail for an inactive client."""
        if facts.client_active:
            return None
        return RuleFailure(
            self.code, f"client {facts.client_id} is not active", {"client_id": facts.client_id}
        )


@attrs.frozen
class CompanyActive:
    """Passes when the ordering company is active."""

    code = "company_active"

    def check(self, facts: OrderFacts) -> RuleFailure | None:
        """Fail for an inactive company."""
        if facts.company_active:
            return None
        return RuleFailure(
            self.code, f"company {facts.company_id} is not active", {"company_id": facts.company_id}
        )


@attrs.frozen
class RoutingDecision:
    """The route and every failure behind it; automatic exactly when nothing failed.

    Stored on the order and shown to managers.
    """

    route: Route
    failures: tuple[RuleFailure, ...] = ()

    def __attrs_post_init__(self) -> None:
        if (self.route is Route.AUTOMATIC) != (not self.failures):
            raise InvalidValue("route", "must be automatic exactly when no rule failed", self.route)

    @classmethod
    def from_failures(cls, failures: Iterable[RuleFailure]) -> RoutingDecision:
        """The decision the failures imply."""
        found = tuple(failures)
        return cls(Route.MANUAL if found else Route.AUTOMATIC, found)

    @property
    def reasons(self) -> tuple[str, ...]:
        """The English reasons, in rule order."""
        return tuple(failure.reason for failure in self.failures)


@attrs.frozen
class AutoProcessingPolicy:
    """The rules a placed order must all pass to be processed unattended."""

    rules: tuple[Rule, ...]

    def __attrs_post_init__(self) -> None:
        codes = [rule.code for rule in self.rules]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            # Failures are identified by code, so two rules may not share one.
            raise InvalidValue("autoprocessing_rules", "rule codes must be unique", duplicates)

    @classmethod
    def default(cls) -> AutoProcessingPolicy:
        """The case's rules: under 300 000 ₽, at most 3 lines, client and company active."""
        return cls.from_config(max_gross_total=300_000, max_lines=3)

    @classmethod
    def from_config(
        cls,
        max_gross_total: Decimal | str | int | None,
        max_lines: int | None,
        extra_rules: Iterable[Rule] = (),
    ) -> AutoProcessingPolicy:
        """Build from configuration; ``None`` disables a limit. The active checks stay on."""
        rules: list[Rule] = []
        if max_gross_total is not None:
            rules.append(MaxGrossTotal(max_gross_total))
        if max_lines is not None:
            rules.append(MaxLines(max_lines))
        return cls((*rules, ClientActive(), CompanyActive(), *extra_rules))

    def with_rule(self, rule: Rule) -> AutoProcessingPolicy:
        """A copy with ``rule`` added after the existing ones."""
        return AutoProcessingPolicy((*self.rules, rule))

    def decide(self, facts: OrderFacts) -> RoutingDecision:
        """Evaluate every rule and route by whether any failed."""
        return RoutingDecision.from_failures(
            failure for rule in self.rules if (failure := rule.check(facts)) is not None
        )
