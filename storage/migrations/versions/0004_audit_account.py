"""Audit lines name the account they are for, so several services sharing one PostgreSQL can be told apart.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add `audit_log.account` (nullable: lines written before it have none) and index it with `at`.

    A plain ADD COLUMN on both databases (no batch copy of the table on SQLite), so the append-only
    triggers stay as they are and no existing row is rewritten.
    """
    op.add_column("audit_log", sa.Column("account", sa.String(32)))
    op.create_index("ix_audit_log_account_at", "audit_log", ["account", "at"])


def downgrade() -> None:
    """Drop the index and the column (SQLite 3.35+ drops a column in place, keeping the triggers)."""
    op.drop_index("ix_audit_log_account_at", table_name="audit_log")
    op.drop_column("audit_log", "account")
