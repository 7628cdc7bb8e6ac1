"""Bulk discount changes on SQL: their outbox messages are the ones the unit of work would
have serialized event by event, and a stored duplicate id fails at commit."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import BigInteger, Engine, literal, select, update

from b2bcore.adapters.persistence.messages import message_from_event
from b2bcore.adapters.persistence.sql import SqlNumberSequence, SqlUnitOfWorkFactory
from b2bcore.adapters.persistence.sql.repositories.discount_updates import tier_of
from b2bcore.adapters.persistence.sql.tables import clients, outbox
from b2bcore.domain.discount import DiscountPolicy
from b2bcore.domain.errors import Conflict
from b2bcore.domain.events import DiscountChanged
from b2bcore.domain.money import ZERO
from tests.builders import NOW, SECOND_INN, SECOND_KPP, make_client, make_manager


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """A fresh migrated database on each backend."""
    found: Engine = request.getfixturevalue(f"{request.param}_engine")
    return found


def _two_clients(engine: Engine) -> SqlUnitOfWorkFactory:
    """Units of work over ``engine`` with a manager and client-1 and client-2 stored."""
    uows = SqlUnitOfWorkFactory(engine)
    with uows() as uow:
        uow.managers.add(make_manager())
        uow.clients.add(make_client(client_id="client-1"))
        uow.clients.add(make_client(client_id="client-2", inn=SECOND_INN, kpp=SECOND_KPP))
        uow.commit()
    return uows


def _messages(engine: Engine) -> list[dict[str, Any]]:
    """The outbox rows, by client."""
    with engine.connect() as connection:
        rows = connection.execute(select(outbox).order_by(outbox.c.aggregate_id)).mappings()
        return [dict(row) for row in rows]


def test_bulk_messages_equal_the_serialized_events(engine: Engine) -> None:
    """Each bulk-written DiscountChanged row holds exactly message_from_event's topic,
    aggregate, payload and time, under an id of its own shaped like uuid4().hex."""
    uows = _two_clients(engine)
    with engine.begin() as connection:
        connection.execute(outbox.delete())
    with uows() as uow:
        uow.clients.discounts()
        uow.clients.apply_discounts(
            {"client-1": Decimal("3.00"), "client-2": Decimal("7.00")}, now=NOW
        )
        uow.commit()
    rows = _messages(engine)
    expected = [
        message_from_event(
            DiscountChanged(
                occurred_at=NOW,
                client_id=client_id,
                old_percent=Decimal("0.00"),
                new_percent=Decimal(new),
            )
        )
        for client_id, new in (("client-1", "3.00"), ("client-2", "7.00"))
    ]
    assert [
        (row["topic"], row["aggregate_id"], row["payload"], row["created_at"]) for row in rows
    ] == [(m.topic, m.aggregate_id, dict(m.payload), m.created_at) for m in expected]
    assert all(re.fullmatch(r"[0-9a-f]{32}", row["id"]) for row in rows)
    assert rows[0]["id"] != rows[1]["id"]


def test_adding_a_stored_id_fails_the_commit_with_conflict(engine: Engine) -> None:
    """add() takes a stored id without a query; the commit refuses it with Conflict."""
    uows = SqlUnitOfWorkFactory(engine)
    with uows() as uow:
        uow.managers.add(make_manager())
        uow.clients.add(make_client(client_id="client-1"))
        uow.commit()
    with uows() as uow:
        uow.clients.add(make_client(client_id="client-1", kpp=SECOND_KPP))
        with pytest.raises(Conflict, match="client client-1 already exists"):
            uow.commit()


def test_a_number_drawn_inside_a_unit_of_work_survives_its_rollback(engine: Engine) -> None:
    """A number drawn on the unit of work's connection is its own transaction: leaving the
    block without commit does not return it, and the next draw moves on."""
    uows = SqlUnitOfWorkFactory(engine)
    numbers = SqlNumberSequence(engine)
    with uows() as uow:
        uow.clients.ids()
        first = numbers.next_value("order", 2026)
    with uows() as uow:
        second = numbers.next_value("order", 2026)
        uow.clients.ids()
    assert (first, second, numbers.next_value("order", 2026)) == (1, 2, 3)


# -- a whole recomputation in the database ---------------------------------------------


@st.composite
def policies_and_volumes(draw: st.DrawFn) -> tuple[DiscountPolicy, list[int]]:
    """A valid policy of 1-5 tiers (thresholds and percents in hundredths), and volumes
    in kopecks around and between its thresholds."""
    above_zero = sorted(draw(st.sets(st.integers(1, 10**11), max_size=4)))
    percents = sorted(draw(st.lists(st.integers(0, 10_000), min_size=len(above_zero) + 1)))
    thresholds = [0, *above_zero]
    policy = DiscountPolicy.from_tiers(
        (Decimal(t).scaleb(-2), Decimal(p).scaleb(-2))
        for t, p in zip(thresholds, percents, strict=False)
    )
    near = [max(0, t + step) for t in thresholds for step in (-1, 0, 1)]
    volumes = draw(st.lists(st.integers(0, 10**12), max_size=5))
    return policy, [*near, *volumes]


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=policies_and_volumes())
def test_the_databases_tier_is_the_policys(
    engine: Engine, case: tuple[DiscountPolicy, list[int]]
) -> None:
    """The SQL the recomputation chooses tiers with gives, for any policy and volume,
    the percent DiscountPolicy.tier_for gives -- thresholds reached exactly included."""
    policy, volumes = case
    chosen = [
        tier_of(literal(kopecks, BigInteger), policy).label(f"v{n}")
        for n, kopecks in enumerate(volumes)
    ]
    with engine.connect() as connection:
        found = list(connection.execute(select(*chosen)).one())
    assert found == [policy.tier_for(Decimal(kopecks).scaleb(-2)).percent for kopecks in volumes]


def test_recomputed_messages_equal_the_serialized_events(engine: Engine) -> None:
    """Each DiscountChanged row a recomputation writes holds exactly message_from_event's
    topic, aggregate, payload and time -- the old percent the server put in included --
    under an id of its own shaped like message_id()'s."""
    uows = _two_clients(engine)
    with uows() as uow:
        uow.clients.discounts()
        uow.clients.apply_discounts(
            {"client-1": Decimal("12.50"), "client-2": Decimal("100.00")}, now=NOW
        )
        uow.commit()
    with engine.begin() as connection:
        connection.execute(outbox.delete())
    later = NOW + timedelta(days=1)
    with uows() as uow:  # no paid order: both fall to the lowest tier, 0 %
        recomputation = uow.clients.recompute_discounts(
            DiscountPolicy.default(), today=later.date(), now=later
        )
        uow.commit()
    assert dict(recomputation.changes) == {
        "client-1": (Decimal("12.50"), ZERO),
        "client-2": (Decimal("100.00"), ZERO),
    }
    rows = _messages(engine)
    expected = [
        message_from_event(
            DiscountChanged(
                occurred_at=later, client_id=client_id, old_percent=Decimal(old), new_percent=ZERO
            )
        )
        for client_id, old in (("client-1", "12.50"), ("client-2", "100.00"))
    ]
    assert [
        (row["topic"], row["aggregate_id"], row["payload"], row["created_at"]) for row in rows
    ] == [(m.topic, m.aggregate_id, dict(m.payload), m.created_at) for m in expected]
    assert all(re.fullmatch(r"[0-9a-f]{32}", row["id"]) for row in rows)
    assert rows[0]["id"] != rows[1]["id"]


