"""The outbox queue's own columns: the time of a claim and of giving up.

Revision ID: 0002
Revises: 0001
Create Date: 2026-05-27

``claimed_at`` is the worker's ``now`` when it claimed the message, which
becomes ``processed_at`` when the message is completed (the port's
``complete`` takes no time and the adapters read no clock). ``failed_at`` marks
a message a worker gave up on (``OutboxQueue.dead``), so a message that failed
once and then succeeded, keeping its ``last_error``, is not taken for a dead one;
a partial index serves the operator's list of dead messages.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("outbox", sa.Column("claimed_at", INSTANT, nullable=True))
    op.add_column("outbox", sa.Column("failed_at", INSTANT, nullable=True))
    op.create_index(
        "ix_outbox_failed_at",
        "outbox",
        ["failed_at"],
        postgresql_where=sa.text("failed_at IS NOT NULL"),
        sqlite_where=sa.text("failed_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_failed_at", table_name="outbox")
    op.drop_column("outbox", "failed_at")
    op.drop_column("outbox", "claimed_at")
