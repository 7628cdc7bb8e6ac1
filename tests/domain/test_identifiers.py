"""Russian business identifiers: the shared test vectors, each rule, and properties."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from b2bcore.domain.errors import InvalidValue
from b2bcore.domain.identifiers import (
    BankAccount,
    Bik,
    CorrespondentAccount,
    Inn,
    Kpp,
    Ogrn,
    SettlementAccount,
)
from tests.strategies import (
    bank_accounts,
    biks,
    correspondent_accounts,
    inn10_check_digit,
    inn12_check_digits,
    inns10,
    inns12,
    kpps,
    ogrn_check_digit,
    ogrnip_check_digit,
    ogrnips,
    ogrns,
    settlement_accounts,
    single_digit_changes,
    with_settlement_key,
)

BANK = "ПАО Сбербанк"
SBER_BIK = "044525225"
SBER_ACCOUNT = "40703810338000004033"
SBER_CORRESPONDENT = "30101810400000000225"

# -- the shared vectors (tests/fixtures/id_vectors.json) ---------------------------

_VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "id_vectors.json").read_text(encoding="utf-8")
)
_FIELD_OF_KIND = {
    "inn": "inn",
    "ogrn": "ogrn",
    "kpp": "kpp",
    "bik": "bik",
    "account": "settlement_account",
    "corr_account": "correspondent_account",
}
_RULE_OF_INVALID_VECTOR = {
    ("inn", "123456789037"): "checksum digits do not match",
    ("inn", "561100409546"): "checksum digits do not match",
    ("inn", "561100"): "must be 10 or 12 digits",
    ("ogrn", "1022500001328"): "checksum digit does not match",
    ("ogrn", "10277395526422"): "must be 13 or 15 digits",
    ("ogrn", "985768585948944"): "must start with 3 when 15 digits",
    ("ogrn", "1026605606621"): "checksum digit does not match",
    ("kpp", "66710100"): "must be 9 characters",
    ("kpp", "66aa01001"): "must be 4 digits, 2 digits or capital Latin letters, then 3 digits",
    ("kpp", "667101asd"): "must be 4 digits, 2 digits or capital Latin letters, then 3 digits",
    ("bik", "50270100"): "must be 9 digits",
    ("bik", "044525asd"): "must contain only digits",
    ("account", "50300807000003002104"): "control key does not match BIK 044712576",
    ("corr_account", "30101810400000000225"): "must end with the last 3 digits of BIK 044525221",
}


def _vectors(*, valid: bool) -> list[Any]:
    return [
        pytest.param(kind, vector, id=f"{kind}-{vector['value']}")
        for kind in _FIELD_OF_KIND
        for vector in _VECTORS[kind]
        if vector["valid"] is valid
    ]


def _build_from_vector(kind: str, vector: dict[str, str]) -> object:
    value = vector["value"]
    if kind == "account":
        return BankAccount.create(bik=vector["bik"], settlement_account=value, bank_name=BANK)
    if kind == "corr_account":
        bik = vector["bik"]
        return BankAccount.create(
            bik=bik,
            settlement_account=with_settlement_key(bik, "40702810000000000001"),
            bank_name=BANK,
            correspondent_account=value,
        )
    constructors: dict[str, Callable[[str], object]] = {
        "inn": Inn,
        "ogrn": Ogrn,
        "kpp": Kpp,
        "bik": Bik,
    }
    return constructors[kind](value)


def _refusal(build: Callable[[], object]) -> InvalidValue:
    with pytest.raises(InvalidValue) as caught:
        build()
    return caught.value


@pytest.mark.parametrize(("kind", "vector"), _vectors(valid=True))
def test_vector_marked_valid_is_accepted(kind: str, vector: dict[str, str]) -> None:
    """Every vector marked valid in id_vectors.json is accepted."""
    _build_from_vector(kind, vector)


@pytest.mark.parametrize(("kind", "vector"), _vectors(valid=False))
def test_vector_marked_invalid_is_refused_naming_field_and_rule(
    kind: str, vector: dict[str, str]
) -> None:
    """Every vector marked invalid is refused with its field and the rule it breaks."""
    error = _refusal(lambda: _build_from_vector(kind, vector))
    expected = (_FIELD_OF_KIND[kind], _RULE_OF_INVALID_VECTOR[(kind, vector["value"])])
    assert (error.field, error.rule) == expected


# -- common behaviour of the identifier value objects --------------------------------

_IDENTIFIERS = [
    pytest.param(Inn, "7707083893", id="Inn"),
    pytest.param(Kpp, "773601001", id="Kpp"),
    pytest.param(Ogrn, "1027700132195", id="Ogrn"),
    pytest.param(Bik, SBER_BIK, id="Bik"),
    pytest.param(SettlementAccount, SBER_ACCOUNT, id="SettlementAccount"),
    pytest.param(CorrespondentAccount, SBER_CORRESPONDENT, id="CorrespondentAccount"),
]


@pytest.mark.parametrize(("cls", "value"), _IDENTIFIERS)
def test_str_returns_the_value(cls: Callable[[str], object], value: str) -> None:
    """str() of an identifier is its canonical value."""
    assert str(cls(value)) == value


@pytest.mark.parametrize(("cls", "value"), _IDENTIFIERS)
def test_identifiers_with_equal_values_are_equal_and_hash_alike(
    cls: Callable[[str], object], value: str
) -> None:
    """Identifiers are value objects: equal values make equal, equally hashed objects."""
    assert cls(value) == cls(value)
    assert hash(cls(value)) == hash(cls(value))


@pytest.mark.parametrize(("cls", "value"), _IDENTIFIERS)
def test_parse_drops_surrounding_and_inner_whitespace(
    cls: type[Inn | Kpp | Ogrn | Bik | SettlementAccount | CorrespondentAccount], value: str
) -> None:
    """parse() strips whitespace around and inside the text before validating."""
    spaced = f" \t{value[:3]} {value[3:6]}\u00a0{value[6:]}\n"
    assert cls.parse(spaced) == cls(value)


@pytest.mark.parametrize(("cls", "value"), _IDENTIFIERS)
def test_constructor_refuses_inner_spaces(cls: Callable[[str], object], value: str) -> None:
    """The constructor takes the canonical form only; spaces are for parse()."""
    error = _refusal(lambda: cls(f"{value[:4]} {value[4:]}"))
    assert error.rule in {"must contain only digits", "must be 9 characters"}


@pytest.mark.parametrize(
    ("cls", "field"),
    [
        (Inn, "inn"),
        (Kpp, "kpp"),
        (Ogrn, "ogrn"),
        (Bik, "bik"),
        (SettlementAccount, "settlement_account"),
        (CorrespondentAccount, "correspondent_account"),
    ],
)
def test_non_string_is_refused(cls: Callable[[Any], object], field: str) -> None:
    """A number instead of text is refused as 'must be a string'."""
    error = _refusal(lambda: cls(7707083893))
    assert (error.field, error.rule) == (field, "must be a string")


@pytest.mark.parametrize("cls", [Inn, Kpp, Ogrn, Bik, SettlementAccount, CorrespondentAccount])
def test_parse_refuses_non_string(
    cls: type[Inn | Kpp | Ogrn | Bik | SettlementAccount | CorrespondentAccount],
) -> None:
    """parse() of a non-string is refused as 'must be a string', not a crash."""
    error = _refusal(lambda: cls.parse(None))  # type: ignore[arg-type]
    assert error.rule == "must be a string"


# -- INN ---------------------------------------------------------------------------


def test_inn_of_wrong_length_is_refused() -> None:
    """An INN of 11 digits is refused: it must be 10 or 12."""
    error = _refusal(lambda: Inn("77070838931"))
    assert (error.field, error.rule) == ("inn", "must be 10 or 12 digits")


def test_empty_inn_is_refused_for_its_length() -> None:
    """An empty INN is refused by the length rule."""
    error = _refusal(lambda: Inn(""))
    assert (error.field, error.rule) == ("inn", "must be 10 or 12 digits")


def test_inn_with_a_letter_is_refused() -> None:
    """An INN containing a letter is refused as 'must contain only digits'."""
    error = _refusal(lambda: Inn("77070838A3"))
    assert (error.field, error.rule) == ("inn", "must contain only digits")


def test_inn_of_non_ascii_digits_is_refused() -> None:
    """Full-width digits (str.isdigit() accepts them) are refused."""
    error = _refusal(lambda: Inn("７７０７０８３８９３"))
    assert (error.field, error.rule) == ("inn", "must contain only digits")


def test_inn10_with_wrong_check_digit_is_refused() -> None:
    """A 10-digit INN whose last digit is off is refused by the checksum rule."""
    error = _refusal(lambda: Inn("7707083894"))
    assert (error.field, error.rule) == ("inn", "checksum digit does not match")


def test_inn12_with_wrong_check_digits_is_refused() -> None:
    """A 12-digit INN whose 11th digit is off is refused by the checksum rule."""
    error = _refusal(lambda: Inn("561100409555"))
    assert (error.field, error.rule) == ("inn", "checksum digits do not match")


def test_inn10_is_a_legal_entity() -> None:
    """A 10-digit INN belongs to a legal entity, not an individual."""
    inn = Inn("7707083893")
    assert (inn.is_legal_entity, inn.is_individual) == (True, False)


def test_inn12_is_an_individual() -> None:
    """A 12-digit INN belongs to an individual, not a legal entity."""
    inn = Inn("561100409545")
    assert (inn.is_legal_entity, inn.is_individual) == (False, True)


def test_inn10_checksum_cannot_see_a_change_that_folds_remainder_10_onto_0() -> None:
    """6223002330 (remainder 0) with its 3rd digit changed (remainder 10) still passes."""
    assert Inn("6233002330").is_legal_entity


@given(inns10())
def test_generated_inn10_is_accepted(value: str) -> None:
    """Any INN10 built with the published weights is accepted as a legal entity's."""
    assert Inn(value).is_legal_entity


