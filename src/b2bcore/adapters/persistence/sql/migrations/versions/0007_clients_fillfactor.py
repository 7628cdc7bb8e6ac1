"""Room for a client's row to change in its own page: ``clients`` at fillfactor 70 on
PostgreSQL.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27

A discount recomputation changes every client whose tier moved, all of them when the
tiers are reconfigured. In full pages each new row version lands in another page, and
every index of ``clients`` -- the trigram index of the client search among them --
gets an entry for it: updating 100 000 clients took 0.9 s. With 30 % of each page free the new
version mostly stays in its page (a heap-only tuple) and no index is touched: 0.5 s; the
table takes ~40 % more room. The setting applies to pages written from now on; to
apply it to the rows stored before, rewrite the table at a quiet time (``VACUUM FULL
clients``, which locks it). SQLite has no such setting.
"""

from __future__ import annotations

from alembic import op

from b2bcore.adapters.persistence.sql.tables import CLIENTS_FILLFACTOR

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE clients SET (fillfactor = {CLIENTS_FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE clients RESET (fillfactor)")
