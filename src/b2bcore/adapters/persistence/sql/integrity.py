"""Integrity errors as domain errors, worded from the violated constraint's name.

A unique or primary key violation is a :class:`~b2bcore.domain.errors.Conflict`
("order number ЗК-2026-000001 is already taken"): two people, or two units of
work, wanted the same thing. A foreign key, CHECK or NOT NULL violation is an
:class:`~b2bcore.domain.errors.InvariantViolation`: the domain should never have
produced the row, and the database refused it rather than store it.

PostgreSQL names the constraint (``diag.constraint_name``); SQLite names the
columns of a unique constraint and the name of a CHECK, and says nothing about
which foreign key failed, so those messages list every reference of the row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    CursorResult,
    Executable,
    ForeignKeyConstraint,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
)
from sqlalchemy.exc import DBAPIError, IntegrityError

from b2bcore.adapters.persistence.sql.prepared import Prepared
from b2bcore.domain.errors import Conflict, DomainError, InvariantViolation

Values = Mapping[str, Any]


def _tax_key_taken(values: Values) -> str:
    kpp = f" KPP {values['kpp']}" if values.get("kpp") else ""
    return f"INN {values['inn']}{kpp} already belongs to another client"


UNIQUE_MESSAGES: dict[str, Callable[[Values], str]] = {
    "pk_managers": lambda v: f"manager {v['id']} already exists",
    "pk_clients": lambda v: f"client {v['id']} already exists",
    "pk_client_companies": lambda v: f"company {v['company_id']} already exists",
    "uq_client_companies_inn_kpp": _tax_key_taken,
    "pk_client_contacts": lambda v: f"contact {v['contact_id']} already exists",
    "uq_client_contacts_email": lambda v: f"a user with email {v['email']} already exists",
    "pk_orders": lambda v: f"order {v['id']} already exists",
    "uq_orders_number": lambda v: f"order number {v['number']} is already taken",
    "uq_orders_invoice_number": lambda v: f"invoice number {v['invoice_number']} is already taken",
    "pk_manager_tasks": lambda v: f"task {v['id']} already exists",
    "pk_outbox": lambda v: f"outbox message {v['id']} already exists",
    "pk_logins": lambda v: f"login {v['id']} already exists",
    "uq_logins_email": lambda v: f"a login with email {v['email']} already exists",
    "pk_login_tokens": lambda _: "the token already exists",
}
"""Every unique constraint a user can run into, worded for them."""


def execute(
    connection: Connection,
    statement: Executable,
    table: Table,
    values: Values,
    parameters: Values | Sequence[Values] | None = None,
) -> CursorResult[Any]:
    """Execute a write into ``table``; an integrity error becomes the domain error it
    means, worded with ``values`` (the row being written, as far as it is known)."""
    try:
        return connection.execute(statement, parameters)
    except IntegrityError as exc:
        raise domain_error(exc, table, values) from exc


def write(
    connection: Connection,
    statement: Prepared,
    table: Table,
    values: Values,
    parameters: Values | Sequence[Values],
) -> int:
    """:func:`execute` for a :class:`.Prepared` statement: once, or once per row of a
    sequence; the number of rows matched (of one execution)."""
    try:
        if isinstance(parameters, Mapping):
            return statement.execute(connection, parameters)
        statement.execute_many(connection, parameters)
        return len(parameters)
    except IntegrityError as exc:
        raise domain_error(exc, table, values) from exc


def domain_error(exc: IntegrityError, table: Table, values: Values) -> DomainError:
    """The domain error for ``exc``, raised writing ``values`` into ``table``."""
    name = constraint_name(exc, table)
    constraint = _constraint(table, name)
    if isinstance(constraint, PrimaryKeyConstraint | UniqueConstraint):
        assert name is not None
        describe = UNIQUE_MESSAGES.get(name)
        message = (
            describe(values)
            if describe is not None and values
            else f"{table.name}: {', '.join(constraint.columns.keys())} already taken"
        )
        return Conflict(message, constraint=name)
    if isinstance(constraint, ForeignKeyConstraint) or name == "FOREIGN KEY":
        return InvariantViolation(_missing_reference(table, constraint, values), constraint=name)
    return InvariantViolation(
        f"{table.name}: the row breaks {name or 'a constraint'} ({exc.orig})", constraint=name
    )


def constraint_name(exc: IntegrityError, table: Table) -> str | None:
    """The violated constraint's name; ``"FOREIGN KEY"`` when SQLite does not say which."""
    diag = getattr(exc.orig, "diag", None)
    if diag is not None:
        return getattr(diag, "constraint_name", None)
    text = str(exc.orig)
    if text.startswith("UNIQUE constraint failed: "):
        columns = {part.split(".", 1)[1] for part in text.split(": ", 1)[1].split(", ")}
        return next(
            (
                c.name
                for c in table.constraints
                if isinstance(c, PrimaryKeyConstraint | UniqueConstraint)
                and set(c.columns.keys()) == columns
                and isinstance(c.name, str)
            ),
            None,
        )
    if text.startswith("CHECK constraint failed: "):
        return text.split(": ", 1)[1]
    if text.startswith("FOREIGN KEY constraint failed"):
        return "FOREIGN KEY"
    return None


def _constraint(table: Table, name: str | None) -> object:
    return next((c for c in table.constraints if c.name == name), None)


def _missing_reference(table: Table, constraint: object, values: Values) -> str:
    keys = (
        [constraint]
        if isinstance(constraint, ForeignKeyConstraint)
        else sorted(table.foreign_key_constraints, key=lambda fk: str(fk.name))
    )
    references = [
        f"{column}={values.get(column)!r} in {fk.referred_table.name}"
        for fk in keys
        for column in fk.column_keys
    ]
    either = " or ".join(references)
    return f"{table.name} refers to a row that does not exist ({either})"


def busy_conflict(exc: DBAPIError) -> Conflict | None:
    """A transient refusal of a commit, as a Conflict to retry; ``None`` for anything else.

    PostgreSQL aborts one of two transactions that deadlock or cannot be
    serialized; SQLite gives up when the write lock stays taken past the busy
    timeout. Either way nothing was written and trying again is the answer.
    """
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate in ("40001", "40P01"):
        return Conflict("a concurrent change got in the way; reload and try again")
    if "database is locked" in str(exc.orig):
        return Conflict("the database stayed busy with another change; try again")
    return None
