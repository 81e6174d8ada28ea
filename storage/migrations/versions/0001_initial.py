"""Initial schema: audit log (append-only), request ids, account snapshots, users, settings.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.coltypes import UTCDateTime, id_type, json_type

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_OUTCOMES = "outcome IN ('ok', 'refused', 'rejected', 'failed', 'pending', 'expired', 'denied')"
_ROLES = "role IN ('admin', 'trader', 'viewer')"
_STATES = "state IN ('in_progress', 'done')"

_SQLITE_TRIGGERS = [
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
]
_PG_TRIGGERS = [
    """CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege'; END $$""",
    """CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
       FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
    """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
       FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""",
]


def _audit_log() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", id_type(), autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("chat_id", sa.String(128)),
        sa.Column("role", sa.String(32)),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("raw_input", sa.Text()),
        sa.Column("command", json_type()),
        sa.Column("preview", json_type()),
        sa.Column("confirmation", sa.String(128)),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("result", json_type()),
        sa.Column("retcode", sa.Integer()),
        sa.Column("tickets", json_type(), nullable=False),
        sa.Column("duration_ms", sa.Double()),
        sa.Column("request_id", sa.String(128)),
        sa.Column("error_code", sa.String(64)),
        sa.CheckConstraint(_OUTCOMES, name="ck_audit_log_outcome"),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_platform_user_id_at", "audit_log", ["platform", "user_id", "at"])
    op.create_index("ix_audit_log_request_id", "audit_log", ["request_id"])
    dialect = op.get_bind().dialect.name
    for statement in _PG_TRIGGERS if dialect == "postgresql" else _SQLITE_TRIGGERS:
        op.execute(statement)


def _request_ids() -> None:
    op.create_table(
        "request_ids",
        sa.Column("request_id", sa.String(128), nullable=False),
        sa.Column("fingerprint", sa.String(128), nullable=False),
        sa.Column("actor", sa.String(160), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("result", json_type()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("completed_at", UTCDateTime()),
        sa.CheckConstraint(_STATES, name="ck_request_ids_state"),
        sa.PrimaryKeyConstraint("request_id", name="pk_request_ids"),
    )
    op.create_index("ix_request_ids_completed_at", "request_ids", ["completed_at"])


def _account_snapshots() -> None:
    money = ["balance", "equity", "margin", "margin_free", "margin_level", "profit", "credit"]
    op.create_table(
        "account_snapshots",
        sa.Column("id", id_type(), autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("login", sa.BigInteger(), nullable=False),
        *(sa.Column(name, sa.Double(), nullable=False) for name in money),
        sa.PrimaryKeyConstraint("id", name="pk_account_snapshots"),
    )
    op.create_index("ix_account_snapshots_login_at", "account_snapshots", ["login", "at"])
    op.create_index("ix_account_snapshots_at", "account_snapshots", ["at"])


def _users_and_settings() -> None:
    op.create_table(
        "users",
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("name", sa.String(128)),
        sa.Column("lang", sa.String(16)),
        sa.Column("subscribed", sa.Boolean(), nullable=False),
        sa.Column("allowed_symbols", json_type(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(_ROLES, name="ck_users_role"),
        sa.PrimaryKeyConstraint("platform", "user_id", name="pk_users"),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("value", json_type()),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_settings"),
    )


def upgrade() -> None:
    """Create every table of the first release."""
    _audit_log()
    _request_ids()
    _account_snapshots()
    _users_and_settings()


def downgrade() -> None:
    """Drop everything, audit log included (only for development databases)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update_delete ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    for table in ["settings", "users", "account_snapshots", "request_ids", "audit_log"]:
        op.drop_table(table)
