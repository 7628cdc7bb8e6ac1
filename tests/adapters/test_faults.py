"""FaultPlan, the simulators' planned failures, and RandomFaults, the unplanned ones."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest

from b2bcore.adapters.clock import FixedClock
from b2bcore.adapters.faults import (
    FaultPlan,
    FaultTiming,
    FlakyAccounting,
    FlakyCompanyLookup,
    FlakyDocumentManagement,
    FlakyDocumentStorage,
    FlakyErp,
    FlakyMailer,
    RandomFaults,
)
from b2bcore.adapters.sap import ErpSimulator
from b2bcore.bootstrap import in_memory_world
from b2bcore.domain.errors import Rejected, Unavailable
from b2bcore.domain.identifiers import Bik, Inn
from b2bcore.ports import EmailMessage, Erp, ReservationLine
from tests.builders import ROMASHKA_INN, SBERBANK_BIK, SHOP_NOW

MAIL = EmailMessage(to=("buyer@example.ru",), subject="s", text="t", idempotency_key="k")


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


# -- RandomFaults and the Flaky wrappers -----------------------------------------------


def flaky_erp(faults: RandomFaults) -> tuple[ErpSimulator, FlakyErp]:
    sim = ErpSimulator(clock=FixedClock(SHOP_NOW))
    sim.set_stock("PAPER", 10)
    return sim, FlakyErp(sim, faults)


def reserve(erp: Erp, key: str = "order-1:reserve:1") -> str | None:
    lines = [ReservationLine(sku="PAPER", quantity=2)]
    return erp.reserve(key=key, order_number="B2B-1", customer=ROMASHKA_INN, lines=lines).reference


def test_zero_rate_never_fails() -> None:
    """At rate 0 every call goes through."""
    faults = RandomFaults(rate=0.0, seed=1)
    _, erp = flaky_erp(faults)
    for _ in range(50):
        erp.stock(["PAPER"])
    assert faults.injected == []


def test_fault_before_the_call_leaves_the_system_untouched() -> None:
    """A request that never arrived changes nothing in the system."""
    sim, erp = flaky_erp(RandomFaults(rate=1.0, seed=1, timings=(FaultTiming.BEFORE,)))
    with pytest.raises(Unavailable):
        reserve(erp)
    assert (sim.side_effects, sim.reserved("PAPER")) == ([], 0)


def test_fault_after_the_call_keeps_its_side_effect() -> None:
    """A lost reply: the reservation was made, and the caller got Unavailable."""
    sim, erp = flaky_erp(RandomFaults(rate=1.0, seed=1, timings=(FaultTiming.AFTER,)))
    with pytest.raises(Unavailable):
        reserve(erp)
    assert (sim.side_effects, sim.reserved("PAPER")) == ([("reserve", "order-1:reserve:1")], 2)


def test_switched_off_faults_let_every_call_through() -> None:
    """After switch_off the system has recovered: the retry with the same key succeeds once."""
    faults = RandomFaults(rate=1.0, seed=1, timings=(FaultTiming.AFTER,))
    sim, erp = flaky_erp(faults)
    with pytest.raises(Unavailable):
        reserve(erp)
    faults.switch_off()
    assert reserve(erp) is not None
    assert (sim.side_effects, len(faults.injected), faults.enabled) == (
        [("reserve", "order-1:reserve:1")],
        1,
        False,
    )


def test_the_same_seed_fails_the_same_calls() -> None:
    """Two runs with one seed inject the same faults at the same calls."""

    def run(seed: int) -> list[str]:
        _, erp = flaky_erp(RandomFaults(rate=0.3, seed=seed))
        outcomes = []
        for _ in range(40):
            try:
                erp.stock(["PAPER"])
                outcomes.append("ok")
            except Unavailable as exc:
                outcomes.append(str(exc))
        return outcomes

    assert run(7) == run(7)
    assert run(7) != run(8)


def test_fault_rate_is_roughly_kept() -> None:
    """At rate 0.3 about three calls in ten fail."""
    faults = RandomFaults(rate=0.3, seed=3)
    _, erp = flaky_erp(faults)
    for _ in range(1000):
        with contextlib.suppress(Unavailable):
            erp.stock(["PAPER"])
    assert 250 < len(faults.injected) < 350


def test_fault_messages_vary_like_a_network() -> None:
    """Timeouts, 5xx answers and connection resets, each naming the operation."""
    faults = RandomFaults(rate=1.0, seed=5)
    _, erp = flaky_erp(faults)
    messages = set()
    for _ in range(200):
        with pytest.raises(Unavailable) as caught:
            erp.stock(["PAPER"])
        messages.add(caught.value.message)
    assert {"sap: read timeout (stock)", "sap: 503 Service Unavailable (stock)"} <= messages
    assert any("reset" in m for m in messages)
    assert {f.timing for f in faults.injected} == set(FaultTiming)


@pytest.mark.parametrize("rate", [-0.1, 1.5])
def test_rate_outside_zero_to_one_is_refused(rate: float) -> None:
    """A probability is between 0 and 1."""
    with pytest.raises(ValueError, match="between 0 and 1"):
        RandomFaults(rate=rate)


@pytest.mark.parametrize("system", ["sap", "1c", "smtp", "dadata", "edms", "storage"])
def test_every_port_wrapper_fails_as_its_system(system: str) -> None:
    """Each wrapper raises Unavailable in the name of the system it stands for."""
    world = in_memory_world(now=SHOP_NOW)
    faults = RandomFaults(rate=1.0, seed=0)
    requisites = world.companies.find_party(Inn(ROMASHKA_INN))[0]
    calls: dict[str, Callable[[], object]] = {
        "sap": lambda: FlakyErp(world.erp, faults).stock(["PAPER"]),
        "1c": lambda: FlakyAccounting(world.ledger, faults).payments_since(SHOP_NOW),
        "smtp": lambda: FlakyMailer(world.mailer, faults).send(MAIL),
        "dadata": lambda: FlakyCompanyLookup(world.companies, faults).find_bank(Bik(SBERBANK_BIK)),
        "edms": lambda: FlakyDocumentManagement(world.edms, faults).register_counterparty(
            key="k", requisites=requisites
        ),
        "storage": lambda: FlakyDocumentStorage(world.documents, faults).put(
            name="a.pdf", content_type="application/pdf", data=b"%PDF-1.7"
        ),
    }
    with pytest.raises(Unavailable) as caught:
        calls[system]()
    assert caught.value.system == system
