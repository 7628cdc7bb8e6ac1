"""Corporate clients: one ``clients`` row each, plus their companies and contacts.

The companies' INN+KPP and the contacts' e-mails have tables of their own, so
the database itself keeps an INN+KPP with one client and an e-mail with one user.

Discounts are also set in bulk (:meth:`SqlClientRepository.apply_discounts`):
a client this unit of work does not hold is then never loaded, only its row is
updated with a version check (:mod:`.discount_updates`). Should it be loaded later in
the same unit of work, the pending change moves onto the loaded aggregate, so a
client is only ever written one way.

The manager's search reads summaries, never whole clients (:mod:`.client_search`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

import attrs
from sqlalchemy import Integer, Table, bindparam, select, type_coerce

from b2bcore.adapters.persistence.sql import codec
from b2bcore.adapters.persistence.sql.prepared import Prepared, RowData
from b2bcore.adapters.persistence.sql.repositories import client_search, discount_updates
from b2bcore.adapters.persistence.sql.repositories.aggregates import (
    AggregateRepository,
    ChildRows,
)
from b2bcore.adapters.persistence.sql.repositories.link import Link
from b2bcore.adapters.persistence.sql.tables import client_companies, client_contacts, clients
from b2bcore.adapters.persistence.sql.types import Percent
from b2bcore.adapters.persistence.sql.writes import Writes
from b2bcore.domain.client import CorporateClient, Role
from b2bcore.domain.discount import DiscountPolicy
from b2bcore.domain.errors import InvariantViolation, NotFound
from b2bcore.domain.money import percent
from b2bcore.ports.repositories import ClientPage, DiscountRecomputation, reach_of

_PERCENT = Percent()
_DOC = Prepared(select(clients.c.doc).where(clients.c.id == bindparam("b_id")))


@functools.lru_cache(maxsize=64)
def _checked_decimal(value: Decimal) -> Decimal:
    return percent(value, field="discount_percent")


def _checked_percent(value: Decimal) -> Decimal:
    """``percent(value)``; a recomputation sets a handful of distinct values on many
    clients, so a finite Decimal is checked once (anything else every time)."""
    if type(value) is Decimal and value.is_finite():
        return _checked_decimal(value)
    return percent(value, field="discount_percent")


@attrs.define
class _Recomputation:
    policy: DiscountPolicy
    start: date
    end: date
    now: datetime
    result: DiscountRecomputation
    changes: dict[str, tuple[Decimal, Decimal]] | None = None


class SqlClientRepository(AggregateRepository[CorporateClient]):
    kind = "client"
    table = clients
    children: ClassVar[dict[str, tuple[Table, str]]] = {
        "companies": (client_companies, "client_id"),
        "contacts": (client_contacts, "client_id"),
    }

    def __init__(self, link: Link) -> None:
        super().__init__(link)
        self._listed: dict[str, tuple[Decimal, int]] = {}  # by discounts(): (discount, version)
        self._discount_changes: dict[str, discount_updates.DiscountChange] = {}
        self._recomputation: _Recomputation | None = None

    def _row(self, aggregate: CorporateClient) -> dict[str, Any]:
        return codec.client_row(aggregate)

    def _decode(self, rows: Sequence[RowData]) -> CorporateClient:
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

    def reach(self, client_id: str, contact_id: str | None = None) -> frozenset[str] | None:
        """From the stored document's companies and contacts, without building the client
        (its requisites, addresses, bank accounts): as :meth:`CorporateClient.companies_for`
        reads them (``codec`` stores a client's companies and contacts by id)."""
        held = self._seen.get(client_id)
        if held is not None:
            return reach_of(held, contact_id)
        docs = self._link.scalars(_DOC, {"b_id": client_id})
        if not docs:
            raise NotFound(f"{self.kind} {client_id} not found", id=client_id)
        companies, contacts = docs[0]["companies"], docs[0]["contacts"]
        if contact_id is None:
            return frozenset(companies)
        contact = contacts.get(contact_id)
        if contact is None or not contact["active"]:
            return None
        if contact["role"] == Role.SUPERVISOR.value:
            return frozenset(companies)
        return frozenset(contact["company_ids"]).intersection(companies)

    def ids(self) -> Sequence[str]:
        stored = self._link.scalars(select(clients.c.id))
        return sorted({*stored, *(client.id for client in self.seen())})

    def search(
        self, text: str = "", *, manager_id: str | None = None, limit: int = 50, offset: int = 0
    ) -> ClientPage:
        """One statement, the page with the total (see :mod:`.client_search`)."""
        page, count = client_search.statements(self._link.dialect, text, manager_id, limit, offset)
        rows = self._link.rows(page)
        if rows:
            total = rows[0]["total"]
        else:  # no row to carry the total: count only when past the end
            total = self._link.scalars(count)[0] if offset > 0 or limit <= 0 else 0
        return ClientPage(rows=tuple(map(client_search.summary, rows)), total=total)

    def discounts(self) -> Mapping[str, Decimal]:
        listed = self._stored_discounts()
        self._listed.update(listed)
        found = {client_id: discount for client_id, (discount, _version) in listed.items()}
        for change in self._discount_changes.values():
            found[change.client_id] = change.new
        for client in self._seen.values():
            found[client.id] = client.discount_percent
        return found

    def apply_discounts(self, changes: Mapping[str, Decimal], *, now: datetime) -> None:
        wanted = {cid: _checked_percent(value) for cid, value in changes.items()}
        unlisted = [cid for cid in wanted if cid not in self._seen and cid not in self._listed]
        if unlisted:
            self._listed.update(self._stored_discounts(unlisted))
            missing = sorted(set(unlisted) - self._listed.keys())
            if missing:
                raise NotFound(f"client {missing[0]} not found", id=missing[0])
        for client_id, new in wanted.items():
            if client_id in self._discount_changes:  # set twice: the second goes through get()
                self.get(client_id)
            held = self._seen.get(client_id)
            if held is not None:
                held.set_discount(new, now=now)
                continue
            old, version = self._listed[client_id]
            if new != old:
                self._discount_changes[client_id] = discount_updates.DiscountChange(
                    client_id=client_id, old=old, new=new, version=version, now=now
                )

    def recompute_discounts(
        self, policy: DiscountPolicy, *, today: date, now: datetime
    ) -> DiscountRecomputation:
        """Nothing is read now: the commit does all of it in the database
        (:func:`.discount_updates.recompute`)."""
        if self._seen or self._listed or self._discount_changes or self._recomputation:
            raise InvariantViolation("discounts are recomputed in a unit of work of their own")
        start, end = policy.window(today)
        result = DiscountRecomputation()
        self._recomputation = _Recomputation(policy, start, end, now, result)
        return result

    def _stored_discounts(
        self, client_ids: Sequence[str] | None = None
    ) -> dict[str, tuple[Decimal, int]]:
        """``(discount, version)`` of the clients named, or of every client.

        Read as whole hundredths and made Decimals once per distinct value: a
        hundred thousand clients share a handful of discounts."""
        statement = select(
            clients.c.id, type_coerce(clients.c.discount_percent, Integer), clients.c.version
        )
        if client_ids is None:
            pages = [statement]
        else:
            size = discount_updates.BATCH
            pages = [
                statement.where(clients.c.id.in_(client_ids[start : start + size]))
                for start in range(0, len(client_ids), size)
            ]
        decimals: dict[int, Decimal] = {}
        found: dict[str, tuple[Decimal, int]] = {}
        for page in pages:
            for row in self._link.tuples(page):
                client_id, hundredths, version = row[0], row[1], row[2]
                discount = decimals.get(hundredths)
                if discount is None:
                    made = _PERCENT.process_result_value(hundredths, self._link.dialect)
                    assert made is not None  # the column is NOT NULL
                    discount = decimals[hundredths] = made
                found[client_id] = (discount, version)
        return found

    def _remember(self, rows: Sequence[RowData]) -> CorporateClient:
        """A client loaded after a bulk change of its discount takes the change over,
        checked against the version the change was based on."""
        client = super()._remember(rows)
        pending = self._discount_changes.pop(client.id, None)
        if pending is not None:
            self._loaded_versions[client.id] = pending.version
            client.set_discount(pending.new, now=pending.now)
        return client

    # -- writing ------------------------------------------------------------------

    def has_changes(self) -> bool:
        return (
            super().has_changes() or bool(self._discount_changes) or self._recomputation is not None
        )

    def write(self, writes: Writes) -> None:
        super().write(writes)
        if self._discount_changes:
            discount_updates.write(writes.connection, self._discount_changes.values())
        if self._recomputation is not None:
            wanted = self._recomputation
            wanted.changes = discount_updates.recompute(
                writes.connection, wanted.policy, wanted.start, wanted.end, wanted.now
            )

    def committed(self) -> None:
        super().committed()
        if self._recomputation is not None:
            done, self._recomputation = self._recomputation, None
            done.result.committed(done.changes or {})
        for change in self._discount_changes.values():
            self._listed[change.client_id] = (change.new, change.version + 1)
        self._discount_changes = {}
