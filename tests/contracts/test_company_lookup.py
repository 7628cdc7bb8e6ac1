"""The CompanyLookup contract, run against the in-memory DaData directory."""

from __future__ import annotations

import abc
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from b2bcore.adapters.dadata import CompanyDirectory, DadataLookup, DadataSettings
from b2bcore.adapters.faults import FlakyCompanyLookup, RandomFaults
from b2bcore.domain.client import CompanyKind, RegistryState, Requisites
from b2bcore.domain.errors import Rejected, Unavailable
from b2bcore.domain.identifiers import Bik, CorrespondentAccount, Inn, Kpp, Ogrn
from b2bcore.ports.company_lookup import BankInfo, CompanyLookup
from tests.fakes.dadata import API_KEY, FakeDadata

FIXTURES = Path(__file__).parents[1] / "fixtures"


def legal_entity(
    *,
    kpp: str = "770001001",
    inn: str = "7700111118",
    state: RegistryState = RegistryState.ACTIVE,
    is_branch: bool = False,
) -> Requisites:
    return Requisites(
        inn=Inn(inn),
        kpp=Kpp(kpp),
        ogrn=Ogrn("1157700111117"),
        kind=CompanyKind.LEGAL_ENTITY,
        full_name='Общество с ограниченной ответственностью "Ромашка"',
        short_name='ООО "Ромашка"',
        legal_address="г Москва, ул Садовая-Кудринская, д 1",
        state=state,
        is_branch=is_branch,
        director="Петров Пётр Петрович",
    )


ENTREPRENEUR = Requisites(
    inn=Inn("123456789047"),
    kpp=None,
    ogrn=Ogrn("385768585948949"),
    kind=CompanyKind.ENTREPRENEUR,
    full_name="Индивидуальный предприниматель Иванов Иван Иванович",
    short_name="ИП Иванов Иван Иванович",
    legal_address="г Ярославль",
)
BANK = BankInfo(
    bik=Bik("044525225"),
    name="ПАО Сбербанк",
    correspondent_account=CorrespondentAccount("30101810400000000225"),
    swift="SABRRUMM",
)


class CompanyLookupContract(abc.ABC):
    """What every CompanyLookup adapter promises."""

    @abc.abstractmethod
    def make_adapter(self) -> CompanyLookup:
        """A fresh adapter over an empty register."""

    @abc.abstractmethod
    def given_party(self, requisites: Requisites) -> None:
        """Make the register hold this entry."""

    @abc.abstractmethod
    def given_bank(self, info: BankInfo) -> None:
        """Make the bank directory hold this bank."""

    @pytest.fixture(autouse=True)
    def lookup(self) -> CompanyLookup:
        return self.make_adapter()

    def test_unknown_inn_gives_no_entries(self, lookup: CompanyLookup) -> None:
        """An INN the register does not know gives an empty list, not an error."""
        assert lookup.find_party(Inn("7700222227")) == []

    def test_known_inn_gives_its_requisites(self, lookup: CompanyLookup) -> None:
        """A registered company comes back with every requisite intact."""
        self.given_party(legal_entity())
        assert lookup.find_party(Inn("7700111118")) == [legal_entity()]

    def test_head_office_comes_before_branches(self, lookup: CompanyLookup) -> None:
        """The head office is listed first even when a branch was registered earlier."""
        branch = legal_entity(kpp="780143001", is_branch=True)
        self.given_party(branch)
        self.given_party(legal_entity())
        assert lookup.find_party(Inn("7700111118")) == [legal_entity(), branch]

    def test_kpp_selects_one_entry(self, lookup: CompanyLookup) -> None:
        """With a KPP only the entry with that KPP is returned."""
        branch = legal_entity(kpp="780143001", is_branch=True)
        self.given_party(legal_entity())
        self.given_party(branch)
        assert lookup.find_party(Inn("7700111118"), Kpp("780143001")) == [branch]

    def test_kpp_of_no_entry_gives_no_entries(self, lookup: CompanyLookup) -> None:
        """A KPP the company does not have gives an empty list."""
        self.given_party(legal_entity())
        assert lookup.find_party(Inn("7700111118"), Kpp("780143001")) == []

    def test_liquidated_company_keeps_its_state(self, lookup: CompanyLookup) -> None:
        """A liquidated company is reported as LIQUIDATED, never as active."""
        self.given_party(legal_entity(state=RegistryState.LIQUIDATED))
        [found] = lookup.find_party(Inn("7700111118"))
        assert found.state is RegistryState.LIQUIDATED

    def test_entrepreneur_has_no_kpp(self, lookup: CompanyLookup) -> None:
        """An entrepreneur comes back with a 12-digit INN and no KPP."""
        self.given_party(ENTREPRENEUR)
        [found] = lookup.find_party(Inn("123456789047"))
        assert (found.kind, found.kpp) == (CompanyKind.ENTREPRENEUR, None)

    def test_known_bik_gives_the_bank(self, lookup: CompanyLookup) -> None:
        """A known BIK gives the bank's name and correspondent account."""
        self.given_bank(BANK)
        assert lookup.find_bank(Bik("044525225")) == BANK

    def test_unknown_bik_gives_none(self, lookup: CompanyLookup) -> None:
        """An unknown BIK gives None, not an error."""
        assert lookup.find_bank(Bik("044525999")) is None


