"""Configuration: policies, tariffs and settings as data.

Read from a mapping (a parsed TOML file, for instance) through a private
cattrs converter; a bad value is reported with its path, e.g.
``discount.tiers[2].percent: must be between 0 and 100``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import cattrs

from b2bcore.application.context import SellerRequisites, Settings
from b2bcore.domain.autoprocessing import AutoProcessingPolicy
from b2bcore.domain.discount import DiscountPolicy
from b2bcore.domain.errors import InvalidValue
from b2bcore.domain.money import VatRate
from b2bcore.domain.pricing import DeliveryTariff


@attrs.frozen(kw_only=True)
class TierConfig:
    threshold: Decimal
    percent: Decimal


@attrs.frozen(kw_only=True)
class DiscountConfig:
    tiers: tuple[TierConfig, ...] = (
        TierConfig(threshold=Decimal(0), percent=Decimal(0)),
        TierConfig(threshold=Decimal(300_000), percent=Decimal(3)),
        TierConfig(threshold=Decimal(1_000_000), percent=Decimal(5)),
        TierConfig(threshold=Decimal(3_000_000), percent=Decimal(7)),
    )
    window_months: int = 3


@attrs.frozen(kw_only=True)
class AutoProcessingConfig:
    max_gross_total: Decimal | None = Decimal(300_000)
    max_lines: int | None = 3


@attrs.frozen(kw_only=True)
class DeliveryConfig:
    base_cost: Decimal = Decimal(1500)
    free_from: Decimal | None = Decimal(100_000)
    vat_rate: str = "22"


DEFAULT_DATABASE_URL = "sqlite:///b2bcore.db"
ENV_PREFIX = "B2B_"


@attrs.frozen(kw_only=True)
class Config:
    database_url: str | None = None
    """``None``: everything in memory (tests, the demo); else a SQLAlchemy URL."""
    discount: DiscountConfig = attrs.field(factory=DiscountConfig)
    autoprocessing: AutoProcessingConfig = attrs.field(factory=AutoProcessingConfig)
    delivery: DeliveryConfig = attrs.field(factory=DeliveryConfig)
    settings: Settings = attrs.field(factory=Settings)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Config:
        """Build from plain data; errors name the path of each bad value."""
        try:
            return _converter.structure(dict(data), cls)
        except cattrs.BaseValidationError as exc:
            raise InvalidValue("config", "; ".join(cattrs.transform_error(exc))) from None

    @classmethod
    def load(cls, path: Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
        """The TOML file at ``path`` (if any), then ``B2B_DATABASE_URL`` from the environment."""
        data: dict[str, Any] = {}
        if path is not None:
            try:
                data = tomllib.loads(path.read_text("utf-8"))
            except OSError as exc:
                raise InvalidValue("config", f"cannot read {path}: {exc.strerror}") from None
            except tomllib.TOMLDecodeError as exc:
                raise InvalidValue("config", f"{path} is not valid TOML: {exc}") from None
        env = os.environ if environ is None else environ
        if env.get(f"{ENV_PREFIX}DATABASE_URL"):
            data["database_url"] = env[f"{ENV_PREFIX}DATABASE_URL"]
        return cls.from_mapping(data)

    def discount_policy(self) -> DiscountPolicy:
        return DiscountPolicy.from_tiers(
            ((t.threshold, t.percent) for t in self.discount.tiers),
            window_months=self.discount.window_months,
        )

    def autoprocessing_policy(self) -> AutoProcessingPolicy:
        return AutoProcessingPolicy.from_config(
            max_gross_total=self.autoprocessing.max_gross_total,
            max_lines=self.autoprocessing.max_lines,
        )

    def tariff(self) -> DeliveryTariff:
        return DeliveryTariff(
            base_cost=self.delivery.base_cost,
            free_from=self.delivery.free_from,
            vat_rate=VatRate.parse(self.delivery.vat_rate, field="delivery.vat_rate"),
        )


def _structure_decimal(value: Any, _: type) -> Decimal:
    if isinstance(value, float | bool):
        raise ValueError("write amounts as strings or integers, never floats")
    return Decimal(str(value))


_converter = cattrs.Converter(forbid_extra_keys=True)
_converter.register_structure_hook(Decimal, _structure_decimal)

__all__ = ["Config", "SellerRequisites", "Settings"]