def test_a_client_changed_meanwhile_keeps_that_change_on_postgres(
    postgres_engine: Engine,
) -> None:
    """A client blocked by another transaction while the recomputation waits for its row
    ends blocked and at its new discount, its version counted from the blocking one:
    no change is lost, and the recomputation needs no retry."""
    uows = SqlUnitOfWorkFactory(postgres_engine)
    with uows() as uow:
        uow.managers.add(make_manager())
        uow.clients.add(make_client(client_id="client-2", inn=SECOND_INN, kpp=SECOND_KPP))
        uow.commit()
    with uows() as uow:
        uow.clients.discounts()
        uow.clients.apply_discounts({"client-2": Decimal("5.00")}, now=NOW)
        uow.commit()  # version 1, 5 %; with no paid order the recomputation sets 0 %
    later = NOW + timedelta(days=1)
    with postgres_engine.connect() as blocker:
        blocker.execute(
            update(clients)
            .where(clients.c.id == "client-2")
            .values(status="blocked", version=clients.c.version + 1)
        )

        def recompute() -> dict[str, tuple[Decimal, Decimal]]:
            with uows() as uow:
                done = uow.clients.recompute_discounts(
                    DiscountPolicy.default(), today=later.date(), now=later
                )
                uow.commit()
            return dict(done.changes)

        with ThreadPoolExecutor(1) as pool:
            running = pool.submit(recompute)
            _wait_for_a_lock_wait(postgres_engine)
            blocker.commit()
            changes = running.result(timeout=30)
    assert changes == {"client-2": (Decimal("5.00"), ZERO)}
    with uows() as uow:
        client = uow.clients.get("client-2")
    assert (client.is_active, client.discount_percent, client.version) == (False, ZERO, 3)


def _wait_for_a_lock_wait(engine: Engine) -> None:
    """Until some session of the database waits for a lock (10 s at most)."""
    with engine.connect() as watcher:
        for _ in range(1000):
            waiting = watcher.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND datname = current_database()"
            ).scalar_one()
            watcher.rollback()
            if waiting:
                return
            time.sleep(0.01)
    raise AssertionError("the recomputation never waited for the blocked client's row")
