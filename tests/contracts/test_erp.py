"""The Erp contract, run against the in-memory SAP simulator."""

from __future__ import annotations

import abc
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from b2bcore.adapters.clock import FixedClock
from b2bcore.adapters.faults import FlakyErp, RandomFaults
from b2bcore.adapters.sap import ErpSimulator
from b2bcore.adapters.sap.odata import SapOdataErp
from b2bcore.domain.errors import InvalidValue, Rejected, Unavailable
from b2bcore.domain.order import DeliveryInterval
from b2bcore.ports.erp import Erp, ReservationLine, ShipmentState, Shortage
from tests.fakes import sap as fake_sap

ADDRESS = "г Москва, ул Лесная, д 5"


def lines(**quantities: int) -> list[ReservationLine]:
    return [ReservationLine(sku=sku, quantity=qty) for sku, qty in quantities.items()]


def reserve(erp: Erp, key: str, **quantities: int) -> str:
    """Reserve and return the reference, failing the test on a shortage."""
    result = erp.reserve(
        key=key, order_number="ЗК-1", customer="7700111118", lines=lines(**quantities)
    )
    assert result.reference is not None, result.shortages
    return result.reference


class ErpContract(abc.ABC):
    """What every Erp adapter promises."""

    @abc.abstractmethod
    def make_adapter(self) -> Erp:
        """A fresh adapter over an empty warehouse."""

    @abc.abstractmethod
    def given_stock(self, sku: str, quantity: int) -> None:
        """Make the warehouse hold ``quantity`` of ``sku`` on hand."""

    @abc.abstractmethod
    def when_shipped(self, transport_reference: str) -> None:
        """The warehouse posts goods issue for the transport request."""

    @abc.abstractmethod
    def when_delivered(self, transport_reference: str) -> None:
        """The carrier reports the goods delivered."""

    def now(self) -> datetime:
        """The adapter's idea of now (override when the world runs on a fake clock)."""
        return datetime.now(UTC)

    @pytest.fixture(autouse=True)
    def erp(self) -> Erp:
        return self.make_adapter()

    def first_interval(self, erp: Erp, reference: str) -> DeliveryInterval:
        return erp.delivery_intervals(reference=reference, address=ADDRESS)[0]

    def test_unknown_sku_has_no_stock(self, erp: Erp) -> None:
        """A SKU the warehouse never held is reported as 0, not omitted."""
        assert erp.stock(["NOPE"]) == {"NOPE": 0}

    def test_stock_reports_each_sku(self, erp: Erp) -> None:
        """Stock answers per requested SKU."""
        self.given_stock("A", 10)
        self.given_stock("B", 3)
        assert erp.stock(["A", "B"]) == {"A": 10, "B": 3}

    def test_reserve_decrements_available_stock(self, erp: Erp) -> None:
        """Reserved quantities are no longer available."""
        self.given_stock("A", 10)
        reserve(erp, "r1", A=4)
        assert erp.stock(["A"]) == {"A": 6}

    def test_reserving_exactly_what_is_available_succeeds(self, erp: Erp) -> None:
        """The last unit can be reserved."""
        self.given_stock("A", 4)
        reserve(erp, "r1", A=4)
        assert erp.stock(["A"]) == {"A": 0}

    def test_same_key_reserves_once_and_returns_the_same_reference(self, erp: Erp) -> None:
        """A retried reserve with the same key changes nothing and returns the first reference."""
        self.given_stock("A", 10)
        first = reserve(erp, "r1", A=4)
        again = reserve(erp, "r1", A=4)
        assert (again, erp.stock(["A"])) == (first, {"A": 6})

    def test_different_keys_make_different_reservations(self, erp: Erp) -> None:
        """Two orders reserving the same SKU both take their share."""
        self.given_stock("A", 10)
        first = reserve(erp, "r1", A=4)
        second = reserve(erp, "r2", A=4)
        assert first != second
        assert erp.stock(["A"]) == {"A": 2}

    def test_shortage_reserves_nothing_and_reports_each_short_sku(self, erp: Erp) -> None:
        """Short on any line, no line is reserved and every short SKU is reported."""
        self.given_stock("A", 10)
        self.given_stock("B", 1)
        result = erp.reserve(
            key="r1", order_number="ЗК-1", customer="7700111118", lines=lines(A=5, B=2, C=1)
        )
        assert result.reference is None
        assert not result.ok
        assert set(result.shortages) == {
            Shortage(sku="B", requested=2, available=1),
            Shortage(sku="C", requested=1, available=0),
        }
        assert erp.stock(["A", "B", "C"]) == {"A": 10, "B": 1, "C": 0}

    def test_same_key_after_a_shortage_returns_the_first_result(self, erp: Erp) -> None:
        """Every write returns its first result for a key, a shortage included."""
        first = erp.reserve(key="r1", order_number="ЗК-1", customer="c", lines=lines(A=1))
        self.given_stock("A", 5)
        again = erp.reserve(key="r1", order_number="ЗК-1", customer="c", lines=lines(A=1))
        assert (again, erp.stock(["A"])) == (first, {"A": 5})

    def test_release_restores_stock(self, erp: Erp) -> None:
        """Released stock is available again."""
        self.given_stock("A", 10)
        reference = reserve(erp, "r1", A=4)
        erp.release(key="x1", reference=reference)
        assert erp.stock(["A"]) == {"A": 10}

    def test_release_twice_is_harmless(self, erp: Erp) -> None:
        """Releasing again, with the same or another key, gives nothing back twice."""
        self.given_stock("A", 10)
        reference = reserve(erp, "r1", A=4)
        reserve(erp, "r2", A=3)
        erp.release(key="x1", reference=reference)
        erp.release(key="x1", reference=reference)
        erp.release(key="x2", reference=reference)
        assert erp.stock(["A"]) == {"A": 7}

    def test_intervals_are_in_the_future_and_ordered(self, erp: Erp) -> None:
        """Delivery intervals start after now, end after they start, earliest first."""
        self.given_stock("A", 1)
        intervals = erp.delivery_intervals(reference=reserve(erp, "r1", A=1), address=ADDRESS)
        assert intervals
        assert all(i.starts_at > self.now() and i.ends_at > i.starts_at for i in intervals)
        starts = [i.starts_at for i in intervals]
        assert starts == sorted(starts)
        assert len({i.id for i in intervals}) == len(intervals)

    def test_intervals_are_timezone_aware(self, erp: Erp) -> None:
        """Interval bounds are aware datetimes, so they compare with any clock."""
        self.given_stock("A", 1)
        interval = self.first_interval(erp, reserve(erp, "r1", A=1))
        assert interval.starts_at.utcoffset() is not None
        assert interval.ends_at.utcoffset() is not None

    def test_transport_request_is_idempotent_by_key(self, erp: Erp) -> None:
        """Requesting transport twice with one key gives one request."""
        self.given_stock("A", 1)
        reference = reserve(erp, "r1", A=1)
        interval = self.first_interval(erp, reference)
        first = erp.request_transport(
            key="t1", reference=reference, interval=interval, address=ADDRESS
        )
        again = erp.request_transport(
            key="t1", reference=reference, interval=interval, address=ADDRESS
        )
        assert first == again

    def test_new_transport_request_is_pending(self, erp: Erp) -> None:
        """Until the warehouse ships, the shipment is pending."""
        self.given_stock("A", 1)
        reference = reserve(erp, "r1", A=1)
        transport = erp.request_transport(
            key="t1",
            reference=reference,
            interval=self.first_interval(erp, reference),
            address=ADDRESS,
        )
        assert erp.shipment_status(transport).state is ShipmentState.PENDING

    def test_shipped_transport_reports_shipment_and_time(self, erp: Erp) -> None:
        """After goods issue the status is SHIPPED with a shipment reference and a time."""
        self.given_stock("A", 1)
        reference = reserve(erp, "r1", A=1)
        transport = erp.request_transport(
            key="t1",
            reference=reference,
            interval=self.first_interval(erp, reference),
            address=ADDRESS,
        )
        self.when_shipped(transport)
        status = erp.shipment_status(transport)
        assert status.state is ShipmentState.SHIPPED
        assert status.reference
        assert status.at is not None

    def test_delivered_transport_reports_delivered(self, erp: Erp) -> None:
        """After delivery the status is DELIVERED."""
        self.given_stock("A", 1)
        reference = reserve(erp, "r1", A=1)
        transport = erp.request_transport(
            key="t1",
            reference=reference,
            interval=self.first_interval(erp, reference),
            address=ADDRESS,
        )
        self.when_shipped(transport)
        self.when_delivered(transport)
        assert erp.shipment_status(transport).state is ShipmentState.DELIVERED

    def test_shipped_stock_does_not_come_back(self, erp: Erp) -> None:
        """Shipped goods stay out of the available stock."""
        self.given_stock("A", 5)
        reference = reserve(erp, "r1", A=2)
        transport = erp.request_transport(
            key="t1",
            reference=reference,
            interval=self.first_interval(erp, reference),
            address=ADDRESS,
        )
        self.when_shipped(transport)
        assert erp.stock(["A"]) == {"A": 3}


