"""Hypothesis strategies shared by b2bcore's tests.

Conventions, for whoever adds to this module:

* each public strategy is a function returning a ``SearchStrategy`` (call it,
  e.g. ``inns10()``), named for what it yields, in the plural;
* identifier strategies yield canonical strings (ASCII digits, no spaces), so a
  test can feed them to a constructor, a parser or an adapter; composite
  strategies such as ``bank_accounts()`` yield domain objects;
* check digits are computed here, independently of ``b2bcore``, from the
  published algorithms (``INTEGRATIONS.md``, "Identifiers"), so a bug in the
  domain cannot hide in the data that tests it;
* keep to the sections below and open a new section for a new topic.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from b2bcore.domain.identifiers import BankAccount
from b2bcore.domain.money import VatRate
from b2bcore.domain.pricing import DeliveryCharge, OrderLine, Product

DIGITS = "0123456789"


def digit_strings(size: int) -> st.SearchStrategy[str]:
    """Strings of exactly ``size`` ASCII digits."""
    return st.text(alphabet=DIGITS, min_size=size, max_size=size)


# -- check digits (reference implementation) ------------------------------------

_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_FIRST_WEIGHTS = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_SECOND_WEIGHTS = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_ACCOUNT_WEIGHTS = (7, 1, 3)
_ACCOUNT_KEY_INDEX = 8  # the control key is the 9th digit of a 20-digit account


def _weighted_mod11(digits: str, weights: tuple[int, ...]) -> str:
    return str(sum(w * int(d) for w, d in zip(weights, digits, strict=True)) % 11 % 10)


def inn10_check_digit(body: str) -> str:
    """The 10th digit of a legal entity's INN whose first nine digits are ``body``."""
    return _weighted_mod11(body, _INN10_WEIGHTS)


def inn12_check_digits(body: str) -> str:
    """The 11th and 12th digits of a person's INN whose first ten digits are ``body``."""
    first = _weighted_mod11(body, _INN12_FIRST_WEIGHTS)
    return first + _weighted_mod11(body + first, _INN12_SECOND_WEIGHTS)


def ogrn_check_digit(body: str) -> str:
    """The 13th digit of an OGRN whose first twelve digits are ``body``."""
    return str(int(body) % 11 % 10)


def ogrnip_check_digit(body: str) -> str:
    """The 15th digit of an OGRNIP whose first fourteen digits are ``body``."""
    return str(int(body) % 13 % 10)


def account_key_holds(prefix: str, account: str) -> bool:
    """Whether the Bank of Russia control key holds for ``prefix + account``."""
    digits = prefix + account
    total = sum(int(d) * _ACCOUNT_WEIGHTS[i % 3] % 10 for i, d in enumerate(digits))
    return total % 10 == 0


def _with_key(prefix: str, account: str) -> str:
    for key in DIGITS:
        keyed = account[:_ACCOUNT_KEY_INDEX] + key + account[_ACCOUNT_KEY_INDEX + 1 :]
        if account_key_holds(prefix, keyed):
            return keyed
    raise AssertionError("unreachable: weights 7, 1, 3 are coprime to 10")


def with_settlement_key(bik: str, account: str) -> str:
    """``account`` with its 9th digit set so that its control key matches ``bik``."""
    return _with_key(bik[-3:], account)


def with_correspondent_key(bik: str, account: str) -> str:
    """``account`` with its 9th digit set so that its correspondent-account key matches ``bik``."""
    return _with_key("0" + bik[4:6], account)


# -- identifiers -----------------------------------------------------------------


def inns10() -> st.SearchStrategy[str]:
    """Valid 10-digit INNs (legal entities)."""
    return digit_strings(9).map(lambda body: body + inn10_check_digit(body))


def inns12() -> st.SearchStrategy[str]:
    """Valid 12-digit INNs (individuals and entrepreneurs)."""
    return digit_strings(10).map(lambda body: body + inn12_check_digits(body))


def ogrns() -> st.SearchStrategy[str]:
    """Valid 13-digit OGRNs of legal entities (first digit 1 or 5)."""
    bodies = st.builds(str.__add__, st.sampled_from("15"), digit_strings(11))
    return bodies.map(lambda body: body + ogrn_check_digit(body))


def ogrnips() -> st.SearchStrategy[str]:
    """Valid 15-digit OGRNIPs of individual entrepreneurs (first digit 3)."""
    return (
        digit_strings(13)
        .map(lambda rest: "3" + rest)
        .map(lambda body: body + ogrnip_check_digit(body))
    )


def kpps() -> st.SearchStrategy[str]:
    """Valid KPPs; positions 5-6 may hold capital Latin letters."""
    return st.from_regex(r"[0-9]{4}[0-9A-Z]{2}[0-9]{3}", fullmatch=True)


def biks() -> st.SearchStrategy[str]:
    """BIKs of credit institutions (04...) and treasury offices (01...)."""
    return st.builds(str.__add__, st.sampled_from(["04", "01"]), digit_strings(7))


# -- bank accounts ---------------------------------------------------------------


def settlement_accounts(bik: str) -> st.SearchStrategy[str]:
    """20-digit settlement accounts whose control key matches ``bik``."""
    return digit_strings(20).map(lambda account: with_settlement_key(bik, account))


