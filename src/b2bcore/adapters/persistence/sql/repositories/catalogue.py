"""Products, contract prices and managers: plain rows, no versions.

A product or a price is replaced by the last writer (an upsert); a manager is
added once and never changed. Pending writes are visible to the unit of work
that made them and stored by its commit.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Insert, Table, bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from b2bcore.adapters.persistence.sql import codec
from b2bcore.adapters.persistence.sql.integrity import execute
from b2bcore.adapters.persistence.sql.prepared import Prepared, RowData
from b2bcore.adapters.persistence.sql.repositories.link import Link
from b2bcore.adapters.persistence.sql.tables import contract_prices, managers, products
from b2bcore.adapters.persistence.sql.writes import Writes
from b2bcore.domain.client import Manager
from b2bcore.domain.errors import Conflict, NotFound
from b2bcore.domain.pricing import Product

# Built once: every quote runs them (see aggregates.py on prebuilt statements).
_PRODUCTS_BY_SKU = select(products).where(products.c.sku.in_(bindparam("b_skus", expanding=True)))
PREPARED_CART_SIZES = 64
"""Up to this many SKUs, a lookup is a :class:`.Prepared` statement with one parameter
per SKU (one per count, built on first use); a longer list goes through SQLAlchemy's
expanding ``IN``, rendered anew each time."""


@functools.lru_cache(maxsize=PREPARED_CART_SIZES)
def _products_by_skus(count: int) -> Prepared:
    return Prepared(
        select(products).where(products.c.sku.in_([bindparam(f"b_sku{n}") for n in range(count)]))
    )


_PRICES_OF_CLIENT = Prepared(
    select(contract_prices.c.sku, contract_prices.c.price).where(
        contract_prices.c.client_id == bindparam("b_client_id")
    )
)


def upsert(connection: Connection, table: Table, rows: list[dict[str, object]]) -> None:
    """INSERT, or UPDATE the row with the same primary key (both backends say it alike)."""
    if not rows:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    keys = [column.name for column in table.primary_key.columns]
    replaced = {name: statement.excluded[name] for name in rows[0] if name not in keys}
    upserting: Insert = statement.on_conflict_do_update(index_elements=keys, set_=replaced)
    execute(connection, upserting, table, {}, rows)


class SqlProductRepository:
    """The catalogue; an upsert replaces the product with the same SKU."""

    def __init__(self, link: Link) -> None:
        self._link = link
        self._pending: dict[str, Product] = {}

    def upsert(self, product: Product) -> None:
        self._pending[product.sku] = product

    def get_many(self, skus: Iterable[str]) -> Mapping[str, Product]:
        wanted = list(dict.fromkeys(skus))
        asked = [sku for sku in wanted if sku not in self._pending]
        rows: Sequence[RowData] = []
        prepared = self._prepared_read(asked)
        if prepared is not None:
            rows = self._link.rows(*prepared)
        elif asked:
            rows = self._link.rows(_PRODUCTS_BY_SKU, {"b_skus": asked})
        stored = {row["sku"]: codec.product_from_row(row) for row in rows}
        visible = {**stored, **self._pending}
        return {sku: visible[sku] for sku in wanted if sku in visible}

    def read_of(self, skus: Iterable[str]) -> tuple[Prepared, dict[str, Any]] | None:
        """The read :meth:`get_many` would run for ``skus``, if a prepared one, for
        :meth:`.Link.read_ahead`."""
        return self._prepared_read([sku for sku in dict.fromkeys(skus) if sku not in self._pending])

    @staticmethod
    def _prepared_read(asked: Sequence[str]) -> tuple[Prepared, dict[str, Any]] | None:
        if not 0 < len(asked) <= PREPARED_CART_SIZES:
            return None
        return _products_by_skus(len(asked)), {f"b_sku{n}": sku for n, sku in enumerate(asked)}

    def list(self, *, limit: int = 100, offset: int = 0) -> Sequence[Product]:
        statement = select(products).order_by(products.c.sku)
        if self._pending:
            statement = statement.where(products.c.sku.not_in(list(self._pending)))
            statement = statement.limit(offset + limit)
        else:
            statement = statement.limit(limit).offset(offset)
        stored = [codec.product_from_row(row) for row in self._link.rows(statement)]
        if not self._pending:
            return stored
        by_sku = sorted([*stored, *self._pending.values()], key=lambda product: product.sku)
        return by_sku[offset : offset + limit]

    def write(self, writes: Writes) -> None:
        rows = [codec.product_row(product) for _sku, product in sorted(self._pending.items())]
        if rows:
            upsert(writes.connection, products, rows)

    def has_changes(self) -> bool:
        return bool(self._pending)

    def committed(self) -> None:
        self._pending.clear()


class SqlContractPriceRepository:
    def __init__(self, link: Link) -> None:
        self._link = link
        self._pending: dict[tuple[str, str], Decimal] = {}  # (client id, SKU) -> price

    def prices_for(self, client_id: str) -> Mapping[str, Decimal]:
        rows = self._link.rows(*self.read_of(client_id))
        stored = {row["sku"]: row["price"] for row in rows}
        pending = {
            sku: price for (owner, sku), price in self._pending.items() if owner == client_id
        }
        return {**stored, **pending}

    @staticmethod
    def read_of(client_id: str) -> tuple[Prepared, dict[str, Any]]:
        """The read :meth:`prices_for` runs, for :meth:`.Link.read_ahead`."""
        return _PRICES_OF_CLIENT, {"b_client_id": client_id}

    def set_price(self, client_id: str, sku: str, price: Decimal) -> None:
        self._pending[(client_id, sku)] = price

    def write(self, writes: Writes) -> None:
        rows: list[dict[str, object]] = [
            {"client_id": client_id, "sku": sku, "price": price}
            for (client_id, sku), price in sorted(self._pending.items())
        ]
        if rows:
            upsert(writes.connection, contract_prices, rows)

    def has_changes(self) -> bool:
        return bool(self._pending)

    def committed(self) -> None:
        self._pending.clear()


class SqlManagerRepository:
    def __init__(self, link: Link) -> None:
        self._link = link
        self._pending: dict[str, Manager] = {}

    def add(self, manager: Manager) -> None:
        if manager.id in self._pending or self._stored([manager.id]):
            raise Conflict(f"manager {manager.id} already exists", id=manager.id)
        self._pending[manager.id] = manager

    def get(self, manager_id: str) -> Manager:
        if manager_id in self._pending:
            return self._pending[manager_id]
        found = self._stored([manager_id])
        if not found:
            raise NotFound(f"manager {manager_id} not found", id=manager_id)
        return found[0]

    def list(self) -> Sequence[Manager]:
        # Sorted here, not by the database, so the order never depends on a collation.
        everyone = {manager.id: manager for manager in self._stored(None)} | self._pending
        return sorted(everyone.values(), key=lambda manager: (manager.full_name, manager.id))

    def _stored(self, ids: Sequence[str] | None) -> Sequence[Manager]:
        statement = select(managers)
        if ids is not None:
            statement = statement.where(managers.c.id.in_(ids))
        return [codec.manager_from_row(row) for row in self._link.rows(statement)]

    def write(self, writes: Writes) -> None:
        for _id, manager in sorted(self._pending.items()):
            row = codec.manager_row(manager)
            execute(writes.connection, insert(managers), managers, row, row)

    def has_changes(self) -> bool:
        return bool(self._pending)

    def committed(self) -> None:
        self._pending.clear()
