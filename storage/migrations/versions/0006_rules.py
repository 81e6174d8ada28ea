"""Trade-management rules (issue 19): spec, state, tracked figures and a version per rule, per account.

A rule is never deleted by the service (a removed one stays, state `removed`, for the audit), so ids are
never reused (AUTOINCREMENT on SQLite, a sequence on PostgreSQL) and the audit lines naming a rule's id
always mean that rule. The partial index holds the rules a bridge runs (waiting, active, paused).

A downgrade below 0006 drops the table with every rule in it (the older code has none to run).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.coltypes import UTCDateTime, id_type, json_type

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

_STATES = "state IN ('waiting', 'active', 'done', 'paused', 'removed')"
_ACTIVE = "state IN ('waiting', 'active', 'paused')"


def upgrade() -> None:
    """Create `rules` and its index of the active rules per account."""
    op.create_table(
        "rules",
        sa.Column("id", id_type(), autoincrement=True, nullable=False),
        sa.Column("account", sa.String(32), nullable=False, server_default=sa.text("''")),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("spec", json_type(), nullable=False),
        sa.Column("tracked", json_type(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("updated_at", UTCDateTime()),
        sa.Column("removed_by", sa.String(128)),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(_STATES, name="ck_rules_state"),
        sa.CheckConstraint("version >= 1", name="ck_rules_version"),
        sa.PrimaryKeyConstraint("id", name="pk_rules"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_rules_active",
        "rules",
        ["account", "id"],
        sqlite_where=sa.text(_ACTIVE),
        postgresql_where=sa.text(_ACTIVE),
    )


def downgrade() -> None:
    """Drop the index and the table (and every rule: the code before 0006 has no rules)."""
    op.drop_index("ix_rules_active", table_name="rules")
    op.drop_table("rules")