@given(inns12())
def test_generated_inn12_is_accepted(value: str) -> None:
    """Any INN12 built with the published weights is accepted as an individual's."""
    assert Inn(value).is_individual


@given(single_digit_changes(inns10(), at=-1))
def test_changing_inn10_check_digit_is_refused(change: tuple[str, str]) -> None:
    """Changing the check digit of a valid INN10 always makes it invalid."""
    _, changed = change
    with pytest.raises(InvalidValue):
        Inn(changed)


@given(single_digit_changes(inns10()))
def test_changing_any_inn10_digit_is_refused_unless_checksum_folds(
    change: tuple[str, str],
) -> None:
    """Changing one digit of an INN10 is refused whenever the checksum can see it."""
    _, changed = change
    assume(inn10_check_digit(changed[:9]) != changed[9])
    with pytest.raises(InvalidValue):
        Inn(changed)


@given(single_digit_changes(inns12(), at=-1))
def test_changing_inn12_last_check_digit_is_refused(change: tuple[str, str]) -> None:
    """Changing the 12th digit of a valid INN12 always makes it invalid."""
    _, changed = change
    with pytest.raises(InvalidValue):
        Inn(changed)


@given(single_digit_changes(inns12()))
def test_changing_any_inn12_digit_is_refused_unless_checksum_folds(
    change: tuple[str, str],
) -> None:
    """Changing one digit of an INN12 is refused whenever the checksums can see it."""
    _, changed = change
    assume(inn12_check_digits(changed[:10]) != changed[10:])
    with pytest.raises(InvalidValue):
        Inn(changed)