def correspondent_accounts(bik: str) -> st.SearchStrategy[str]:
    """Correspondent accounts (301...) of the bank with ``bik``: key and ending match it."""
    return digit_strings(8).map(
        lambda middle: with_correspondent_key(bik, "30101810" + "0" + middle + bik[-3:])
    )


def bank_names() -> st.SearchStrategy[str]:
    """Bank names as they appear in requisites."""
    return st.sampled_from(
        ["ПАО Сбербанк", 'АО "АЛЬФА-БАНК"', "Банк ВТБ (ПАО)", "ОТДЕЛЕНИЕ МОСКВА", "Test Bank"]
    )


@st.composite
def bank_accounts(draw: st.DrawFn) -> BankAccount:
    """Valid bank details; banks (BIK 04...) may have a correspondent account, treasuries not."""
    bik = draw(biks())
    correspondent = draw(st.none() | correspondent_accounts(bik)) if bik.startswith("04") else None
    return BankAccount.create(
        bik=bik,
        settlement_account=draw(settlement_accounts(bik)),
        bank_name=draw(bank_names()),
        correspondent_account=correspondent,
    )


# -- mutations -------------------------------------------------------------------


@st.composite
def single_digit_changes(
    draw: st.DrawFn, values: st.SearchStrategy[str], *, at: int | None = None
) -> tuple[str, str]:
    """Pairs (original, changed): one digit of an original swapped for another digit.

    ``at`` fixes the changed position (negative counts from the end); otherwise
    any position may change.
    """
    original = draw(values)
    if at is None:
        position = draw(st.integers(min_value=0, max_value=len(original) - 1))
    else:
        position = at % len(original)
    digit = draw(st.sampled_from(DIGITS.replace(original[position], "")))
    return original, original[:position] + digit + original[position + 1 :]


# -- money and pricing -------------------------------------------------------------


def kopecks(*, min_value: int = 0, max_value: int = 100_000_000_00) -> st.SearchStrategy[int]:
    """Whole kopecks, as integers, for reference arithmetic that cannot round wrongly."""
    return st.integers(min_value=min_value, max_value=max_value)


def amounts(*, min_value: int = 0, max_value: int = 100_000_000_00) -> st.SearchStrategy[Decimal]:
    """Roubles with exactly two decimal places (``Decimal("12.30")``), within the kopeck bounds."""
    return kopecks(min_value=min_value, max_value=max_value).map(lambda k: Decimal(k).scaleb(-2))


def vat_rates() -> st.SearchStrategy[VatRate]:
    """Every VAT rate a line may carry: 22 %, 10 %, 0 % and "без НДС"."""
    return st.sampled_from(list(VatRate))


def discount_percents() -> st.SearchStrategy[Decimal]:
    """Discounts from 0.00 to 100.00 %, two decimal places."""
    return st.integers(min_value=0, max_value=100_00).map(lambda h: Decimal(h).scaleb(-2))


def quantities() -> st.SearchStrategy[int]:
    """Line quantities: mostly small, sometimes up to the domain's maximum of a million."""
    return st.integers(min_value=1, max_value=1_000) | st.integers(min_value=1, max_value=1_000_000)


@st.composite
def products(draw: st.DrawFn) -> Product:
    """Catalogue products with any list price up to a million roubles and any VAT rate."""
    return Product(
        sku=draw(st.from_regex(r"[A-Z]{2,6}-[0-9]{1,4}", fullmatch=True)),
        name=draw(st.sampled_from(["Бумага А4", "Ноутбук", "Картридж", "Настройка", "Кабель"])),
        list_price=draw(amounts(max_value=1_000_000_00)),
        vat_rate=draw(vat_rates()),
    )


@st.composite
def order_lines(draw: st.DrawFn) -> OrderLine:
    """Priced lines: list minus discount, or a contract price, or a manager's manual price."""
    product = draw(products())
    source = draw(st.sampled_from(["list", "contract", "manual"]))
    price = draw(amounts(max_value=1_000_000_00))
    return OrderLine.price(
        product,
        draw(quantities()),
        discount_percent=draw(discount_percents()),
        contract_price=price if source == "contract" else None,
        manual_price=price if source == "manual" else None,
    )


def delivery_charges() -> st.SearchStrategy[DeliveryCharge]:
    """Delivery charges, free ones included, at any VAT rate."""
    return st.builds(
        DeliveryCharge,
        gross=st.just(Decimal("0.00")) | amounts(max_value=10_000_00),
        vat_rate=vat_rates(),
    )


# -- the worker under faults ------------------------------------------------------------


def shop_carts() -> st.SearchStrategy[dict[str, int]]:
    """Carts of the seeded shop (``tests.builders.CATALOGUE``) that it ships unattended:
    one to three of its cheap, well-stocked products, a few of each."""
    return st.dictionaries(
        st.sampled_from(["PAPER", "PEN", "BOOK", "SETUP"]),
        st.integers(min_value=1, max_value=5),
        min_size=1,
        max_size=3,
    )


def fault_rates() -> st.SearchStrategy[float]:
    """Probabilities that a call to an external system fails: none at all up to one in two."""
    return st.just(0.0) | st.floats(min_value=0.0, max_value=0.5)


def seeds() -> st.SearchStrategy[int]:
    """Seeds for a ``random.Random``."""
    return st.integers(min_value=0, max_value=2**32 - 1)
