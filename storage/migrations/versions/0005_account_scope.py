"""Idempotency keys, report runs and deliveries, runtime settings and snapshots belong to a service's account.

Several services (bridges, a front) may share one PostgreSQL: the same request id, report run or setting
on two of them is two rows. `account` (config `account.name`; '' for a service opened without one) joins
the key of request_ids, settings, report_runs and report_deliveries; account_snapshots gets the column
for retention (its rows are read by `login`).

Rows written before this revision belong to the service that upgrades the database: `Database.open(url,
account=NAME)` runs the upgrade and passes NAME here (`config.attributes["account"]`; the `alembic` command
line takes `-x account=NAME`). Without a name they get '' (docs/storage.md, "Shared database").

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

# Each table whose key gains the account, with its key before this revision.
_KEYED = {
    "request_ids": ["request_id"],
    "settings": ["key"],
    "report_runs": ["kind", "period"],
    "report_deliveries": ["kind", "period", "platform", "chat_id"],
}


def _column() -> sa.Column[str]:
    return sa.Column("account", sa.String(32), nullable=False, server_default=sa.text("''"))


def _owner() -> str:
    """The account of the service running the upgrade ('' when it has none)."""
    given = context.config.attributes.get("account") or context.get_x_argument(as_dictionary=True).get(
        "account"
    )
    return str(given or "")


def _set_key(table: str, columns: list[str], *, sqlite: bool, add: bool) -> None:
    """Give `table` the primary key `columns`, adding (or dropping) the account column on the way."""
    name = f"pk_{table}"
    if sqlite:  # SQLite cannot alter a primary key: the table is copied (none of these has triggers)
        with op.batch_alter_table(table, recreate="always") as batch:
            if add:
                batch.add_column(_column())
            batch.drop_constraint(name, type_="primary")
            batch.create_primary_key(name, columns)
            if not add:
                batch.drop_column("account")
        return
    if add:
        op.add_column(table, _column())
    op.drop_constraint(name, table, type_="primary")
    op.create_primary_key(name, table, columns)
    if not add:
        op.drop_column(table, "account")


def upgrade() -> None:
    """Add `account` (NOT NULL DEFAULT '') first in the keys; the old rows get the upgrader's name."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, key in _KEYED.items():
        _set_key(table, ["account", *key], sqlite=sqlite, add=True)
    op.add_column("account_snapshots", _column())  # a plain ADD COLUMN on both: no copy of a big table
    owner = _owner()
    if owner:
        for table in [*_KEYED, "account_snapshots"]:
            update = f"UPDATE {table} SET account = :owner"  # noqa: S608 - our own table names
            op.execute(sa.text(update).bindparams(owner=owner))


def downgrade() -> None:
    """Drop the column again; refused while two accounts hold the same key (one of them would be lost)."""
    bind = op.get_bind()
    for table, key in _KEYED.items():
        columns = ", ".join(key)
        query = f"SELECT {columns} FROM {table} GROUP BY {columns} HAVING COUNT(*) > 1 LIMIT 1"  # noqa: S608
        shared = bind.execute(sa.text(query)).first()
        if shared is not None:
            raise RuntimeError(
                f"cannot downgrade below 0005: {table} holds {tuple(shared)} for more than one account; "
                "delete the rows of the accounts that should not keep it first"
            )
    sqlite = bind.dialect.name == "sqlite"
    op.drop_column("account_snapshots", "account")
    for table, key in _KEYED.items():
        _set_key(table, key, sqlite=sqlite, add=False)
