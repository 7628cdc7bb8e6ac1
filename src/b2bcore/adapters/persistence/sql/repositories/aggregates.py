"""An identity map over one table of versioned aggregates, with optimistic locking.

A unit of work loads an aggregate once (``get`` twice returns the same object)
and remembers the version it read. On commit every aggregate whose version moved
is written: a new one is INSERTed, a loaded one UPDATEd ``WHERE id = :id AND
version = :loaded``. No row updated means someone else committed a change in
between: :class:`~b2bcore.domain.errors.Conflict`, and the whole commit rolls back.
Child rows (an order's lines, a client's companies and contacts) are rewritten
only when they differ from what was loaded.

``add`` does not ask the database whether the id is taken: the primary key
refuses a duplicate at commit, as ``Conflict("order … already exists")``
(:mod:`.integrity`), in the same commit that would have stored it. Asking first
would cost every insert a round trip and still leave the race to the key.

The statements a repository runs for every aggregate (get by id, insert, the
versioned update, a child table's rewrite) are built once per class and
:class:`.Prepared`: compiled once, run on the driver's cursor. Writes go through
the commit's :class:`.Writes`, which on PostgreSQL sends them in one batch and
checks the versioned update's row count when the results are in.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    UniqueConstraint,
    bindparam,
    delete,
    insert,
    select,
)
from sqlalchemy import update as sql_update

from b2bcore.adapters.persistence.sql.prepared import Prepared, RowData
from b2bcore.adapters.persistence.sql.repositories.link import Link
from b2bcore.adapters.persistence.sql.writes import Writes
from b2bcore.domain.client import CorporateClient
from b2bcore.domain.errors import Conflict, NotFound
from b2bcore.domain.order import Order
from b2bcore.domain.tasks import ManagerTask

A = TypeVar("A", CorporateClient, Order, ManagerTask)
ChildRows = dict[str, list[dict[str, Any]]]  # child table name -> its rows for one aggregate


class AggregateRepository(abc.ABC, Generic[A]):
    kind: ClassVar[str]
    table: ClassVar[Table]
    children: ClassVar[Mapping[str, tuple[Table, str]]] = {}
    """Child tables by name, each with the column that refers to the aggregate."""

    # Built once per concrete repository class (see __init_subclass__).
    _by_id: ClassVar[Prepared]
    _insert_row: ClassVar[Prepared]
    _update_row: ClassVar[Prepared]
    _child_statements: ClassVar[Mapping[str, tuple[Prepared, Prepared]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if getattr(cls, "table", None) is None:
            return
        table = cls.table
        cls._by_id = Prepared(cls._statement(select(table).where(table.c.id == bindparam("b_id"))))
        cls._insert_row = Prepared(insert(table))
        # SET comes from the parameters' column names; WHERE from the b_ ones.
        cls._update_row = Prepared(
            sql_update(table).where(
                table.c.id == bindparam("b_id"), table.c.version == bindparam("b_loaded")
            )
        )
        cls._child_statements = {
            name: (
                Prepared(insert(child)),
                Prepared(delete(child).where(child.c[parent] == bindparam("b_parent"))),
            )
            for name, (child, parent) in cls.children.items()
        }

    def __init__(self, link: Link) -> None:
        self._link = link
        self._seen: dict[str, A] = {}
        self._loaded_versions: dict[str, int | None] = {}  # None: added by this unit of work
        self._loaded_children: dict[str, ChildRows] = {}
        self._writing: list[A] = []
        self._written_children: dict[str, ChildRows] = {}  # by the commit being written

    # -- what a subclass says ---------------------------------------------------

    @abc.abstractmethod
    def _row(self, aggregate: A) -> dict[str, Any]:
        """The main table's values."""

    @abc.abstractmethod
    def _decode(self, rows: Sequence[RowData]) -> A:
        """The aggregate from the rows :meth:`_statement` gave for it."""

    def _child_rows(self, _aggregate: A) -> ChildRows:
        """Rows of the child tables, by table name; none by default."""
        return {}

    @classmethod
    def _statement(cls, page: Select[Any]) -> Select[Any]:
        """What to run for a page of main-table rows (a join would give several rows an
        aggregate, which :meth:`_load` groups by ``id``)."""
        return page

    def _describe(self, aggregate: A) -> str:
        return f"{self.kind} {aggregate.id}"

    # -- the repository port ------------------------------------------------------

    def add(self, aggregate: A) -> None:
        """Hold a new aggregate; one whose id is stored already fails the commit (see above)."""
        if aggregate.id in self._seen:
            raise Conflict(f"{self.kind} {aggregate.id} already exists", id=aggregate.id)
        self._seen[aggregate.id] = aggregate
        self._loaded_versions[aggregate.id] = None

    def get(self, aggregate_id: str) -> A:
        if aggregate_id in self._seen:
            return self._seen[aggregate_id]
        rows = self._link.rows(self._by_id, {"b_id": aggregate_id})
        if not rows:
            raise NotFound(f"{self.kind} {aggregate_id} not found", id=aggregate_id)
        return self._load(rows)[0]

    def read_of(self, aggregate_id: str) -> tuple[Prepared, dict[str, Any]] | None:
        """The read :meth:`get` would run for ``aggregate_id`` (none if it is held), for
        :meth:`.Link.read_ahead`."""
        return None if aggregate_id in self._seen else (self._by_id, {"b_id": aggregate_id})

    def seen(self) -> Iterable[A]:
        """The aggregates this unit of work has loaded or added."""
        return self._seen.values()

    # -- reading ------------------------------------------------------------------

    def _fetch(
        self,
        *where: ColumnElement[bool],
        order_by: Sequence[ColumnElement[Any]] = (),
        limit: int | None = None,
        offset: int | None = None,
    ) -> list[A]:
        """Aggregates whose main rows match ``where``, in ``order_by``; loaded ones as loaded."""
        page = select(self.table).where(*where).order_by(*order_by).limit(limit).offset(offset)
        return self._load(self._link.rows(self._statement(page)))

    def _load(self, rows: Sequence[RowData]) -> list[A]:
        """The aggregates of ``rows`` (as :meth:`_statement` gave them), in their order; one
        this unit of work holds already is returned as held, not decoded again."""
        found = []
        for group in _groups(rows):
            held = self._seen.get(group[0]["id"])
            found.append(held if held is not None else self._remember(group))
        return found

    def _unseen(self) -> list[ColumnElement[bool]]:
        """A condition leaving out what this unit of work holds (its state may have moved)."""
        return [self.table.c.id.not_in(list(self._seen))] if self._seen else []

    def _find(self, matches: Callable[[A], bool], *where: ColumnElement[bool]) -> A | None:
        """The first aggregate ``matches`` as held here, else as stored and matching ``where``."""
        held = next((a for a in self._seen.values() if matches(a)), None)
        if held is not None:
            return held
        found = self._fetch(*where, *self._unseen(), limit=1)
        return found[0] if found else None

    def _remember(self, rows: Sequence[RowData]) -> A:
        aggregate = self._decode(rows)
        self._seen[aggregate.id] = aggregate
        self._loaded_versions[aggregate.id] = aggregate.version
        self._loaded_children[aggregate.id] = self._child_rows(aggregate)
        return aggregate

    # -- writing ------------------------------------------------------------------

    def has_changes(self) -> bool:
        return bool(self._changed())

    def _changed(self) -> list[A]:
        """Added or changed since loaded (its version moved), in one lock order for all writers."""
        changed = [a for a in self._seen.values() if a.version != self._loaded_versions[a.id]]
        return sorted(changed, key=lambda a: a.id)

    def write(self, writes: Writes) -> None:
        self._writing = self._changed()
        self._written_children = {}
        for aggregate in self._writing:
            if self._loaded_versions[aggregate.id] is None:
                self._insert(writes, aggregate)
            else:
                self._update(writes, aggregate)

    def committed(self) -> None:
        for aggregate in self._writing:
            self._loaded_versions[aggregate.id] = aggregate.version
            self._loaded_children[aggregate.id] = self._written_children[aggregate.id]
        self._writing = []
        self._written_children = {}

    def _insert(self, writes: Writes, aggregate: A) -> None:
        row = self._row(aggregate)
        writes.run(self._insert_row, row, table=self.table)
        children = self._written_children[aggregate.id] = self._child_rows(aggregate)
        for name, rows in children.items():
            self._insert_children(writes, name, rows)

    def _update(self, writes: Writes, aggregate: A) -> None:
        row = self._row(aggregate)
        changes = {name: value for name, value in row.items() if name != "id"}
        loaded = self._loaded_versions[aggregate.id]
        parameters = {**changes, "b_id": aggregate.id, "b_loaded": loaded}
        description = self._describe(aggregate)

        def changed_meanwhile() -> Conflict:
            return Conflict(
                f"{description} was changed by someone else; reload and try again",
                id=aggregate.id,
            )

        writes.run(
            self._update_row,
            parameters,
            table=self.table,
            values=row,
            expect_one=changed_meanwhile,
        )
        loaded_children = self._loaded_children.get(aggregate.id, {})
        children = self._written_children[aggregate.id] = self._child_rows(aggregate)
        for name, rows in children.items():
            if rows != loaded_children.get(name):
                table, _parent = self.children[name]
                _insert, remove = self._child_statements[name]
                writes.run(remove, {"b_parent": aggregate.id}, table=table)
                self._insert_children(writes, name, rows)

    def _insert_children(self, writes: Writes, name: str, rows: list[dict[str, Any]]) -> None:
        table, _parent = self.children[name]
        statement, _delete = self._child_statements[name]
        if not rows:
            return
        if any(isinstance(c, UniqueConstraint) for c in table.constraints):
            for row in rows:  # one by one, so the message names the refused row
                writes.run(statement, row, table=table)
        else:
            writes.run_many(statement, rows, table=table)


def _groups(rows: Sequence[RowData]) -> Iterator[list[RowData]]:
    """Consecutive rows of one aggregate (an order and its lines arrive as several)."""
    group: list[RowData] = []
    for row in rows:
        if group and row["id"] != group[0]["id"]:
            yield group
            group = []
        group.append(row)
    if group:
        yield group
