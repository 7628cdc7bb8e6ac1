"""Russian business identifiers: INN, KPP, OGRN/OGRNIP, BIK and bank accounts.

Each identifier is a frozen value object holding its canonical text in ``value``
and checking it on construction, so a held ``Inn`` is always a valid INN.
Constructors take the canonical form only (no spaces, ASCII digits); use
``parse`` for text typed by a person, which drops surrounding and inner
whitespace first. Every refusal is an :class:`InvalidValue` naming the field and
the rule.

The algorithms are the published ones (see ``INTEGRATIONS.md``, "Identifiers").
``stdnum.ru.inn`` computes the INN check digits; OGRN/OGRNIP is computed here
because python-stdnum 2.2 omits the final ``mod 10`` for OGRNIP and rejects valid
numbers whose remainder is 10 to 12.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar, Self

import attrs
from stdnum.ru import inn as stdnum_inn

from b2bcore.domain.errors import InvalidValue

__all__ = [
    "BankAccount",
    "Bik",
    "CorrespondentAccount",
    "Inn",
    "Kpp",
    "Ogrn",
    "SettlementAccount",
]

_ASCII_DIGITS = re.compile(r"[0-9]*")
_KPP = re.compile(r"[0-9]{4}[0-9A-Z]{2}[0-9]{3}")
_ACCOUNT_WEIGHTS = (7, 1, 3)


def _require_str(field: str, value: object) -> str:
    if not isinstance(value, str):
        raise InvalidValue(field, "must be a string", value)
    return value


def _require_digits(field: str, value: str, *lengths: int) -> None:
    """Refuse anything but ASCII digits, then any length not in ``lengths``."""
    if not _ASCII_DIGITS.fullmatch(value):
        raise InvalidValue(field, "must contain only digits", value)
    if len(value) not in lengths:
        allowed = " or ".join(str(n) for n in lengths)
        raise InvalidValue(field, f"must be {allowed} digits", value)


def _account_key_holds(prefix: str, account: str) -> bool:
    """The Bank of Russia control key: weights 7,1,3 over ``prefix + account``."""
    digits = prefix + account
    total = sum(int(d) * _ACCOUNT_WEIGHTS[i % 3] % 10 for i, d in enumerate(digits))
    return total % 10 == 0


@attrs.frozen
class _Identifier:
    """A validated identifier string; subclasses name the field and check the value."""

    field_name: ClassVar[str]

    value: str = attrs.field()

    @value.validator
    def _validate(self, _attribute: attrs.Attribute[str], value: object) -> None:
        self._check(_require_str(self.field_name, value))

    def _check(self, value: str) -> None:
        raise NotImplementedError

    @classmethod
    def parse(cls, text: str) -> Self:
        """Build from text typed by a person: whitespace around and inside is dropped."""
        return cls("".join(_require_str(cls.field_name, text).split()))

    def __str__(self) -> str:
        return self.value


@attrs.frozen
class Inn(_Identifier):
    """ИНН: 10 digits for a legal entity, 12 for an individual or entrepreneur."""

    field_name: ClassVar[str] = "inn"

    def _check(self, value: str) -> None:
        _require_digits(self.field_name, value, 10, 12)
        if len(value) == 10:
            if stdnum_inn.calc_company_check_digit(value[:9]) != value[9]:
                raise InvalidValue(self.field_name, "checksum digit does not match", value)
        elif stdnum_inn.calc_personal_check_digits(value[:10]) != value[10:]:
            raise InvalidValue(self.field_name, "checksum digits do not match", value)

    @property
    def is_legal_entity(self) -> bool:
        """A 10-digit INN, issued to organisations."""
        return len(self.value) == 10

    @property
    def is_individual(self) -> bool:
        """A 12-digit INN, issued to people (entrepreneurs included)."""
        return len(self.value) == 12


@attrs.frozen
class Kpp(_Identifier):
    """КПП: tax office (4 digits), reason (2 digits or capital letters), sequence (3)."""

    field_name: ClassVar[str] = "kpp"

    def _check(self, value: str) -> None:
        if len(value) != 9:
            raise InvalidValue(self.field_name, "must be 9 characters", value)
        if not _KPP.fullmatch(value):
            raise InvalidValue(
                self.field_name,
                "must be 4 digits, 2 digits or capital Latin letters, then 3 digits",
                value,
            )


@attrs.frozen
class Ogrn(_Identifier):
    """ОГРН (13 digits, starts with 1 or 5) or ОГРНИП (15 digits, starts with 3)."""

    field_name: ClassVar[str] = "ogrn"

    def _check(self, value: str) -> None:
        _require_digits(self.field_name, value, 13, 15)
        if len(value) == 13:
            if value[0] not in "15":
                raise InvalidValue(self.field_name, "must start with 1 or 5 when 13 digits", value)
            modulus = 11
        else:
            if value[0] != "3":
                raise InvalidValue(self.field_name, "must start with 3 when 15 digits", value)
            modulus = 13
        if str(int(value[:-1]) % modulus % 10) != value[-1]:
            raise InvalidValue(self.field_name, "checksum digit does not match", value)

    @property
    def is_individual_entrepreneur(self) -> bool:
        """A 15-digit ОГРНИП of an individual entrepreneur."""
        return len(self.value) == 15


@attrs.frozen
class Bik(_Identifier):
    """БИК: 9 digits, no checksum (banks start with 04, treasury offices with 01)."""

    field_name: ClassVar[str] = "bik"

    def _check(self, value: str) -> None:
        _require_digits(self.field_name, value, 9)


@attrs.frozen
class SettlementAccount(_Identifier):
    """Расчётный счёт: 20 digits; its control key is checked against a BIK in BankAccount."""

    field_name: ClassVar[str] = "settlement_account"

    def _check(self, value: str) -> None:
        _require_digits(self.field_name, value, 20)


@attrs.frozen
class CorrespondentAccount(_Identifier):
    """Корреспондентский счёт: 20 digits starting with 301 (a bank's account at the CBR)."""

    field_name: ClassVar[str] = "correspondent_account"

    def _check(self, value: str) -> None:
        _require_digits(self.field_name, value, 20)
        if not value.startswith("301"):
            raise InvalidValue(self.field_name, "must start with 301", value)


def _instance_of(
    kind: type[object], field: str, *, optional: bool = False
) -> Callable[[object, attrs.Attribute[Any], object], None]:
    """An attrs validator refusing values of another type with InvalidValue."""

    def check(_instance: object, _attribute: object, value: object) -> None:
        if optional and value is None:
            return
        if not isinstance(value, kind):
            raise InvalidValue(field, f"must be a {kind.__name__}", value)

    return check


@attrs.frozen(kw_only=True)
class BankAccount:
    """A company's bank details; the accounts' control keys must match the BIK."""

    bik: Bik = attrs.field(validator=_instance_of(Bik, "bik"))
    settlement_account: SettlementAccount = attrs.field(
        validator=_instance_of(SettlementAccount, "settlement_account")
    )
    correspondent_account: CorrespondentAccount | None = attrs.field(
        default=None,
        validator=_instance_of(CorrespondentAccount, "correspondent_account", optional=True),
    )
    bank_name: str = attrs.field()

    @bank_name.validator
    def _validate_bank_name(self, _attribute: attrs.Attribute[str], value: object) -> None:
        if not _require_str("bank_name", value).strip():
            raise InvalidValue("bank_name", "must not be blank", value)

    def __attrs_post_init__(self) -> None:
        bik = self.bik.value
        account = self.settlement_account.value
        if not _account_key_holds(bik[-3:], account):
            raise InvalidValue(
                "settlement_account", f"control key does not match BIK {bik}", account
            )
        if self.correspondent_account is not None:
            corr = self.correspondent_account.value
            if corr[-3:] != bik[-3:]:
                raise InvalidValue(
                    "correspondent_account", f"must end with the last 3 digits of BIK {bik}", corr
                )
            if not _account_key_holds("0" + bik[4:6], corr):
                raise InvalidValue(
                    "correspondent_account", f"control key does not match BIK {bik}", corr
                )

    @classmethod
    def create(
        cls,
        bik: str,
        settlement_account: str,
        bank_name: str,
        correspondent_account: str | None = None,
    ) -> Self:
        """Build from text: each identifier is parsed, the bank name is stripped."""
        return cls(
            bik=Bik.parse(bik),
            settlement_account=SettlementAccount.parse(settlement_account),
            correspondent_account=(
                None
                if correspondent_account is None
                else CorrespondentAccount.parse(correspondent_account)
            ),
            bank_name=_require_str("bank_name", bank_name).strip(),
        )
