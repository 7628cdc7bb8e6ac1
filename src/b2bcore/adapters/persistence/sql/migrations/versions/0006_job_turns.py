"""The periodic jobs' turns: one worker at a time polls payments and shipments.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26

Every worker ran the periodic jobs (the payment poll, invoice expiry, the shipment
poll, the nightly discounts) on its own schedule, so N workers polled accounting and
the ERP N times as often and raced for every payment and shipment they found. Now a
worker runs a job only when it takes the job's turn (``OutboxQueue.take_turn``): one
row per job in ``job_turns``, with who took the last turn and when. The table starts
empty; the first worker to ask takes each turn.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "job_turns",
        sa.Column("job", sa.Text(), nullable=False),
        sa.Column("taken_by", sa.Text(), nullable=False),
        sa.Column("taken_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("job", name="pk_job_turns"),
    )


def downgrade() -> None:
    op.drop_table("job_turns")