# -- KPP ---------------------------------------------------------------------------


def test_kpp_of_wrong_length_is_refused() -> None:
    """A KPP of 10 characters is refused: it must be 9."""
    error = _refusal(lambda: Kpp("7736010010"))
    assert (error.field, error.rule) == ("kpp", "must be 9 characters")


def test_kpp_with_letter_outside_positions_5_6_is_refused() -> None:
    """A letter in the tax-office part (positions 1-4) is refused by the format rule."""
    error = _refusal(lambda: Kpp("77A601001"))
    assert error.field == "kpp"
    assert error.rule == "must be 4 digits, 2 digits or capital Latin letters, then 3 digits"


def test_kpp_with_cyrillic_letters_is_refused() -> None:
    """Cyrillic capitals that look Latin (А, В) are refused in positions 5-6."""
    error = _refusal(lambda: Kpp("5027АВ001"))
    assert error.rule == "must be 4 digits, 2 digits or capital Latin letters, then 3 digits"


@given(kpps())
def test_generated_kpp_is_accepted(value: str) -> None:
    """Any KPP matching ^\\d{4}[\\dA-Z]{2}\\d{3}$ is accepted."""
    assert Kpp(value).value == value


# -- OGRN / OGRNIP -------------------------------------------------------------------


def test_ogrn_of_wrong_length_is_refused() -> None:
    """An OGRN of 14 digits is refused: it must be 13 or 15."""
    error = _refusal(lambda: Ogrn("10277001321950"))
    assert (error.field, error.rule) == ("ogrn", "must be 13 or 15 digits")