THURSDAY_NOON = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


class TestErpSimulator(ErpContract):
    """The simulator keeps the contract; below, what only the simulator offers."""

    def make_adapter(self) -> Erp:
        self.clock = FixedClock(THURSDAY_NOON)
        self.sim = ErpSimulator(clock=self.clock)
        return self.sim

    def given_stock(self, sku: str, quantity: int) -> None:
        self.sim.set_stock(sku, quantity)

    def when_shipped(self, transport_reference: str) -> None:
        self.sim.ship(transport_reference)

    def when_delivered(self, transport_reference: str) -> None:
        self.sim.deliver(transport_reference)

    def now(self) -> datetime:
        return self.clock.now()

    def transport(self, key: str = "t1", sku: str = "A") -> str:
        reference = reserve(self.sim, f"r-{key}", **{sku: 1})
        return self.sim.request_transport(
            key=key,
            reference=reference,
            interval=self.first_interval(self.sim, reference),
            address=ADDRESS,
        )

    def test_each_write_happens_once_per_key(self) -> None:
        """side_effects lists each write done for real exactly once, retries excluded."""
        self.sim.set_stock("A", 5)
        reference = reserve(self.sim, "r1", A=1)
        reserve(self.sim, "r1", A=1)
        interval = self.first_interval(self.sim, reference)
        for _ in range(2):
            self.sim.request_transport(
                key="t1", reference=reference, interval=interval, address=ADDRESS
            )
        other = reserve(self.sim, "r2", A=1)
        for key in ("x1", "x1", "x2"):
            self.sim.release(key=key, reference=other)
        assert self.sim.side_effects == [
            ("reserve", "r1"),
            ("request_transport", "t1"),
            ("reserve", "r2"),
            ("release", "x1"),
        ]

    def test_stock_cannot_fall_below_what_is_reserved(self) -> None:
        """Reserved never exceeds on hand: setting stock below it is refused."""
        self.sim.set_stock("A", 5)
        reserve(self.sim, "r1", A=4)
        with pytest.raises(InvalidValue):
            self.sim.set_stock("A", 3)
        assert (self.sim.on_hand("A"), self.sim.reserved("A")) == (5, 4)

    def test_shipping_takes_goods_off_hand_and_out_of_reservation(self) -> None:
        """Goods issue lowers both on-hand and reserved quantities."""
        self.sim.set_stock("A", 5)
        self.sim.ship(self.transport())
        assert (self.sim.on_hand("A"), self.sim.reserved("A")) == (4, 0)

    def test_shipping_twice_moves_stock_once(self) -> None:
        """A second ship() of the same transport changes nothing."""
        self.sim.set_stock("A", 5)
        transport = self.transport()
        first = self.sim.ship(transport)
        assert (self.sim.ship(transport), self.sim.on_hand("A")) == (first, 4)

    def test_advance_all_ships_every_pending_transport(self) -> None:
        """advance_all() ships all pending requests and returns them."""
        self.sim.set_stock("A", 5)
        transports = [self.transport("t1"), self.transport("t2")]
        assert self.sim.advance_all() == transports
        assert [self.sim.shipment_status(t).state for t in transports] == [
            ShipmentState.SHIPPED
        ] * 2

    def test_deliver_ships_a_pending_transport_first(self) -> None:
        """deliver() on a pending request ships it too, so the stock leaves."""
        self.sim.set_stock("A", 5)
        status = self.sim.deliver(self.transport())
        assert (status.state, self.sim.on_hand("A")) == (ShipmentState.DELIVERED, 4)

    def test_intervals_are_two_moscow_slots_per_business_day(self) -> None:
        """Thursday noon gives Friday, Monday and Tuesday, 09-13 and 14-18 Moscow time."""
        self.sim.set_stock("A", 1)
        intervals = self.sim.delivery_intervals(
            reference=reserve(self.sim, "r1", A=1), address=ADDRESS
        )
        assert [i.id for i in intervals] == [
            "2026-11-27T09", "2026-11-27T14", "2026-11-30T09",
            "2026-11-30T14", "2026-12-01T09", "2026-12-01T14",
        ]  # fmt: skip
        first = intervals[0]
        assert (first.starts_at, first.ends_at) == (
            datetime(2026, 11, 27, 6, tzinfo=UTC),
            datetime(2026, 11, 27, 10, tzinfo=UTC),
        )

    def test_intervals_follow_the_moscow_date(self) -> None:
        """At 01:00 Friday in Moscow (22:00 Thursday UTC) the first slot is on Monday."""
        self.clock.set(datetime(2026, 11, 26, 22, 0, tzinfo=UTC))
        self.sim.set_stock("A", 1)
        assert self.first_interval(self.sim, reserve(self.sim, "r1", A=1)).id == "2026-11-30T09"

    def test_holidays_are_skipped(self) -> None:
        """A configured holiday offers no slots."""
        sim = ErpSimulator(clock=self.clock, holidays=frozenset({date(2026, 11, 27)}))
        sim.set_stock("A", 1)
        assert self.first_interval(sim, reserve(sim, "r1", A=1)).id == "2026-11-30T09"

    def test_past_interval_is_refused(self) -> None:
        """A transport request for an interval already begun is rejected."""
        self.sim.set_stock("A", 1)
        reference = reserve(self.sim, "r1", A=1)
        interval = self.first_interval(self.sim, reference)
        self.clock.advance(days=7)
        with pytest.raises(Rejected):
            self.sim.request_transport(
                key="t1", reference=reference, interval=interval, address=ADDRESS
            )

    def test_released_reservation_cannot_be_shipped(self) -> None:
        """Transport for a released reservation is refused."""
        self.sim.set_stock("A", 1)
        reference = reserve(self.sim, "r1", A=1)
        interval = self.first_interval(self.sim, reference)
        self.sim.release(key="x1", reference=reference)
        with pytest.raises(Rejected):
            self.sim.request_transport(
                key="t1", reference=reference, interval=interval, address=ADDRESS
            )

    def test_shipped_reservation_cannot_be_released(self) -> None:
        """Goods already issued cannot be released back to stock."""
        self.sim.set_stock("A", 1)
        transport = self.transport()
        self.sim.ship(transport)
        with pytest.raises(Rejected):
            self.sim.release(key="x1", reference="RS-000001")

    def test_unknown_references_are_rejected(self) -> None:
        """Unknown reservation and transport references are refused, not ignored."""
        with pytest.raises(Rejected):
            self.sim.release(key="x1", reference="RS-999999")
        with pytest.raises(Rejected):
            self.sim.shipment_status("TR-999999")

    def test_references_follow_the_documented_format(self) -> None:
        """Transport requests are numbered TR-000001, TR-000002, ..."""
        self.sim.set_stock("A", 2)
        assert [self.transport("t1"), self.transport("t2")] == ["TR-000001", "TR-000002"]

    def test_failed_call_changes_nothing(self) -> None:
        """An injected failure raises before any change; the retry then succeeds once."""
        self.sim.set_stock("A", 5)
        self.sim.fail_next(1, Unavailable("sap", "timeout"))
        with pytest.raises(Unavailable):
            reserve(self.sim, "r1", A=1)
        assert self.sim.reserved("A") == 0
        reserve(self.sim, "r1", A=1)
        assert self.sim.side_effects == [("reserve", "r1")]

    def test_concurrent_reservations_never_oversell(self) -> None:
        """Sixteen threads racing for ten units reserve exactly ten, once per key."""
        self.sim.set_stock("A", 10)
        results: list[bool] = []
        lock = threading.Lock()

        def race(n: int) -> None:
            for key in (f"r{n}", f"r{n}"):  # each thread also retries its own key
                ok = self.sim.reserve(
                    key=key, order_number=f"ЗК-{n}", customer="c", lines=lines(A=1)
                ).ok
            with lock:
                results.append(ok)

        threads = [threading.Thread(target=race, args=(n,)) for n in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert (results.count(True), self.sim.reserved("A"), len(self.sim.side_effects)) == (
            10,
            10,
            10,
        )


class TestFlakyErp(ErpContract):
    """The random-fault wrapper keeps the contract once its faults are switched off."""

    def make_adapter(self) -> Erp:
        self.clock = FixedClock(THURSDAY_NOON)
        self.sim = ErpSimulator(clock=self.clock)
        faults = RandomFaults(rate=1.0, seed=0)
        faults.switch_off()  # at rate 1 every call would fail if it did not work
        return FlakyErp(self.sim, faults)

    def given_stock(self, sku: str, quantity: int) -> None:
        self.sim.set_stock(sku, quantity)

    def when_shipped(self, transport_reference: str) -> None:
        self.sim.ship(transport_reference)

    def when_delivered(self, transport_reference: str) -> None:
        self.sim.deliver(transport_reference)

    def now(self) -> datetime:
        return self.clock.now()


class TestSapOdataErp(ErpContract):
    """The SAP OData adapter keeps the contract over HTTP, against a fake SAP Gateway."""

    @pytest.fixture(autouse=True)
    def erp(self) -> Iterator[Erp]:
        self.clock = FixedClock(THURSDAY_NOON)
        with fake_sap.FakeSap(clock=self.clock) as self.sap:
            self.sap.add_partner("7700111118", "1000001")
            self.sap.add_partner("c", "1000002")
            adapter = self.make_adapter()
            yield adapter
            adapter.close()

    def make_adapter(self) -> SapOdataErp:
        return SapOdataErp.from_settings(
            fake_sap.settings_for(self.sap.url),
            {"B2B_SAP_PASSWORD": fake_sap.PASSWORD},
            clock=self.clock,
        )

    def given_stock(self, sku: str, quantity: int) -> None:
        self.sap.set_stock(sku, quantity)

    def when_shipped(self, transport_reference: str) -> None:
        self.sap.post_goods_issue(transport_reference)

    def when_delivered(self, transport_reference: str) -> None:
        self.sap.confirm_delivery(transport_reference)

    def now(self) -> datetime:
        return self.clock.now()
