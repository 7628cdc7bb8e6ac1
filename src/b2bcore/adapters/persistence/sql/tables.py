"""The schema, as SQLAlchemy Core tables. The migrations create exactly this.

Each aggregate has one row in its main table: the columns the queries filter,
sort, sum or constrain on, plus a JSON ``doc`` with the rest of its nested values
(see :mod:`.codec`). Child tables hold what the database itself must check or
find: an order's lines (quantities and amounts under CHECKs), a client's
companies (INN+KPP unique among all clients) and contacts (e-mail for sign-in).

Constraint names follow :data:`NAMING_CONVENTION`, so an ``IntegrityError`` can
be turned into a readable message from the name alone (:mod:`.integrity`).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from b2bcore.adapters.persistence.sql.types import Document, Money, Percent, UtcDateTime

NAMING_CONVENTION = {
    "pk": "pk_%(table_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _not_negative(column: str) -> CheckConstraint:
    return CheckConstraint(f"{column} >= 0", name=f"{column}_not_negative")


def _percentage(column: str) -> CheckConstraint:
    """Hundredths of a percent (:class:`.Percent`): 0 to 100 %."""
    return CheckConstraint(f"{column} BETWEEN 0 AND 10000", name=f"{column}_percentage")


managers = Table(
    "managers",
    metadata,
    Column("id", String, primary_key=True),
    Column("full_name", String, nullable=False),
    Column("email", String, nullable=False),
    Column("phone", String, nullable=False),
)

CLIENTS_FILLFACTOR = 70

clients = Table(
    "clients",
    metadata,
    Column("id", String, primary_key=True),
    Column("name", String, nullable=False),
    Column("manager_id", String, ForeignKey("managers.id"), nullable=False, index=True),
    Column("status", String, nullable=False),
    Column("discount_percent", Percent, nullable=False),
    Column("registered_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Column("doc", Document, nullable=False),
    # The client search looks only here (codec.client_search_text): name, company names
    # and INNs, lower-cased. The default is for the rows 0005 found (it filled them).
    Column("search_text", Text, nullable=False, server_default=""),
    _percentage("discount_percent"),
    _not_negative("version"),
    # A recomputation rewrites every client's row at once; with room left in each page
    # the new version stays there (a HOT update) and no index is touched (0007).
    postgresql_with={"fillfactor": CLIENTS_FILLFACTOR},
)

CLIENT_SEARCH_TRIGRAM_INDEX = "ix_clients_search_text_trgm"
"""PostgreSQL only and optional, so not in the metadata: a GIN trigram index on
``clients.search_text`` (``pg_trgm``) serving ``LIKE '%text%'``, made by migration 0005
when the extension can be created; SQLite scans the column."""

client_companies = Table(
    "client_companies",
    metadata,
    Column("company_id", String, primary_key=True),
    Column("client_id", String, ForeignKey("clients.id"), nullable=False, index=True),
    Column("inn", String, nullable=False),
    # Entrepreneurs have no KPP: '' rather than NULL, so UNIQUE(inn, kpp) holds for them too.
    Column("kpp", String, nullable=False, server_default=""),
    UniqueConstraint("inn", "kpp"),
)

client_contacts = Table(
    "client_contacts",
    metadata,
    Column("contact_id", String, primary_key=True),
    Column("client_id", String, ForeignKey("clients.id"), nullable=False, index=True),
    Column("email", String, nullable=False, unique=True),
)

orders = Table(
    "orders",
    metadata,
    Column("id", String, primary_key=True),
    Column("number", String, nullable=False, unique=True),
    Column("client_id", String, ForeignKey("clients.id"), nullable=False),
    Column("company_id", String, nullable=False),
    Column("contact_id", String, nullable=False),
    Column("status", String, nullable=False),
    Column("route", String, nullable=False),
    Column("needs_manager", Boolean, nullable=False),
    Column("placed_at", UtcDateTime, nullable=False, index=True),
    Column("paid_at", UtcDateTime, nullable=True),
    # paid_at's date in UTC: the discount window counts whole days.
    Column("paid_on", Date, nullable=True),
    Column("discount_percent", Percent, nullable=False),
    Column("goods_gross", Money, nullable=False),
    Column("gross_total", Money, nullable=False),
    Column("invoice_number", String, nullable=True, unique=True),
    # For the order lists (OrderSummary), so a page reads no document.
    # The default is for the rows 0004 found (it filled them); the codec always writes it.
    Column("amount_paid", Money, nullable=False, server_default=text("0")),
    Column("invoice_due_date", Date, nullable=True),
    Column("version", Integer, nullable=False),
    Column("doc", Document, nullable=False),
    _percentage("discount_percent"),
    _not_negative("goods_gross"),
    _not_negative("gross_total"),
    _not_negative("amount_paid"),
    _not_negative("version"),
    # A client's list, newest first: the ORDER BY (placed_at, id) is the index order, and
    # the company and status filters are checked in the index, so skipped rows of a deep
    # page cost no table reads.
    Index(None, "client_id", "placed_at", "id", "company_id", "status"),
    # The same for one status, which may be rare among a client's orders.
    Index(None, "client_id", "status", "placed_at", "id", "company_id"),
    Index(None, "company_id", "placed_at"),
    Index(None, "status", "placed_at"),
    # The discount volume: one client's paid orders in a window, and every client's.
    Index(None, "client_id", "paid_on"),
    Index(None, "paid_on", "client_id"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("order_id", String, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("sku", String, nullable=False),
    Column("name", String, nullable=False),
    Column("unit", String, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("list_price", Money, nullable=False),
    Column("discount_percent", Percent, nullable=False),
    Column("unit_price", Money, nullable=False),
    Column("price_source", String, nullable=False),
    Column("vat_rate", String, nullable=False),
    Column("gross", Money, nullable=False),
    Column("vat", Money, nullable=False),
    PrimaryKeyConstraint("order_id", "position"),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    _not_negative("position"),
    _not_negative("list_price"),
    _not_negative("unit_price"),
    _not_negative("gross"),
    _not_negative("vat"),
    _percentage("discount_percent"),
)

products = Table(
    "products",
    metadata,
    Column("sku", String, primary_key=True),
    Column("name", String, nullable=False),
    Column("unit", String, nullable=False),
    Column("list_price", Money, nullable=False),
    Column("vat_rate", String, nullable=False),
    Column("active", Boolean, nullable=False),
    _not_negative("list_price"),
)

contract_prices = Table(
    "contract_prices",
    metadata,
    Column("client_id", String, ForeignKey("clients.id"), nullable=False),
    Column("sku", String, ForeignKey("products.sku"), nullable=False),
    Column("price", Money, nullable=False),
    PrimaryKeyConstraint("client_id", "sku"),
    _not_negative("price"),
)

manager_tasks = Table(
    "manager_tasks",
    metadata,
    Column("id", String, primary_key=True),
    Column("kind", String, nullable=False),
    Column("status", String, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Column("doc", Document, nullable=False),
    _not_negative("version"),
    Index(None, "status", "created_at"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", String, primary_key=True),
    Column("topic", String, nullable=False),
    Column("aggregate_id", String, nullable=False),
    Column("payload", Document, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("available_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("claimed_by", String, nullable=True),
    # The claim's "now"; a completed message's processed_at (see sql/queue.py).
    Column("claimed_at", UtcDateTime, nullable=True),
    Column("claimed_until", UtcDateTime, nullable=True),
    # Completed or given up on; a message given up on also has failed_at.
    Column("processed_at", UtcDateTime, nullable=True),
    Column("failed_at", UtcDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    _not_negative("attempts"),
    # The worker's claim order; only unprocessed messages are ever claimed.
    Index(
        "ix_outbox_claim_order",
        "available_at",
        "created_at",
        postgresql_where=text("processed_at IS NULL"),
        sqlite_where=text("processed_at IS NULL"),
    ),
    # The dead letters, newest first, without reading every processed message.
    Index(
        "ix_outbox_failed_at",
        "failed_at",
        postgresql_where=text("failed_at IS NOT NULL"),
        sqlite_where=text("failed_at IS NOT NULL"),
    ),
)

# The periodic jobs' turns (OutboxQueue.take_turn, see sql/queue.py): per job, the
# worker that last took it and that worker's "now" when it did.
job_turns = Table(
    "job_turns",
    metadata,
    Column("job", Text, primary_key=True),
    Column("taken_by", Text, nullable=False),
    Column("taken_at", UtcDateTime, nullable=False),
)

number_sequences = Table(
    "number_sequences",
    metadata,
    Column("series", String, nullable=False),
    Column("year", Integer, nullable=False),
    Column("value", Integer, nullable=False),
    PrimaryKeyConstraint("series", "year"),
    CheckConstraint("value > 0", name="value_positive"),
)

# -- accounts (domain/accounts.py): no password and no token is stored in clear ----------

logins = Table(
    "logins",
    metadata,
    # "buyer:<contact id>" or "manager:<manager id>": one login per actor.
    Column("id", String, primary_key=True),
    Column("email", String, nullable=False, unique=True),
    Column("actor_kind", String, nullable=False),
    Column("actor_id", String, nullable=False),
    Column("client_id", String, nullable=True),
    # NULL until an invited user sets a password; else a self-describing Argon2 hash.
    Column("password_hash", String, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("password_changed_at", UtcDateTime, nullable=True),
)

login_tokens = Table(
    "login_tokens",
    metadata,
    Column("digest", String, primary_key=True),  # SHA-256 of the token, hex
    Column("login_id", String, ForeignKey("logins.id"), nullable=False, index=True),
    Column("purpose", String, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime, nullable=True),
)

sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("id", String, primary_key=True),
    # Any e-mail typed, known or not: throttling must not tell which exist.
    Column("email", String, nullable=False),
    Column("failed_at", UtcDateTime, nullable=False),
    Index(None, "email", "failed_at"),
)