def test_ogrn_with_a_letter_is_refused() -> None:
    """An OGRN containing a letter is refused as 'must contain only digits'."""
    error = _refusal(lambda: Ogrn("102770013219O"))
    assert (error.field, error.rule) == ("ogrn", "must contain only digits")


def test_13_digit_grn_of_a_later_record_is_refused() -> None:
    """A 13-digit number starting with 2 (ГРН of a later record) is not an OGRN."""
    body = "202770013219"
    error = _refusal(lambda: Ogrn(body + ogrn_check_digit(body)))
    assert (error.field, error.rule) == ("ogrn", "must start with 1 or 5 when 13 digits")


def test_15_digit_grnip_of_a_later_record_is_refused() -> None:
    """A 15-digit number starting with 4 (ГРНИП of a later record) is not an OGRNIP."""
    body = "40956580860018"
    error = _refusal(lambda: Ogrn(body + ogrnip_check_digit(body)))
    assert (error.field, error.rule) == ("ogrn", "must start with 3 when 15 digits")


def test_ogrnip_with_wrong_check_digit_is_refused() -> None:
    """A 15-digit OGRNIP whose last digit is off is refused by the checksum rule."""
    error = _refusal(lambda: Ogrn("309565808600189"))
    assert (error.field, error.rule) == ("ogrn", "checksum digit does not match")


def test_ogrn13_is_not_an_individual_entrepreneur() -> None:
    """A 13-digit OGRN belongs to a legal entity."""
    assert not Ogrn("1027700132195").is_individual_entrepreneur


def test_ogrnip15_is_an_individual_entrepreneur() -> None:
    """A 15-digit OGRNIP belongs to an individual entrepreneur."""
    assert Ogrn("309565808600188").is_individual_entrepreneur


def test_ogrnip_with_remainder_10_is_accepted() -> None:
    """30956580860007 mod 13 is 10, so its check digit is 0 (python-stdnum 2.2 wants 10)."""
    assert Ogrn("309565808600070").is_individual_entrepreneur


@given(ogrns())
def test_generated_ogrn_is_accepted(value: str) -> None:
    """Any 13-digit OGRN built with mod 11 mod 10 is accepted."""
    assert not Ogrn(value).is_individual_entrepreneur


@given(ogrnips())
def test_generated_ogrnip_is_accepted(value: str) -> None:
    """Any 15-digit OGRNIP built with mod 13 mod 10 is accepted."""
    assert Ogrn(value).is_individual_entrepreneur


