"""SQLAlchemy Core tables. The migrations in `storage/migrations` create exactly these (a test checks it)."""

from __future__ import annotations

import sqlalchemy as sa

from mt5bridge.common.roles import Role
from storage.coltypes import UTCDateTime, id_type, json_type
from storage.models import ACTIVE_RULE_STATES, RULE_BY_MAX, RULE_STATES, Outcome

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _in(column: str, values: list[str]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


OUTCOMES = [o.value for o in Outcome]
ROLES = [r.value for r in Role]
REQUEST_STATES = ["in_progress", "done"]


def _scope() -> sa.Column[str]:
    """The service a row belongs to (revision 0005): config `account.name`, '' for a service without one.

    Several services (bridges, a front) may share one PostgreSQL; a table with this column is read and
    written by each service for its own rows only (docs/storage.md, "Shared database").
    """
    return sa.Column("account", sa.String(32), primary_key=True, server_default=sa.text("''"))


audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", id_type(), primary_key=True, autoincrement=True),
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
    # Which account the line is for (several bridges and a front may share one PostgreSQL): revision 0004.
    sa.Column("account", sa.String(32)),
    sa.CheckConstraint(_in("outcome", OUTCOMES), name="outcome"),
    sa.Index(None, "at"),
    sa.Index(None, "platform", "user_id", "at"),
    sa.Index(None, "request_id"),
    sa.Index(None, "account", "at"),
)

request_ids = sa.Table(
    "request_ids",
    metadata,
    _scope(),  # the same id on two services is two requests
    sa.Column("request_id", sa.String(128), primary_key=True),
    sa.Column("fingerprint", sa.String(128), nullable=False),
    sa.Column("actor", sa.String(160), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("result", json_type()),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("completed_at", UTCDateTime()),
    sa.Column("plan", json_type()),
    sa.CheckConstraint(_in("state", REQUEST_STATES), name="state"),
    sa.Index(None, "completed_at"),
    sa.Index(None, "state"),
)

account_snapshots = sa.Table(
    "account_snapshots",
    metadata,
    sa.Column("id", id_type(), primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("login", sa.BigInteger(), nullable=False),
    sa.Column("balance", sa.Double(), nullable=False),
    sa.Column("equity", sa.Double(), nullable=False),
    sa.Column("margin", sa.Double(), nullable=False),
    sa.Column("margin_free", sa.Double(), nullable=False),
    sa.Column("margin_level", sa.Double(), nullable=False),
    sa.Column("profit", sa.Double(), nullable=False),
    sa.Column("credit", sa.Double(), nullable=False),
    # The service that recorded it (revision 0005), for retention; reads go by `login`.
    sa.Column("account", sa.String(32), nullable=False, server_default=sa.text("''")),
    sa.Index(None, "login", "at"),
    sa.Index(None, "at"),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("platform", sa.String(32), primary_key=True),
    sa.Column("user_id", sa.String(128), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("name", sa.String(128)),
    sa.Column("lang", sa.String(16)),
    sa.Column("subscribed", sa.Boolean(), nullable=False),
    sa.Column("allowed_symbols", json_type(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.CheckConstraint(_in("role", ROLES), name="role"),
)

settings = sa.Table(
    "settings",
    metadata,
    _scope(),  # a service's own marks (trading paused, the reports' first start)
    sa.Column("key", sa.String(128), primary_key=True),
    sa.Column("value", json_type()),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

REPORT_KINDS = ["daily", "monthly", "hedge"]
DELIVERY_STATES = ["sent", "failed"]

# A user's choice per report kind ("/unsubscribe monthly"); no row = the configured default.
report_subscriptions = sa.Table(
    "report_subscriptions",
    metadata,
    sa.Column("platform", sa.String(32), primary_key=True),
    sa.Column("user_id", sa.String(128), primary_key=True),
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("subscribed", sa.Boolean(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.CheckConstraint(_in("kind", REPORT_KINDS), name="kind"),
)

# Each scheduled report run (kind + the period it covers), so a run missed while the service was down
# is sent once on start, and one that was sent is never sent again.
report_runs = sa.Table(
    "report_runs",
    metadata,
    _scope(),  # each service sends its own reports
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("period", sa.String(16), primary_key=True),
    sa.Column("due_at", UTCDateTime(), nullable=False),
    sa.Column("started_at", UTCDateTime(), nullable=False),
    sa.Column("late", sa.Boolean(), nullable=False),
    sa.CheckConstraint(_in("kind", REPORT_KINDS), name="kind"),
)

# One row per recipient of a run: sent, or failed with the platform's reason and how often it was tried.
report_deliveries = sa.Table(
    "report_deliveries",
    metadata,
    _scope(),
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("period", sa.String(16), primary_key=True),
    sa.Column("platform", sa.String(32), primary_key=True),
    sa.Column("chat_id", sa.String(128), primary_key=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("error", sa.String(256)),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.CheckConstraint(_in("state", DELIVERY_STATES), name="state"),
)

# Trade-management rules (issue 19, revision 0006): each service runs its own, so the account is a column
# (the id alone is the key: audit lines name a rule by it). Never deleted: a removed rule stays for the
# audit, and AUTOINCREMENT keeps SQLite from ever handing out an id again.
ACTIVE_RULES = _in("state", list(ACTIVE_RULE_STATES))

rules = sa.Table(
    "rules",
    metadata,
    sa.Column("id", id_type(), primary_key=True, autoincrement=True),
    sa.Column("account", sa.String(32), nullable=False, server_default=sa.text("''")),
    sa.Column("kind", sa.String(32), nullable=False),  # spec.action.kind, for queries by hand
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("spec", json_type(), nullable=False),  # mt5bridge.common.rulespec.RuleSpec
    sa.Column("tracked", json_type(), nullable=False),  # the Rule's tracked figures, one JSON object
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("created_by", sa.String(RULE_BY_MAX), nullable=False),
    sa.Column("updated_at", UTCDateTime()),
    sa.Column("removed_by", sa.String(RULE_BY_MAX)),
    sa.Column("version", sa.Integer(), nullable=False),  # optimistic concurrency: +1 per save/remove
    sa.CheckConstraint(_in("state", list(RULE_STATES)), name="state"),
    sa.CheckConstraint("version >= 1", name="version"),
    # The rules a bridge runs, oldest first (RuleStore.active): small however many are done or removed.
    sa.Index(
        "ix_rules_active",
        "account",
        "id",
        sqlite_where=sa.text(ACTIVE_RULES),
        postgresql_where=sa.text(ACTIVE_RULES),
    ),
    sqlite_autoincrement=True,
)
