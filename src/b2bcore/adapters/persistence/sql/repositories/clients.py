"""Corporate clients: one ``clients`` row each, plus their companies and contacts.

The companies' INN+KPP and the contacts' e-mails have tables of their own, so
the database itself keeps an INN+KPP with one client and an e-mail with one user.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from sqlalchemy import RowMapping, Table, select

from b2bcore.adapters.persistence.sql import codec
from b2bcore.adapters.persistence.sql.repositories.aggregates import (
    AggregateRepository,
    ChildRows,
)
from b2bcore.adapters.persistence.sql.tables import client_companies, client_contacts, clients
from b2bcore.domain.client import CorporateClient


class SqlClientRepository(AggregateRepository[CorporateClient]):
    kind = "client"
    table = clients
    children: ClassVar[dict[str, tuple[Table, str]]] = {
        "companies": (client_companies, "client_id"),
        "contacts": (client_contacts, "client_id"),
    }

    def _row(self, aggregate: CorporateClient) -> dict[str, Any]:
        return codec.client_row(aggregate)

    def _decode(self, rows: Sequence[RowMapping]) -> CorporateClient:
        return codec.client_from_row(rows[0])

    def _child_rows(self, aggregate: CorporateClient) -> ChildRows:
        return {
            "companies": codec.company_rows(aggregate),
            "contacts": codec.contact_rows(aggregate),
        }

    def find_by_company(self, inn: str, kpp: str) -> CorporateClient | None:
        key = (inn, kpp)
        owner = select(client_companies.c.client_id).where(
            client_companies.c.inn == inn, client_companies.c.kpp == kpp
        )
        return self._find(
            lambda client: any(c.requisites.tax_key == key for c in client.companies.values()),
            clients.c.id.in_(owner),
        )

    def find_by_contact_email(self, email: str) -> CorporateClient | None:
        wanted = email.strip().lower()
        owner = select(client_contacts.c.client_id).where(client_contacts.c.email == wanted)
        return self._find(
            lambda client: any(c.email == wanted for c in client.contacts.values()),
            clients.c.id.in_(owner),
        )

    def ids(self) -> Sequence[str]:
        stored = self._link.scalars(select(clients.c.id))
        return sorted({*stored, *(client.id for client in self.seen())})