@given(ogrnips().filter(lambda value: int(value[:14]) % 13 >= 10))
def test_ogrnip_whose_remainder_is_10_to_12_is_accepted(value: str) -> None:
    """OGRNIPs whose remainder mod 13 is 10..12 are valid (the python-stdnum 2.2 bug)."""
    assert Ogrn(value).is_individual_entrepreneur


@given(single_digit_changes(ogrns(), at=-1))
def test_changing_ogrn_check_digit_is_refused(change: tuple[str, str]) -> None:
    """Changing the check digit of a valid OGRN always makes it invalid."""
    _, changed = change
    with pytest.raises(InvalidValue):
        Ogrn(changed)


@given(single_digit_changes(ogrns()))
def test_changing_any_ogrn_digit_is_refused_unless_checksum_folds(
    change: tuple[str, str],
) -> None:
    """Changing one digit of an OGRN is refused whenever the checksum can see it."""
    _, changed = change
    assume(ogrn_check_digit(changed[:12]) != changed[12])
    with pytest.raises(InvalidValue):
        Ogrn(changed)


@given(single_digit_changes(ogrnips(), at=-1))
def test_changing_ogrnip_check_digit_is_refused(change: tuple[str, str]) -> None:
    """Changing the check digit of a valid OGRNIP always makes it invalid."""
    _, changed = change
    with pytest.raises(InvalidValue):
        Ogrn(changed)


@given(single_digit_changes(ogrnips()))
def test_changing_any_ogrnip_digit_is_refused_unless_checksum_folds(
    change: tuple[str, str],
) -> None:
    """Changing one digit of an OGRNIP is refused whenever the checksum can see it."""
    _, changed = change
    assume(ogrnip_check_digit(changed[:14]) != changed[14])
    with pytest.raises(InvalidValue):
        Ogrn(changed)


# -- BIK and accounts ----------------------------------------------------------------


def test_treasury_bik_starting_01_is_accepted() -> None:
    """A treasury office's BIK (01..., since 2021) is accepted: 04 is not required."""
    assert Bik("011203901").value == "011203901"


@given(biks())
def test_generated_bik_is_accepted(value: str) -> None:
    """Any 9-digit BIK is accepted."""
    assert Bik(value).value == value


def test_settlement_account_of_wrong_length_is_refused() -> None:
    """A 19-digit settlement account is refused: it must be 20."""
    error = _refusal(lambda: SettlementAccount("4070381033800000403"))
    assert (error.field, error.rule) == ("settlement_account", "must be 20 digits")


def test_correspondent_account_not_starting_301_is_refused() -> None:
    """A treasury single account (40102...) is not a correspondent account."""
    error = _refusal(lambda: CorrespondentAccount("40102810545370000003"))
    assert (error.field, error.rule) == ("correspondent_account", "must start with 301")


def test_settlement_account_with_foreign_control_key_is_refused() -> None:
    """A settlement account whose key does not match the BIK names the BIK in the rule."""
    error = _refusal(
        lambda: BankAccount.create(
            bik=SBER_BIK, settlement_account="40703810338000004034", bank_name=BANK
        )
    )
    assert (error.field, error.rule) == (
        "settlement_account",
        "control key does not match BIK 044525225",
    )


def test_correspondent_account_with_wrong_control_key_is_refused() -> None:
    """A correspondent account ending like the BIK but with a wrong key is refused."""
    error = _refusal(
        lambda: BankAccount.create(
            bik=SBER_BIK,
            settlement_account=SBER_ACCOUNT,
            bank_name=BANK,
            correspondent_account="30101810500000000225",
        )
    )
    assert (error.field, error.rule) == (
        "correspondent_account",
        "control key does not match BIK 044525225",
    )


def test_bank_account_without_correspondent_account_is_accepted() -> None:
    """The correspondent account is optional (treasury offices have none)."""
    account = BankAccount.create(bik=SBER_BIK, settlement_account=SBER_ACCOUNT, bank_name=BANK)
    assert account.correspondent_account is None


