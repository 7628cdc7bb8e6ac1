"""Accounts: logins, their one-time tokens, failed sign-ins.

Revision ID: 0003
Revises: 0002
Create Date: 2026-06-03

A login's password is an Argon2 hash (NULL until an invited user sets one); a
reset or invitation token is stored as its SHA-256 only. Failed sign-ins are
rows, so every web process sees the same throttling.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "logins",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("actor_kind", sa.String(), nullable=False),
        sa.Column("actor_id", sa.String(), nullable=False),
        sa.Column("client_id", sa.String(), nullable=True),
        sa.Column("password_hash", sa.String(), nullable=True),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("password_changed_at", INSTANT, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_logins"),
        sa.UniqueConstraint("email", name="uq_logins_email"),
    )
    op.create_table(
        "login_tokens",
        sa.Column("digest", sa.String(), nullable=False),
        sa.Column("login_id", sa.String(), nullable=False),
        sa.Column("purpose", sa.String(), nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("expires_at", INSTANT, nullable=False),
        sa.Column("used_at", INSTANT, nullable=True),
        sa.PrimaryKeyConstraint("digest", name="pk_login_tokens"),
        sa.ForeignKeyConstraint(
            ["login_id"], ["logins.id"], name="fk_login_tokens_login_id_logins"
        ),
    )
    op.create_index("ix_login_tokens_login_id", "login_tokens", ["login_id"])
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("failed_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sign_in_failures"),
    )
    op.create_index(
        "ix_sign_in_failures_email_failed_at", "sign_in_failures", ["email", "failed_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_sign_in_failures_email_failed_at", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
    op.drop_index("ix_login_tokens_login_id", table_name="login_tokens")
    op.drop_table("login_tokens")
    op.drop_table("logins")
