"""The Accounting contract, run against the in-memory 1C ledger."""

from __future__ import annotations

import abc
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from b2bcore.adapters.clock import FixedClock
from b2bcore.adapters.faults import FlakyAccounting, RandomFaults
from b2bcore.adapters.onec import AccountingLedger
from b2bcore.adapters.onec.odata import OnecOdataAccounting
from b2bcore.domain.errors import NotFound, Rejected, Unavailable
from b2bcore.ports.accounting import Accounting, InvoiceRecord
from tests.fakes import onec as fake_onec

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def invoice(number: str = "СЧ-2026-000001", amount: str = "12200.00") -> InvoiceRecord:
    return InvoiceRecord(
        number=number,
        issued_on=date(2026, 11, 26),
        due_date=date(2026, 12, 1),
        amount=Decimal(amount),
        customer_inn="7700111118",
        customer_kpp="770001001",
        customer_name='ООО "Ромашка"',
    )


class AccountingContract(abc.ABC):
    """What every Accounting adapter promises."""

    @abc.abstractmethod
    def make_adapter(self) -> Accounting:
        """A fresh adapter over an empty ledger."""

    @abc.abstractmethod
    def when_paid(self, invoice_number: str, amount: Decimal, at: datetime) -> None:
        """The bank credits a payment for the invoice, booked at ``at``."""

    @pytest.fixture(autouse=True)
    def accounting(self) -> Accounting:
        return self.make_adapter()

    def test_registering_gives_a_reference(self, accounting: Accounting) -> None:
        """A registered invoice gets a non-empty accounting reference."""
        assert accounting.register_invoice(key="i1", invoice=invoice())

    def test_same_key_registers_once(self, accounting: Accounting) -> None:
        """A retried registration returns the first reference."""
        first = accounting.register_invoice(key="i1", invoice=invoice())
        assert accounting.register_invoice(key="i1", invoice=invoice()) == first

    def test_different_invoices_get_different_references(self, accounting: Accounting) -> None:
        """Each invoice has its own reference."""
        first = accounting.register_invoice(key="i1", invoice=invoice("СЧ-1"))
        second = accounting.register_invoice(key="i2", invoice=invoice("СЧ-2"))
        assert first != second

    def test_no_payments_gives_an_empty_list(self, accounting: Accounting) -> None:
        """With nothing paid the poll finds nothing."""
        accounting.register_invoice(key="i1", invoice=invoice())
        assert list(accounting.payments_since(T0)) == []

    def test_payment_is_reported_with_invoice_and_amount(self, accounting: Accounting) -> None:
        """A booked payment names its invoice, amount and time."""
        accounting.register_invoice(key="i1", invoice=invoice())
        self.when_paid("СЧ-2026-000001", Decimal("12200.00"), T0)
        [payment] = accounting.payments_since(T0)
        assert (payment.invoice_number, payment.amount) == ("СЧ-2026-000001", Decimal("12200.00"))
        assert payment.received_at == T0
        assert payment.payment_id

    def test_payments_since_filters_by_time_inclusively(self, accounting: Accounting) -> None:
        """Payments before ``since`` are left out, one exactly at ``since`` is kept."""
        accounting.register_invoice(key="i1", invoice=invoice())
        for hours, amount in ((0, "100.00"), (1, "200.00"), (2, "300.00")):
            self.when_paid("СЧ-2026-000001", Decimal(amount), T0 + timedelta(hours=hours))
        amounts = [p.amount for p in accounting.payments_since(T0 + timedelta(hours=1))]
        assert amounts == [Decimal("200.00"), Decimal("300.00")]

    def test_payments_come_oldest_first(self, accounting: Accounting) -> None:
        """Payments are ordered by time, not by the order they were booked in."""
        accounting.register_invoice(key="i1", invoice=invoice())
        self.when_paid("СЧ-2026-000001", Decimal("2.00"), T0 + timedelta(hours=2))
        self.when_paid("СЧ-2026-000001", Decimal("1.00"), T0 + timedelta(hours=1))
        assert [p.amount for p in accounting.payments_since(T0)] == [
            Decimal("1.00"),
            Decimal("2.00"),
        ]

    def test_partial_payments_are_reported_separately(self, accounting: Accounting) -> None:
        """Two payments for one invoice are two entries with distinct ids."""
        accounting.register_invoice(key="i1", invoice=invoice())
        self.when_paid("СЧ-2026-000001", Decimal("6100.00"), T0)
        self.when_paid("СЧ-2026-000001", Decimal("6100.00"), T0 + timedelta(minutes=5))
        payments = accounting.payments_since(T0)
        assert len({p.payment_id for p in payments}) == 2

    def test_annulling_twice_is_harmless(self, accounting: Accounting) -> None:
        """Annulling again, with the same or another key, raises nothing."""
        accounting.register_invoice(key="i1", invoice=invoice())
        accounting.annul_invoice(key="a1", invoice_number="СЧ-2026-000001")
        accounting.annul_invoice(key="a1", invoice_number="СЧ-2026-000001")
        accounting.annul_invoice(key="a2", invoice_number="СЧ-2026-000001")

    def test_payment_for_an_annulled_invoice_is_still_reported(
        self, accounting: Accounting
    ) -> None:
        """Money that arrives for an annulled invoice is booked and must be seen."""
        accounting.register_invoice(key="i1", invoice=invoice())
        accounting.annul_invoice(key="a1", invoice_number="СЧ-2026-000001")
        self.when_paid("СЧ-2026-000001", Decimal("12200.00"), T0)
        assert [p.invoice_number for p in accounting.payments_since(T0)] == ["СЧ-2026-000001"]