def test_bank_account_create_parses_spaced_text() -> None:
    """create() parses every identifier and strips the bank name."""
    account = BankAccount.create(
        bik=" 044 525 225 ",
        settlement_account="40703 810 3 3800 0004033",
        bank_name="  ПАО Сбербанк ",
        correspondent_account="30101 810 4 0000 0000225",
    )
    assert account == BankAccount(
        bik=Bik(SBER_BIK),
        settlement_account=SettlementAccount(SBER_ACCOUNT),
        correspondent_account=CorrespondentAccount(SBER_CORRESPONDENT),
        bank_name="ПАО Сбербанк",
    )


def test_bank_account_refuses_a_plain_string_bik() -> None:
    """The constructor wants a Bik object; text goes through create()."""
    error = _refusal(
        lambda: BankAccount(
            bik=SBER_BIK,  # type: ignore[arg-type]
            settlement_account=SettlementAccount(SBER_ACCOUNT),
            bank_name=BANK,
        )
    )
    assert (error.field, error.rule) == ("bik", "must be a Bik")


def test_blank_bank_name_is_refused() -> None:
    """A bank name of only whitespace is refused."""
    error = _refusal(
        lambda: BankAccount.create(bik=SBER_BIK, settlement_account=SBER_ACCOUNT, bank_name="  ")
    )
    assert (error.field, error.rule) == ("bank_name", "must not be blank")


def test_non_string_bank_name_is_refused() -> None:
    """A bank name that is not text is refused as 'must be a string'."""
    error = _refusal(
        lambda: BankAccount.create(
            bik=SBER_BIK,
            settlement_account=SBER_ACCOUNT,
            bank_name=None,  # type: ignore[arg-type]
        )
    )
    assert (error.field, error.rule) == ("bank_name", "must be a string")


@given(biks().flatmap(lambda bik: st.tuples(st.just(bik), settlement_accounts(bik))))
def test_generated_settlement_account_is_accepted(bik_and_account: tuple[str, str]) -> None:
    """Any settlement account keyed with the published 7,1,3 weights passes for its BIK."""
    bik, account = bik_and_account
    BankAccount.create(bik=bik, settlement_account=account, bank_name=BANK)


@given(
    biks().flatmap(
        lambda bik: st.tuples(st.just(bik), single_digit_changes(settlement_accounts(bik)))
    )
)
def test_changing_any_settlement_account_digit_is_refused(
    bik_and_change: tuple[str, tuple[str, str]],
) -> None:
    """Changing any one digit of a settlement account breaks its control key."""
    bik, (_, changed) = bik_and_change
    error = _refusal(
        lambda: BankAccount.create(bik=bik, settlement_account=changed, bank_name=BANK)
    )
    assert error.field == "settlement_account"


@given(
    biks().flatmap(
        lambda bik: st.tuples(st.just(bik), single_digit_changes(correspondent_accounts(bik)))
    )
)
def test_changing_any_correspondent_account_digit_is_refused(
    bik_and_change: tuple[str, tuple[str, str]],
) -> None:
    """Changing any one digit of a correspondent account makes it refused."""
    bik, (_, changed) = bik_and_change
    error = _refusal(
        lambda: BankAccount.create(
            bik=bik,
            settlement_account=with_settlement_key(bik, "40702810000000000001"),
            bank_name=BANK,
            correspondent_account=changed,
        )
    )
    assert error.field == "correspondent_account"


@given(bank_accounts())
def test_bank_account_rebuilt_from_its_strings_is_equal(account: BankAccount) -> None:
    """create() from an account's own strings gives an equal BankAccount."""
    correspondent = account.correspondent_account
    rebuilt = BankAccount.create(
        bik=str(account.bik),
        settlement_account=str(account.settlement_account),
        bank_name=account.bank_name,
        correspondent_account=None if correspondent is None else str(correspondent),
    )
    assert rebuilt == account
