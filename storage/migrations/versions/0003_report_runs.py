"""Report subscriptions per kind, and scheduled report runs with their deliveries (catch-up after downtime).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.coltypes import UTCDateTime

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

_KINDS = "kind IN ('daily', 'monthly', 'hedge')"
_STATES = "state IN ('sent', 'failed')"


def upgrade() -> None:
    """Create report_subscriptions, report_runs and report_deliveries."""
    op.create_table(
        "report_subscriptions",
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subscribed", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(_KINDS, name="ck_report_subscriptions_kind"),
        sa.PrimaryKeyConstraint("platform", "user_id", "kind", name="pk_report_subscriptions"),
    )
    op.create_table(
        "report_runs",
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.CheckConstraint(_KINDS, name="ck_report_runs_kind"),
        sa.PrimaryKeyConstraint("kind", "period", name="pk_report_runs"),
    )
    op.create_table(
        "report_deliveries",
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("chat_id", sa.String(128), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(256)),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(_STATES, name="ck_report_deliveries_state"),
        sa.PrimaryKeyConstraint("kind", "period", "platform", "chat_id", name="pk_report_deliveries"),
    )


def downgrade() -> None:
    for table in ("report_deliveries", "report_runs", "report_subscriptions"):
        op.drop_table(table)
