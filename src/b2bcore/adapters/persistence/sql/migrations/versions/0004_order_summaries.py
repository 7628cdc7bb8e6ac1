"""Order lists without documents: the amount paid and the invoice's due date as
columns, and indexes in the lists' order.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

An order list (``OrderRepository.summaries``) reads only columns; until now the
amount paid and the invoice's due date were only in the JSON document. The
existing orders get them from their documents here, in batches, read as plain
JSON (not through today's codec, which may change after this migration).

``ix_orders_client_id_placed_at`` gives way to ``(client_id, placed_at, id,
company_id, status)``: a client's list, newest first with ``id`` breaking ties,
is that index's order, and the company and status filters are checked in it, so
the rows a deep page skips are never read from the table. A second index,
``(client_id, status, placed_at, id, company_id)``, serves a status the client
has few orders in. On PostgreSQL the indexes are built inside the migration's
transaction, which blocks writes to ``orders`` meanwhile.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BATCH = 5_000

_orders = sa.table(
    "orders",
    sa.column("id", sa.String()),
    sa.column("doc", sa.JSON()),
    sa.column("amount_paid", sa.BigInteger()),
    sa.column("invoice_due_date", sa.Date()),
)


def upgrade() -> None:
    op.add_column(
        "orders",
        sa.Column(
            "amount_paid",
            sa.BigInteger(),
            sa.CheckConstraint("amount_paid >= 0", name="ck_orders_amount_paid_not_negative"),
            nullable=False,
            server_default=sa.text("0"),
        ),
    )
    op.add_column("orders", sa.Column("invoice_due_date", sa.Date(), nullable=True))
    _fill_from_documents(op.get_bind())
    op.drop_index("ix_orders_client_id_placed_at", table_name="orders")
    op.create_index(
        "ix_orders_client_id_placed_at_id_company_id_status",
        "orders",
        ["client_id", "placed_at", "id", "company_id", "status"],
    )
    op.create_index(
        "ix_orders_client_id_status_placed_at_id_company_id",
        "orders",
        ["client_id", "status", "placed_at", "id", "company_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_orders_client_id_status_placed_at_id_company_id", table_name="orders")
    op.drop_index("ix_orders_client_id_placed_at_id_company_id_status", table_name="orders")
    op.create_index("ix_orders_client_id_placed_at", "orders", ["client_id", "placed_at"])
    # ALTER TABLE … DROP COLUMN on both (SQLite 3.35+): a batch copy of ``orders`` on
    # SQLite would drop the old table, and with it, by the cascade, every order line.
    op.drop_column("orders", "invoice_due_date")
    op.drop_column("orders", "amount_paid")


def _fill_from_documents(connection: sa.Connection) -> None:
    """Each order's amount paid (kopecks) and invoice due date, from its document."""
    last = ""
    update = (
        sa.update(_orders)
        .where(_orders.c.id == sa.bindparam("b_id"))
        .values(
            amount_paid=sa.bindparam("b_paid"), invoice_due_date=sa.bindparam("b_due", sa.Date())
        )
    )
    while True:
        page = connection.execute(
            sa.select(_orders.c.id, _orders.c.doc)
            .where(_orders.c.id > last)
            .order_by(_orders.c.id)
            .limit(BATCH)
        ).all()
        if not page:
            return
        last = page[-1].id
        changes = [_values(row.id, row.doc) for row in page]
        changed = [c for c in changes if c["b_paid"] or c["b_due"] is not None]
        if changed:
            connection.execute(update, changed)


def _values(order_id: str, doc: Mapping[str, Any]) -> dict[str, Any]:
    paid = sum((Decimal(p["amount"]) for p in doc.get("payments") or ()), Decimal(0))
    invoice = doc.get("invoice")
    due = None if not invoice else date.fromisoformat(invoice["due_date"])
    return {"b_id": order_id, "b_paid": int(paid.scaleb(2)), "b_due": due}
