"""Settings of the SAP OData adapter: where the services are and which SAP codes to use.

Every organisational code and every service path is configuration, because no
two SAP installations agree on them (``INTEGRATIONS.md``: *unverified*). The
defaults are the published S/4HANA API paths; the organisational codes have no
default, so a forgotten one is reported when the configuration is read rather
than as a 400 from SAP on the first order.
"""

from __future__ import annotations

import re
from datetime import timedelta, timezone
from typing import Any

import attrs

from b2bcore.adapters.settings import between, http_url, not_blank, one_of, positive

AUTH_MODES = ("basic", "oauth2")
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


def utc_offset(_: object, attribute: attrs.Attribute[Any], value: str) -> None:
    match = _OFFSET.match(value)
    if match is None or int(match[2]) > 14 or int(match[3]) > 59:
        raise ValueError(f"{attribute.name}: must look like +03:00 (got {value!r})")


def service_path(_: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if not value.startswith("/") or value.endswith("/") or "?" in value:
        raise ValueError(
            f"{attribute.name}: must start with / and end without / or a query (got {value!r})"
        )


def parse_offset(value: str) -> timezone:
    """``+03:00`` as a fixed-offset time zone (validated by :func:`utc_offset`)."""
    match = _OFFSET.match(value)
    assert match is not None
    sign = -1 if match[1] == "-" else 1
    return timezone(sign * timedelta(hours=int(match[2]), minutes=int(match[3])))


_code = [not_blank]
_path = [service_path]


@attrs.frozen(kw_only=True)
class SapSettings:
    """The ``[sap]`` section of the configuration; the secret comes from the environment.

    ``B2B_SAP_PASSWORD`` with ``auth = "basic"``, ``B2B_SAP_CLIENT_SECRET`` with
    ``auth = "oauth2"`` (client credentials at ``token_url``).
    """

    base_url: str = attrs.field(validator=http_url)
    auth: str = attrs.field(default="basic", validator=one_of(AUTH_MODES))
    username: str = ""
    token_url: str = ""
    client_id: str = ""
    sap_client: str = ""
    """Sent as ``sap-client`` on every request when set (the logon client, e.g. ``100``)."""

    sales_order_service: str = attrs.field(
        default="/sap/opu/odata/sap/API_SALES_ORDER_SRV", validator=_path
    )
    stock_service: str = attrs.field(
        default="/sap/opu/odata/sap/API_MATERIAL_STOCK_SRV", validator=_path
    )
    delivery_service: str = attrs.field(
        default="/sap/opu/odata/sap/API_OUTBOUND_DELIVERY_SRV;v=0002", validator=_path
    )
    business_partner_service: str = attrs.field(
        default="/sap/opu/odata/sap/API_BUSINESS_PARTNER", validator=_path
    )
    intervals_service: str = attrs.field(
        default="/sap/opu/odata/sap/ZB2B_DELIVERY_SLOT_SRV/DeliverySlots", validator=_path
    )
    """The entity set of delivery slots: a custom service, format in docs/integrations.md."""

    sales_order_type: str = attrs.field(default="OR", validator=_code)
    sales_organization: str = attrs.field(validator=_code)
    distribution_channel: str = attrs.field(validator=_code)
    organization_division: str = attrs.field(validator=_code)
    plant: str = attrs.field(validator=_code)
    storage_location: str = attrs.field(validator=_code)
    shipping_point: str = attrs.field(validator=_code)
    sold_to_party: str = ""
    """A fixed sold-to party for every order; empty: found by the buyer's INN."""
    inn_tax_type: str = attrs.field(default="RU1", validator=_code)
    customer_reference_field: str = attrs.field(default="PurchaseOrderByCustomer", validator=_code)
    unrestricted_stock_type: str = attrs.field(default="01", validator=_code)
    release_rejection_reason: str = attrs.field(default="10", validator=_code)
    shortage_rejection_reason: str = attrs.field(default="01", validator=_code)
    address_text_element: str = "0001"
    """Delivery header text that carries the delivery address; empty: not sent."""
    text_language: str = attrs.field(default="RU", validator=_code)
    utc_offset: str = attrs.field(default="+03:00", validator=utc_offset)
    """The plant's offset from UTC: SAP dates and times are local to it."""

    timeout: float = attrs.field(default=10.0, validator=positive)
    max_response_bytes: int = attrs.field(
        default=4 * 1024 * 1024, validator=between(1024, 256 * 1024 * 1024)
    )
    read_attempts: int = attrs.field(default=2, validator=between(1, 5))

    def __attrs_post_init__(self) -> None:
        if self.auth == "basic" and not self.username.strip():
            raise ValueError("username: required when auth is basic")
        if self.auth == "oauth2":
            for name in ("token_url", "client_id"):
                if not getattr(self, name).strip():
                    raise ValueError(f"{name}: required when auth is oauth2")
            http_url(self, attrs.fields(SapSettings).token_url, self.token_url)

    @property
    def timezone(self) -> timezone:
        return parse_offset(self.utc_offset)