class TestAccountingLedger(AccountingContract):
    """The ledger keeps the contract; below, what only the simulator offers."""

    def make_adapter(self) -> Accounting:
        self.clock = FixedClock(T0)
        self.ledger = AccountingLedger(clock=self.clock)
        return self.ledger

    def when_paid(self, invoice_number: str, amount: Decimal, at: datetime) -> None:
        self.ledger.pay(invoice_number, amount, at=at)

    def test_another_invoice_under_a_taken_number_is_rejected(self) -> None:
        """Invoice numbers are unique: different data under a taken number is refused."""
        self.ledger.register_invoice(key="i1", invoice=invoice())
        with pytest.raises(Rejected):
            self.ledger.register_invoice(key="i2", invoice=invoice(amount="1.00"))
        assert self.ledger.invoice("СЧ-2026-000001") == invoice()

    def test_same_invoice_under_another_key_keeps_its_reference(self) -> None:
        """Re-registering identical data under a new key returns the first reference."""
        first = self.ledger.register_invoice(key="i1", invoice=invoice())
        assert self.ledger.register_invoice(key="i2", invoice=invoice()) == first
        assert self.ledger.side_effects == [("register_invoice", "i1")]

    def test_pay_numbers_payments_and_defaults_to_the_clock(self) -> None:
        """pay() gives ids PP-000001, PP-000002 and books at the clock's now."""
        self.ledger.register_invoice(key="i1", invoice=invoice())
        self.clock.advance(minutes=30)
        first = self.ledger.pay("СЧ-2026-000001", Decimal("1.00"))
        second = self.ledger.pay("СЧ-2026-000001", Decimal("2.00"))
        assert (first.payment_id, second.payment_id) == ("PP-000001", "PP-000002")
        assert first.received_at == T0 + timedelta(minutes=30)

    def test_rebooking_a_payment_id_returns_the_first_booking(self) -> None:
        """A re-imported bank statement does not double a payment."""
        self.ledger.register_invoice(key="i1", invoice=invoice())
        first = self.ledger.pay("СЧ-2026-000001", Decimal("1.00"), at=T0, payment_id="BANK-7")
        again = self.ledger.pay("СЧ-2026-000001", Decimal("1.00"), at=T0, payment_id="BANK-7")
        assert again == first
        assert self.ledger.payments_since(T0) == [first]

    def test_paying_an_unknown_invoice_is_rejected(self) -> None:
        """The bank cannot pay an invoice accounting never registered."""
        with pytest.raises(Rejected):
            self.ledger.pay("СЧ-404", Decimal("1.00"))

    def test_annulment_is_recorded_once(self) -> None:
        """is_annulled turns true, and the annulment is one side effect."""
        self.ledger.register_invoice(key="i1", invoice=invoice())
        for key in ("a1", "a1", "a2"):
            self.ledger.annul_invoice(key=key, invoice_number="СЧ-2026-000001")
        assert self.ledger.is_annulled("СЧ-2026-000001")
        assert self.ledger.side_effects == [("register_invoice", "i1"), ("annul_invoice", "a1")]

    def test_annulling_an_unknown_invoice_is_rejected(self) -> None:
        """An unknown invoice number is refused rather than silently ignored."""
        with pytest.raises(Rejected):
            self.ledger.annul_invoice(key="a1", invoice_number="СЧ-404")

    def test_unknown_invoice_is_not_found(self) -> None:
        """The test helper invoice() raises NotFound for an unknown number."""
        with pytest.raises(NotFound):
            self.ledger.invoice("СЧ-404")

    def test_fail_next_fails_the_poll_then_recovers(self) -> None:
        """An injected outage fails one poll; the next sees the payment."""
        self.ledger.register_invoice(key="i1", invoice=invoice())
        payment = self.ledger.pay("СЧ-2026-000001", Decimal("1.00"))
        self.ledger.fail_next(1, Unavailable("1c", "503"))
        with pytest.raises(Unavailable):
            self.ledger.payments_since(T0)
        assert self.ledger.payments_since(T0) == [payment]


class TestFlakyAccounting(AccountingContract):
    """The random-fault wrapper keeps the contract once its faults are switched off."""

    def make_adapter(self) -> Accounting:
        self.ledger = AccountingLedger(clock=FixedClock(T0))
        faults = RandomFaults(rate=1.0, seed=0)
        faults.switch_off()  # at rate 1 every call would fail if it did not work
        return FlakyAccounting(self.ledger, faults)

    def when_paid(self, invoice_number: str, amount: Decimal, at: datetime) -> None:
        self.ledger.pay(invoice_number, amount, at=at)


class TestOnecOdataAccounting(AccountingContract):
    """The 1C OData adapter keeps the contract over HTTP, against a fake 1C."""

    @pytest.fixture(autouse=True)
    def accounting(self) -> Iterator[Accounting]:
        with fake_onec.FakeOnec() as self.onec:
            adapter = self.make_adapter()
            yield adapter
            adapter.close()

    def make_adapter(self) -> OnecOdataAccounting:
        return OnecOdataAccounting.from_settings(
            fake_onec.settings_for(self.onec.url), {"B2B_ONEC_PASSWORD": fake_onec.PASSWORD}
        )

    def when_paid(self, invoice_number: str, amount: Decimal, at: datetime) -> None:
        self.onec.book_payment(invoice_number, amount, at)
