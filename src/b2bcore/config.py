"""Configuration: policies, tariffs, settings and the external systems, as data.

Read from one TOML file through a private cattrs converter, then
``B2B_<SECTION>_<KEY>`` environment variables override scalar keys of the
system sections (``B2B_DADATA_BASE_URL``), and ``B2B_DATABASE_URL`` the
database. A bad value is reported with its path, e.g.
``timeout: must be a positive number (got -1) @ $.dadata``.

A system section (``[dadata]``, ``[sap]``, ``[onec]``, ``[edms]``, ``[smtp]``)
switches that system to its real adapter; without it the in-memory simulator
is used. Secrets are read only from the environment (``B2B_DADATA_API_KEY``,
``B2B_SAP_PASSWORD``, ...): a password, token, secret or API key in the file is
refused. ``docs/integrations.md`` lists every key.
"""

from __future__ import annotations

import os
import tomllib
import types
import typing
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import cattrs

from b2bcore.adapters.dadata.http import DadataSettings
from b2bcore.adapters.edms.http import EdmsSettings
from b2bcore.adapters.mail.smtp import SmtpSettings
from b2bcore.adapters.onec.odata_settings import OnecSettings
from b2bcore.adapters.persistence.sql.numbering import MAX_BLOCK as MAX_NUMBER_BLOCK
from b2bcore.adapters.sap.odata_settings import SapSettings
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
DEFAULT_DOCUMENTS_PATH = "b2bcore-documents"
ENV_PREFIX = "B2B_"


def _number_block(_instance: object, _attribute: object, value: int) -> None:
    if not 1 <= value <= MAX_NUMBER_BLOCK:
        raise ValueError(f"number_block: must be from 1 to {MAX_NUMBER_BLOCK} (got {value})")


@attrs.frozen(kw_only=True)
class Config:
    database_url: str | None = None
    """``None``: everything in memory (tests, the demo); else a SQLAlchemy URL."""
    documents_path: str | None = None
    """The folder of stored documents (invoice PDFs, УПД); with a database and no
    folder named, ``DEFAULT_DOCUMENTS_PATH``; in memory when everything is."""
    discount: DiscountConfig = attrs.field(factory=DiscountConfig)
    autoprocessing: AutoProcessingConfig = attrs.field(factory=AutoProcessingConfig)
    delivery: DeliveryConfig = attrs.field(factory=DeliveryConfig)
    settings: Settings = attrs.field(factory=Settings)
    dadata: DadataSettings | None = None
    """Company lookup at DaData; ``None``: the in-memory company directory."""
    sap: SapSettings | None = None
    """The ERP over SAP OData; ``None``: the ERP simulator."""
    onec: OnecSettings | None = None
    """Accounting over 1C's standard OData; ``None``: the in-memory ledger."""
    edms: EdmsSettings | None = None
    """Document management over HTTP; ``None``: the in-memory one."""
    smtp: SmtpSettings | None = None
    """Mail over SMTP; ``None``: the outbox."""
    number_block: int = attrs.field(default=10, validator=_number_block)
    """Order numbers a process takes from the database at a time (as a sequence's
    ``CACHE``): one statement per block instead of one per order. Numbers stay
    unique; orders placed by several processes at once are then not numbered in
    time order, and a stopped process leaves the rest of its block unused. 1:
    every number drawn when it is needed."""

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Config:
        """Build from plain data; errors name the path of each bad value."""
        _refuse_secrets(data)
        try:
            return _converter.structure(dict(data), cls)
        except cattrs.BaseValidationError as exc:
            errors = cattrs.transform_error(exc, format_exception=_format_error)
            raise InvalidValue("config", "; ".join(errors)) from None

    @classmethod
    def load(cls, path: Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
        """The TOML file at ``path`` (if any), then the ``B2B_*`` environment overrides."""
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
        return cls.from_mapping(_with_overrides(data, env))

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


def _format_error(exc: BaseException, type_: type | None) -> str:
    """A validator's own message (``timeout: must be a positive number``) as it is."""
    if type(exc) is ValueError and exc.args:
        return str(exc)
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        return f"unknown keys: {', '.join(sorted(exc.extra_fields))}"
    return cattrs.v.format_exception(exc, type_)


# -- the external systems ------------------------------------------------------------

SYSTEMS: dict[str, type[Any]] = {
    "dadata": DadataSettings,
    "sap": SapSettings,
    "onec": OnecSettings,
    "edms": EdmsSettings,
    "smtp": SmtpSettings,
}
"""Each system section and its settings class, in the order ``b2b check`` reports."""

SECRETS = {
    "dadata.api_key": "B2B_DADATA_API_KEY",
    "sap.password": "B2B_SAP_PASSWORD",
    "sap.client_secret": "B2B_SAP_CLIENT_SECRET",
    "onec.password": "B2B_ONEC_PASSWORD",
    "edms.token": "B2B_EDMS_TOKEN",
    "smtp.password": "B2B_SMTP_PASSWORD",
}
"""Where each secret comes from; the same key in the file is refused."""

_SECRET_WORDS = {"password", "passwd", "secret", "token", "apikey", "credentials"}


def _is_secret(key: str) -> bool:
    words = key.lower().replace("-", "_")
    return words.rsplit("_", 1)[-1] in _SECRET_WORDS or words.endswith(("api_key", "private_key"))


def _refuse_secrets(data: Mapping[str, Any], path: str = "") -> None:
    """Refuse a secret-looking key anywhere in the file: secrets live in the environment."""
    for key, value in data.items():
        here = f"{path}.{key}" if path else str(key)
        if _is_secret(str(key)):
            source = SECRETS.get(here, "an environment variable")
            raise InvalidValue(
                "config", f"{here}: secrets are read only from the environment, set {source}"
            )
        if isinstance(value, Mapping):
            _refuse_secrets(value, here)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, Mapping):
                    _refuse_secrets(item, f"{here}[{i}]")


def _boolean(text: str) -> bool:
    value = text.lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(text)


_SCALARS: dict[object, Callable[[str], object]] = {
    str: str,
    int: int,
    float: float,
    bool: _boolean,
    Decimal: Decimal,
}


def _with_overrides(data: dict[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """``B2B_<SECTION>_<KEY>`` for each scalar key of each system section; an override
    of a section the file lacks adds the section (so a system can be switched on
    from the environment alone)."""
    for section, settings in SYSTEMS.items():
        for field in attrs.fields(attrs.resolve_types(settings)):
            name = f"{ENV_PREFIX}{section.upper()}_{field.name.upper()}"
            if name not in env:
                continue
            convert = _scalar(field.type)
            if convert is None:
                raise InvalidValue(
                    "config", f"{name}: {section}.{field.name} is not a single value"
                )
            table = data.setdefault(section, {})
            if not isinstance(table, dict):
                raise InvalidValue("config", f"{section}: must be a table")
            try:
                table[field.name] = convert(env[name].strip())
            except (ValueError, ArithmeticError):
                raise InvalidValue(
                    "config", f"{name}: not a valid {section}.{field.name}"
                ) from None
    return data


def _scalar(type_: object) -> Callable[[str], object] | None:
    """How to read an environment string as ``type_``; ``None`` if it is not a scalar."""
    if type_ in _SCALARS:
        return _SCALARS[type_]
    args = [a for a in typing.get_args(type_) if a is not type(None)]
    if typing.get_origin(type_) in (types.UnionType, typing.Union) and len(args) == 1:
        inner = _scalar(args[0])
        if inner is not None:
            return lambda text: inner(text) if text else None
    return None


__all__ = ["SYSTEMS", "Config", "SellerRequisites", "Settings"]
