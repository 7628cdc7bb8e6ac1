"""Prices, order lines and delivery cost.

A line's price is chosen in this order: a manager's manual price, the client's
contract price for the SKU, else the list price minus the client's discount.
Prices include VAT. Each line is rounded on its own (price to kopecks, then
price x quantity), VAT contained in the line is gross x rate / (100 + rate);
totals are plain sums of rounded lines, so they match the invoice to the kopeck.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from decimal import Decimal

import attrs

from b2bcore.domain.errors import InvalidValue
from b2bcore.domain.money import ZERO, VatRate, non_negative_money, percent, to_money

MAX_QUANTITY = 1_000_000


def _quantity(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue("quantity", "must be a whole number", value)
    if not 1 <= value <= MAX_QUANTITY:
        raise InvalidValue("quantity", f"must be between 1 and {MAX_QUANTITY}", value)
    return value


def _sku(value: str) -> str:
    cleaned = value.strip()
    if not cleaned or len(cleaned) > 64:
        raise InvalidValue("sku", "must be 1 to 64 characters", value)
    return cleaned


def _list_price(value: Decimal | int | str) -> Decimal:
    return non_negative_money(value, field="list_price")


def _base_cost(value: Decimal | int | str) -> Decimal:
    return non_negative_money(value, field="base_cost")


def _free_from(value: Decimal | int | str | None) -> Decimal | None:
    return None if value is None else non_negative_money(value, field="free_from")


def _delivery_gross(value: Decimal | int | str) -> Decimal:
    return non_negative_money(value, field="delivery")


@attrs.frozen(kw_only=True)
class Product:
    """A catalogue item sold through the B2B channel."""

    sku: str = attrs.field(converter=_sku)
    name: str
    list_price: Decimal = attrs.field(converter=_list_price)
    vat_rate: VatRate = VatRate.VAT22
    unit: str = "шт"
    active: bool = True

    def __attrs_post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidValue("name", "must not be empty", self.name)


class PriceSource(enum.Enum):
    LIST = "list"
    CONTRACT = "contract"
    MANUAL = "manual"


@attrs.frozen(kw_only=True)
class OrderLine:
    """One priced line of a cart, a quote or an order; every amount already rounded."""

    sku: str
    name: str
    unit: str
    quantity: int
    list_price: Decimal
    discount_percent: Decimal
    unit_price: Decimal
    price_source: PriceSource
    vat_rate: VatRate
    gross: Decimal
    vat: Decimal

    @property
    def net(self) -> Decimal:
        return self.gross - self.vat

    @property
    def list_amount(self) -> Decimal:
        return to_money(self.list_price * self.quantity)

    @property
    def discount_amount(self) -> Decimal:
        return self.list_amount - self.gross

    @classmethod
    def price(
        cls,
        product: Product,
        quantity: int,
        *,
        discount_percent: Decimal = ZERO,
        contract_price: Decimal | None = None,
        manual_price: Decimal | None = None,
    ) -> OrderLine:
        """Price ``quantity`` of ``product``; manual beats contract beats list minus discount."""
        qty = _quantity(quantity)
        discount = percent(discount_percent, field="discount_percent")
        if manual_price is not None:
            unit_price, source, discount = (
                non_negative_money(manual_price, field="unit_price"),
                PriceSource.MANUAL,
                ZERO,
            )
        elif contract_price is not None:
            unit_price, source, discount = (
                non_negative_money(contract_price, field="contract_price"),
                PriceSource.CONTRACT,
                ZERO,
            )
        else:
            unit_price = to_money(product.list_price * (100 - discount) / 100)
            source = PriceSource.LIST
        gross = to_money(unit_price * qty)
        return cls(
            sku=product.sku,
            name=product.name,
            unit=product.unit,
            quantity=qty,
            list_price=product.list_price,
            discount_percent=discount,
            unit_price=unit_price,
            price_source=source,
            vat_rate=product.vat_rate,
            gross=gross,
            vat=product.vat_rate.vat_included(gross),
        )

    def as_product(self) -> Product:
        return Product(
            sku=self.sku,
            name=self.name,
            list_price=self.list_price,
            vat_rate=self.vat_rate,
            unit=self.unit,
        )


@attrs.frozen(kw_only=True)
class DeliveryCharge:
    gross: Decimal = attrs.field(converter=_delivery_gross)
    vat_rate: VatRate = VatRate.VAT22

    @property
    def vat(self) -> Decimal:
        return self.vat_rate.vat_included(self.gross)


@attrs.frozen(kw_only=True)
class DeliveryTariff:
    """Flat delivery cost, free from a goods total; configuration."""

    base_cost: Decimal = attrs.field(default=Decimal("1500.00"), converter=_base_cost)
    free_from: Decimal | None = attrs.field(default=Decimal("100000.00"), converter=_free_from)
    vat_rate: VatRate = VatRate.VAT22

    def charge_for(self, goods_gross: Decimal) -> DeliveryCharge:
        free = self.free_from is not None and goods_gross >= self.free_from
        return DeliveryCharge(gross=ZERO if free else self.base_cost, vat_rate=self.vat_rate)


@attrs.frozen(kw_only=True)
class Totals:
    goods_gross: Decimal
    delivery_gross: Decimal
    gross: Decimal
    vat: Decimal
    vat_by_rate: tuple[tuple[VatRate, Decimal], ...]

    @property
    def net(self) -> Decimal:
        return self.gross - self.vat

    @classmethod
    def of(cls, lines: Iterable[OrderLine], delivery: DeliveryCharge) -> Totals:
        goods = ZERO
        by_rate: dict[VatRate, Decimal] = {}
        for line in lines:
            goods += line.gross
            by_rate[line.vat_rate] = by_rate.get(line.vat_rate, ZERO) + line.vat
        if delivery.gross:
            by_rate[delivery.vat_rate] = by_rate.get(delivery.vat_rate, ZERO) + delivery.vat
        return cls(
            goods_gross=goods,
            delivery_gross=delivery.gross,
            gross=goods + delivery.gross,
            vat=sum(by_rate.values(), ZERO),
            vat_by_rate=tuple(sorted(by_rate.items(), key=lambda kv: kv[0].value)),
        )


@attrs.frozen(kw_only=True)
class Quote:
    """A priced cart: every line with its price steps, delivery and totals."""

    lines: tuple[OrderLine, ...]
    delivery: DeliveryCharge
    discount_percent: Decimal

    @property
    def totals(self) -> Totals:
        return Totals.of(self.lines, self.delivery)


@attrs.frozen(kw_only=True)
class CartItem:
    sku: str = attrs.field(converter=_sku)
    quantity: int = attrs.field(converter=_quantity)


def quote_cart(
    items: Iterable[CartItem],
    *,
    products: Mapping[str, Product],
    discount_percent: Decimal,
    contract_prices: Mapping[str, Decimal],
    tariff: DeliveryTariff,
) -> Quote:
    """Price a cart for a client; unknown or inactive SKUs are refused by name."""
    merged: dict[str, int] = {}
    for item in items:
        merged[item.sku] = merged.get(item.sku, 0) + item.quantity
    if not merged:
        raise InvalidValue("lines", "an order needs at least one line")
    lines = []
    for sku, quantity in merged.items():
        product = products.get(sku)
        if product is None or not product.active:
            raise InvalidValue("sku", "is not in the catalogue", sku)
        lines.append(
            OrderLine.price(
                product,
                quantity,
                discount_percent=discount_percent,
                contract_price=contract_prices.get(sku),
            )
        )
    goods = sum((line.gross for line in lines), ZERO)
    return Quote(
        lines=tuple(lines),
        delivery=tariff.charge_for(goods),
        discount_percent=percent(discount_percent, field="discount_percent"),
    )