class TestCompanyDirectory(CompanyLookupContract):
    """The in-memory directory keeps the contract, and offers the demo register."""

    def make_adapter(self) -> CompanyLookup:
        self.directory = CompanyDirectory()
        return self.directory

    def given_party(self, requisites: Requisites) -> None:
        self.directory.add_party(requisites)

    def given_bank(self, info: BankInfo) -> None:
        self.directory.add_bank(info)

    def test_adding_the_same_inn_and_kpp_replaces_the_entry(self) -> None:
        """Re-adding an entry updates it, so a test can liquidate a company mid-way."""
        self.directory.add_party(legal_entity())
        self.directory.add_party(legal_entity(state=RegistryState.LIQUIDATING))
        [found] = self.directory.find_party(Inn("7700111118"))
        assert found.state is RegistryState.LIQUIDATING

    def test_fail_next_fails_that_many_calls_then_recovers(self) -> None:
        """fail_next(2, error) makes exactly the next two lookups raise that error."""
        self.directory.add_party(legal_entity())
        self.directory.fail_next(2, Unavailable("dadata", "429 Too Many Requests"))
        for _ in range(2):
            with pytest.raises(Unavailable):
                self.directory.find_party(Inn("7700111118"))
        assert self.directory.find_party(Inn("7700111118")) == [legal_entity()]

    def test_demo_holds_companies_in_every_state_the_flow_needs(self) -> None:
        """The demo register has active, liquidated and liquidating companies and an ИП."""
        demo = CompanyDirectory.demo()
        states = {
            inn: [r.state for r in demo.find_party(Inn(inn))]
            for inn in ("7707083893", "123456789047", "7700222227", "7700333336", "7700444445")
        }
        assert states == {
            "7707083893": [RegistryState.ACTIVE],
            "123456789047": [RegistryState.ACTIVE],
            "7700222227": [RegistryState.ACTIVE],
            "7700333336": [RegistryState.LIQUIDATED],
            "7700444445": [RegistryState.LIQUIDATING],
        }

    def test_demo_company_has_head_office_and_branch(self) -> None:
        """ООО "Ромашка" in the demo has a head office and a branch with another KPP."""
        entries = CompanyDirectory.demo().find_party(Inn("7700111118"))
        assert [(str(e.kpp), e.is_branch) for e in entries] == [
            ("770001001", False),
            ("780143001", True),
        ]
        assert entries[0].short_name == 'ООО "Ромашка"'

    def test_demo_knows_the_fixture_banks(self) -> None:
        """Both fixture banks are in the demo, the partial one named from its suggestion."""
        demo = CompanyDirectory.demo()
        assert demo.find_bank(Bik("044525225")) == BANK
        found = demo.find_bank(Bik("044525985"))
        assert found is not None
        assert found.name == 'ПАО Банк "ФК Открытие"'

    def test_reads_fixture_responses_in_dadata_shape(self) -> None:
        """from_dadata_json accepts findById responses exactly as DaData sends them."""
        fixture = json.loads((FIXTURES / "dadata_responses.json").read_text(encoding="utf-8"))
        directory = CompanyDirectory.from_dadata_json(
            {"parties": [fixture["responses"]["7707083893"], fixture["responses"]["1234567890"]]}
        )
        [sber] = directory.find_party(Inn("7707083893"))
        assert (sber.short_name, str(sber.kpp)) == ("ПАО СБЕРБАНК", "773601001")

    def test_malformed_json_is_rejected_naming_the_field(self) -> None:
        """A response without a list of suggestions is refused, naming the field."""
        with pytest.raises(Rejected) as caught:
            CompanyDirectory.from_dadata_json({"parties": [{"suggestions": None}]})
        assert caught.value.params["field"] == "suggestions"


class TestFlakyCompanyLookup(CompanyLookupContract):
    """The random-fault wrapper keeps the contract once its faults are switched off."""

    def make_adapter(self) -> CompanyLookup:
        self.directory = CompanyDirectory()
        faults = RandomFaults(rate=1.0, seed=0)
        faults.switch_off()  # at rate 1 every call would fail if it did not work
        return FlakyCompanyLookup(self.directory, faults)

    def given_party(self, requisites: Requisites) -> None:
        self.directory.add_party(requisites)

    def given_bank(self, info: BankInfo) -> None:
        self.directory.add_bank(info)


class TestDadataOverHttp(CompanyLookupContract):
    """The HTTP adapter keeps the same contract against a fake DaData on loopback."""

    @pytest.fixture(autouse=True)
    def lookup(self) -> Iterator[CompanyLookup]:
        with FakeDadata(fixtures=False) as self.server:
            yield self.make_adapter()

    def make_adapter(self) -> CompanyLookup:
        settings = DadataSettings(self.server.base_url, timeout=2.0, retries=0)
        return DadataLookup.from_settings(settings, {"B2B_DADATA_API_KEY": API_KEY})

    def given_party(self, requisites: Requisites) -> None:
        self.server.add_party(requisites)

    def given_bank(self, info: BankInfo) -> None:
        self.server.add_bank(info)
