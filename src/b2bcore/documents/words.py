"""Amounts in words, as Russian invoices write them: "Сто двадцать три рубля 45 копеек".

Roubles in words, kopecks as two digits. The noun agrees with the number by the
usual rule: 11..14 (mod 100) take the genitive plural (рублей, тысяч), else a
last digit 1 takes the nominative singular (рубль, тысяча), 2..4 the genitive
singular (рубля, тысячи), anything else the genitive plural. Тысяча and
копейка are feminine (одна, две), рубль, миллион and миллиард masculine.

Written by hand rather than with num2words, whose Russian defaults are traps
(the currency defaults to EUR, an ``int`` is read as kopecks); the test suite
checks this module against num2words called the safe way.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from b2bcore.domain.errors import InvalidValue

_KOPECK = Decimal("0.01")
_LIMIT = Decimal(10) ** 15  # up to 999 триллионов: far beyond any invoice

_UNITS_MASCULINE = ("", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять")
_UNITS_FEMININE = ("", "одна", "две", *_UNITS_MASCULINE[3:])
_TEENS = (
    "десять",
    "одиннадцать",
    "двенадцать",
    "тринадцать",
    "четырнадцать",
    "пятнадцать",
    "шестнадцать",
    "семнадцать",
    "восемнадцать",
    "девятнадцать",
)
_TENS = (
    "",
    "",
    "двадцать",
    "тридцать",
    "сорок",
    "пятьдесят",
    "шестьдесят",
    "семьдесят",
    "восемьдесят",
    "девяносто",
)
_HUNDREDS = (
    "",
    "сто",
    "двести",
    "триста",
    "четыреста",
    "пятьсот",
    "шестьсот",
    "семьсот",
    "восемьсот",
    "девятьсот",
)

# Each group of three digits, from the lowest: its noun forms (one, two-four, five) and gender.
_GROUPS: tuple[tuple[tuple[str, str, str], bool], ...] = (
    (("", "", ""), False),
    (("тысяча", "тысячи", "тысяч"), True),
    (("миллион", "миллиона", "миллионов"), False),
    (("миллиард", "миллиарда", "миллиардов"), False),
    (("триллион", "триллиона", "триллионов"), False),
)
RUBLE_FORMS = ("рубль", "рубля", "рублей")
KOPECK_FORMS = ("копейка", "копейки", "копеек")


def plural(n: int, forms: tuple[str, str, str]) -> str:
    """The noun form that agrees with ``n``: (1, 2..4, 5..20) as in рубль/рубля/рублей."""
    if 11 <= n % 100 <= 14:
        return forms[2]
    last = n % 10
    if last == 1:
        return forms[0]
    if 2 <= last <= 4:
        return forms[1]
    return forms[2]


def _triad(n: int, feminine: bool) -> list[str]:
    """Words for 1..999."""
    words = [_HUNDREDS[n // 100]]
    rest = n % 100
    if 10 <= rest <= 19:
        words.append(_TEENS[rest - 10])
    else:
        units = _UNITS_FEMININE if feminine else _UNITS_MASCULINE
        words += [_TENS[rest // 10], units[rest % 10]]
    return [word for word in words if word]


def integer_in_words(n: int, *, feminine: bool = False) -> str:
    """A whole number in words, lower case: 1001 -> "одна тысяча один" (with ``feminine``
    the last group agrees with a feminine noun)."""
    if n == 0:
        return "ноль"
    words: list[str] = []
    for index, (forms, group_feminine) in enumerate(_GROUPS):
        group = n // 1000**index % 1000
        if group == 0:
            continue
        female = feminine if index == 0 else group_feminine
        part = _triad(group, female)
        if index:
            part.append(plural(group, forms))
        words = part + words
    return " ".join(words)


def amount_in_words(amount: Decimal) -> str:
    """Roubles in words and kopecks in digits: ``Decimal("21.21")`` gives
    "Двадцать один рубль 21 копейка". Rounded half-up to kopecks; floats and negative
    amounts are refused with :class:`~b2bcore.domain.errors.InvalidValue`."""
    if not isinstance(amount, Decimal | int) or isinstance(amount, bool):
        raise InvalidValue("amount", "must be a Decimal, never a float", amount)
    value = Decimal(amount)
    if not value.is_finite() or value < 0 or value >= _LIMIT:
        raise InvalidValue("amount", "must be a non-negative number of roubles", amount)
    kopecks_total = int(value.quantize(_KOPECK, rounding=ROUND_HALF_UP) * 100)
    roubles, kopecks = divmod(kopecks_total, 100)
    text = (
        f"{integer_in_words(roubles)} {plural(roubles, RUBLE_FORMS)} "
        f"{kopecks:02d} {plural(kopecks, KOPECK_FORMS)}"
    )
    return text[0].upper() + text[1:]
