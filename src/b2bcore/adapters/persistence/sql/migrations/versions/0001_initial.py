"""The initial schema: clients, orders, catalogue, tasks, outbox, number sequences.

Revision ID: 0001
Revises:
Create Date: 2026-05-20

Written by hand to match ``tables.py``; ``tests/adapters/test_sql_storage.py``
compares the two so they cannot drift. Column types are the stored ones: money
is BIGINT kopecks, percentages INTEGER hundredths, instants timestamptz.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.String()
MONEY = sa.BigInteger()
PERCENT = sa.Integer()
INSTANT = sa.DateTime(timezone=True)
DOCUMENT = sa.JSON()  # json, not jsonb: jsonb would reorder the keys


def _not_negative(table: str, column: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{column} >= 0", name=f"ck_{table}_{column}_not_negative")


def _percentage(table: str, column: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(
        f"{column} BETWEEN 0 AND 10000", name=f"ck_{table}_{column}_percentage"
    )


def upgrade() -> None:
    op.create_table(
        "managers",
        sa.Column("id", ID, nullable=False),
        sa.Column("full_name", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("phone", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_managers"),
    )
    op.create_table(
        "clients",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("manager_id", ID, nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("discount_percent", PERCENT, nullable=False),
        sa.Column("registered_at", INSTANT, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("doc", DOCUMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_clients"),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["managers.id"], name="fk_clients_manager_id_managers"
        ),
        _percentage("clients", "discount_percent"),
        _not_negative("clients", "version"),
    )
    op.create_index("ix_clients_manager_id", "clients", ["manager_id"])
    op.create_table(
        "client_companies",
        sa.Column("company_id", ID, nullable=False),
        sa.Column("client_id", ID, nullable=False),
        sa.Column("inn", sa.String(), nullable=False),
        sa.Column("kpp", sa.String(), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("company_id", name="pk_client_companies"),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name="fk_client_companies_client_id_clients"
        ),
        sa.UniqueConstraint("inn", "kpp", name="uq_client_companies_inn_kpp"),
    )
    op.create_index("ix_client_companies_client_id", "client_companies", ["client_id"])
    op.create_table(
        "client_contacts",
        sa.Column("contact_id", ID, nullable=False),
        sa.Column("client_id", ID, nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("contact_id", name="pk_client_contacts"),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name="fk_client_contacts_client_id_clients"
        ),
        sa.UniqueConstraint("email", name="uq_client_contacts_email"),
    )
    op.create_index("ix_client_contacts_client_id", "client_contacts", ["client_id"])
    _create_orders()
    _create_catalogue()
    _create_tasks_outbox_and_numbers()


def _create_orders() -> None:
    op.create_table(
        "orders",
        sa.Column("id", ID, nullable=False),
        sa.Column("number", sa.String(), nullable=False),
        sa.Column("client_id", ID, nullable=False),
        sa.Column("company_id", ID, nullable=False),
        sa.Column("contact_id", ID, nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("route", sa.String(), nullable=False),
        sa.Column("needs_manager", sa.Boolean(), nullable=False),
        sa.Column("placed_at", INSTANT, nullable=False),
        sa.Column("paid_at", INSTANT, nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("discount_percent", PERCENT, nullable=False),
        sa.Column("goods_gross", MONEY, nullable=False),
        sa.Column("gross_total", MONEY, nullable=False),
        sa.Column("invoice_number", sa.String(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("doc", DOCUMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name="fk_orders_client_id_clients"),
        sa.UniqueConstraint("number", name="uq_orders_number"),
        sa.UniqueConstraint("invoice_number", name="uq_orders_invoice_number"),
        _percentage("orders", "discount_percent"),
        _not_negative("orders", "goods_gross"),
        _not_negative("orders", "gross_total"),
        _not_negative("orders", "version"),
    )
    op.create_index("ix_orders_placed_at", "orders", ["placed_at"])
    op.create_index("ix_orders_client_id_placed_at", "orders", ["client_id", "placed_at"])
    op.create_index("ix_orders_company_id_placed_at", "orders", ["company_id", "placed_at"])
    op.create_index("ix_orders_status_placed_at", "orders", ["status", "placed_at"])
    op.create_index("ix_orders_client_id_paid_on", "orders", ["client_id", "paid_on"])
    op.create_index("ix_orders_paid_on_client_id", "orders", ["paid_on", "client_id"])
    op.create_table(
        "order_lines",
        sa.Column("order_id", ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("unit", sa.String(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("list_price", MONEY, nullable=False),
        sa.Column("discount_percent", PERCENT, nullable=False),
        sa.Column("unit_price", MONEY, nullable=False),
        sa.Column("price_source", sa.String(), nullable=False),
        sa.Column("vat_rate", sa.String(), nullable=False),
        sa.Column("gross", MONEY, nullable=False),
        sa.Column("vat", MONEY, nullable=False),
        sa.PrimaryKeyConstraint("order_id", "position", name="pk_order_lines"),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name="fk_order_lines_order_id_orders",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint("quantity > 0", name="ck_order_lines_quantity_positive"),
        _not_negative("order_lines", "position"),
        _not_negative("order_lines", "list_price"),
        _not_negative("order_lines", "unit_price"),
        _not_negative("order_lines", "gross"),
        _not_negative("order_lines", "vat"),
        _percentage("order_lines", "discount_percent"),
    )


def _create_catalogue() -> None:
    op.create_table(
        "products",
        sa.Column("sku", ID, nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("unit", sa.String(), nullable=False),
        sa.Column("list_price", MONEY, nullable=False),
        sa.Column("vat_rate", sa.String(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("sku", name="pk_products"),
        _not_negative("products", "list_price"),
    )
    op.create_table(
        "contract_prices",
        sa.Column("client_id", ID, nullable=False),
        sa.Column("sku", ID, nullable=False),
        sa.Column("price", MONEY, nullable=False),
        sa.PrimaryKeyConstraint("client_id", "sku", name="pk_contract_prices"),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name="fk_contract_prices_client_id_clients"
        ),
        sa.ForeignKeyConstraint(["sku"], ["products.sku"], name="fk_contract_prices_sku_products"),
        _not_negative("contract_prices", "price"),
    )


def _create_tasks_outbox_and_numbers() -> None:
    op.create_table(
        "manager_tasks",
        sa.Column("id", ID, nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("doc", DOCUMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_manager_tasks"),
        _not_negative("manager_tasks", "version"),
    )
    op.create_index("ix_manager_tasks_status_created_at", "manager_tasks", ["status", "created_at"])
    op.create_table(
        "outbox",
        sa.Column("id", ID, nullable=False),
        sa.Column("topic", sa.String(), nullable=False),
        sa.Column("aggregate_id", ID, nullable=False),
        sa.Column("payload", DOCUMENT, nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("available_at", INSTANT, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("claimed_by", sa.String(), nullable=True),
        sa.Column("claimed_until", INSTANT, nullable=True),
        sa.Column("processed_at", INSTANT, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        _not_negative("outbox", "attempts"),
    )
    op.create_index(
        "ix_outbox_claim_order",
        "outbox",
        ["available_at", "created_at"],
        postgresql_where=sa.text("processed_at IS NULL"),
        sqlite_where=sa.text("processed_at IS NULL"),
    )
    op.create_table(
        "number_sequences",
        sa.Column("series", sa.String(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("series", "year", name="pk_number_sequences"),
        sa.CheckConstraint("value > 0", name="ck_number_sequences_value_positive"),
    )


def downgrade() -> None:
    for table in (
        "number_sequences",
        "outbox",
        "manager_tasks",
        "contract_prices",
        "products",
        "order_lines",
        "orders",
        "client_contacts",
        "client_companies",
        "clients",
        "managers",
    ):
        op.drop_table(table)
