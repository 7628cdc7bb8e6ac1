"""The DocumentManagement contract, run against the in-memory document management."""

from __future__ import annotations

import abc
from collections.abc import Iterator
from datetime import date

import pytest

from b2bcore.adapters.edms import InMemoryDocumentManagement
from b2bcore.adapters.edms.http import EdmsSettings, HttpDocumentManagement
from b2bcore.adapters.faults import FlakyDocumentManagement, RandomFaults
from b2bcore.domain.client import CompanyKind, Requisites
from b2bcore.domain.errors import Rejected, Unavailable
from b2bcore.domain.identifiers import Inn, Kpp, Ogrn
from b2bcore.ports.edms import Contract, DocumentManagement
from tests.fakes.edms import TOKEN, FakeEdms


def company(kpp: str = "770001001", *, is_branch: bool = False) -> Requisites:
    return Requisites(
        inn=Inn("7700111118"),
        kpp=Kpp(kpp),
        ogrn=Ogrn("1157700111117"),
        kind=CompanyKind.LEGAL_ENTITY,
        full_name='Общество с ограниченной ответственностью "Ромашка"',
        short_name='ООО "Ромашка"',
        legal_address="г Москва, ул Садовая-Кудринская, д 1",
        is_branch=is_branch,
    )


CONTRACT = Contract(number="Д-2026/17", signed_on=date(2026, 11, 20))


class DocumentManagementContract(abc.ABC):
    """What every DocumentManagement adapter promises."""

    @abc.abstractmethod
    def make_adapter(self) -> DocumentManagement:
        """A fresh adapter over an empty counterparty register."""

    @abc.abstractmethod
    def given_contract(self, counterparty_id: str, contract: Contract) -> None:
        """Someone signs a contract with the counterparty in the document system."""

    @pytest.fixture(autouse=True)
    def edms(self) -> DocumentManagement:
        return self.make_adapter()

    def test_registering_gives_an_id(self, edms: DocumentManagement) -> None:
        """A registered counterparty gets a non-empty id."""
        assert edms.register_counterparty(key="c1", requisites=company())

    def test_same_key_registers_once(self, edms: DocumentManagement) -> None:
        """A retried registration returns the first id."""
        first = edms.register_counterparty(key="c1", requisites=company())
        assert edms.register_counterparty(key="c1", requisites=company()) == first

    def test_same_inn_and_kpp_is_found_not_duplicated(self, edms: DocumentManagement) -> None:
        """A company already registered under another key keeps its id."""
        first = edms.register_counterparty(key="c1", requisites=company())
        assert edms.register_counterparty(key="c2", requisites=company()) == first

    def test_branch_is_a_counterparty_of_its_own(self, edms: DocumentManagement) -> None:
        """Same INN with another KPP is another counterparty."""
        head = edms.register_counterparty(key="c1", requisites=company())
        branch = edms.register_counterparty(
            key="c2", requisites=company("780143001", is_branch=True)
        )
        assert head != branch

    def test_new_counterparty_has_no_contract(self, edms: DocumentManagement) -> None:
        """Until one is signed, there is no contract."""
        counterparty_id = edms.register_counterparty(key="c1", requisites=company())
        assert edms.contract_for(counterparty_id) is None

    def test_signed_contract_is_returned(self, edms: DocumentManagement) -> None:
        """A signed contract comes back with its number and date."""
        counterparty_id = edms.register_counterparty(key="c1", requisites=company())
        self.given_contract(counterparty_id, CONTRACT)
        assert edms.contract_for(counterparty_id) == CONTRACT


class TestInMemoryDocumentManagement(DocumentManagementContract):
    """The in-memory system keeps the contract; below, what only it offers."""

    def make_adapter(self) -> DocumentManagement:
        self.system = InMemoryDocumentManagement()
        return self.system

    def given_contract(self, counterparty_id: str, contract: Contract) -> None:
        self.system.set_contract(counterparty_id, contract)

    def test_ids_are_numbered_and_listed(self) -> None:
        """Counterparties are CP-000001, CP-000002, ... and listed for tests."""
        self.system.register_counterparty(key="c1", requisites=company())
        self.system.register_counterparty(key="c2", requisites=company("780143001", is_branch=True))
        self.system.register_counterparty(key="c3", requisites=company())
        assert list(self.system.counterparties()) == ["CP-000001", "CP-000002"]

    def test_unknown_counterparty_is_rejected(self) -> None:
        """Asking for the contract of an unknown id is refused, not answered with None."""
        with pytest.raises(Rejected):
            self.system.contract_for("CP-999999")

    def test_failed_registration_creates_nothing(self) -> None:
        """An injected failure leaves the register empty; the retry then registers once."""
        self.system.fail_next(1, Unavailable("edms", "timeout"))
        with pytest.raises(Unavailable):
            self.system.register_counterparty(key="c1", requisites=company())
        assert self.system.counterparties() == {}
        self.system.register_counterparty(key="c1", requisites=company())
        assert len(self.system.counterparties()) == 1


class TestFlakyDocumentManagement(DocumentManagementContract):
    """The random-fault wrapper keeps the contract once its faults are switched off."""

    def make_adapter(self) -> DocumentManagement:
        self.system = InMemoryDocumentManagement()
        faults = RandomFaults(rate=1.0, seed=0)
        faults.switch_off()  # at rate 1 every call would fail if it did not work
        return FlakyDocumentManagement(self.system, faults)

    def given_contract(self, counterparty_id: str, contract: Contract) -> None:
        self.system.set_contract(counterparty_id, contract)


class TestHttpDocumentManagement(DocumentManagementContract):
    """The HTTP adapter keeps the same contract against a fake service on loopback."""

    @pytest.fixture(autouse=True)
    def edms(self) -> Iterator[DocumentManagement]:
        with FakeEdms() as self.server:
            yield self.make_adapter()

    def make_adapter(self) -> DocumentManagement:
        settings = EdmsSettings(self.server.base_url, timeout=2.0, retries=0)
        return HttpDocumentManagement.from_settings(settings, {"B2B_EDMS_TOKEN": TOKEN})

    def given_contract(self, counterparty_id: str, contract: Contract) -> None:
        self.server.system.set_contract(counterparty_id, contract)
