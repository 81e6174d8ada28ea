"""Trade-management rules (issue 19): what the bridge runs for its account, kept across restarts.

Storage sits below the trading core (the layers contract in pyproject.toml), so this store knows the spec
(`mt5bridge.common.rulespec.RuleSpec`, in the shared leaf) but not the trading core's `Rule`. It takes and
returns `RuleRecord`s (storage/models.py): the spec, the state, the tracked figures as one JSON object and a
version; the trading core converts (`Rule.model_validate(record.rule_fields())`, and back with
`RuleRecord.from_rule_fields`). A spec is validated before anything is written, and again when it is read.

**Two writers never lose an update.** Every rule has a `version` (1 at creation, +1 per `save` and
`remove`). `save` names the version it read and is refused with `StaleRuleError` (nothing written) when
the row has moved on: the caller reads the rule again and applies its change to what it holds now. The
check and the update are one transaction under the write lock (SQLite: `BEGIN IMMEDIATE`; PostgreSQL:
`SELECT ... FOR UPDATE`, and the `UPDATE` names the version too). `remove` wins over any save in flight:
it bumps the version, so the runner's next save is stale and its reload finds the rule removed.

**Never deleted.** `remove` sets the state `removed` and who removed it; the row stays for the audit (the
audit lines of a rule's actions name its id, and ids are never reused). A removed rule cannot be saved again.

Writes (`create`, `save`, `remove`) run on SQLite's group-committing writer (storage/writer.py), like the
trading path's claims and audit lines: the same statements in plain `sqlite3`, each answered only once its
batch is committed (fsync'd), and in the same single writer as the orders' writes. PostgreSQL runs them
through SQLAlchemy, one transaction each. Reads go through SQLAlchemy on both.

Every rule belongs to the service's account (`Connector.scope`, the `account` column): services sharing one
database each see, run, save and remove only their own rules.
"""

from __future__ import annotations

import builtins
import json
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from pydantic_core import to_jsonable_python
from sqlalchemy.ext.asyncio import AsyncConnection

from mt5bridge.common.rulespec import RuleSpec
from storage.audit import sql_json, sql_time
from storage.engine import Connector
from storage.errors import RuleNotFoundError, RuleStateError, StaleRuleError
from storage.models import RULE_BY_MAX, RULE_REMOVED, RULE_STATES, RuleRecord
from storage.tables import ACTIVE_RULES, rules
from storage.writer import SqliteWriter, execute

_INSERT_SQL = (
    "INSERT INTO rules (account, kind, state, spec, tracked, created_at, created_by, version) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_SELECT_SQL = "SELECT * FROM rules WHERE id = ? AND account = ?"
_SAVE_SQL = (
    "UPDATE rules SET state = ?, tracked = ?, updated_at = ?, version = version + 1 "
    "WHERE id = ? AND account = ? AND version = ? RETURNING *"
)
_REMOVE_SQL = (
    "UPDATE rules SET state = 'removed', removed_by = ?, updated_at = ?, version = version + 1 "
    "WHERE id = ? AND account = ? AND version = ? RETURNING *"
)


class RuleStore:
    """The rules of this service's account: create, read, save under a version, remove (never delete)."""

    def __init__(self, connector: Connector, writer: SqliteWriter | None = None) -> None:
        self._db = connector
        self._writer = writer

    async def create(
        self,
        spec: RuleSpec | Mapping[str, Any],
        created_by: str,
        *,
        tracked: Mapping[str, Any] | None = None,
        state: str = "waiting",
    ) -> RuleRecord:
        """Store a confirmed rule at version 1 and return it with its id (once it is committed).

        `tracked` holds the figures fixed at confirmation (`base_volume` of a staged TP, ...), any JSON.
        The spec (a `RuleSpec`, or its JSON) is validated first: an invalid one raises pydantic's
        `ValidationError`, as do a `created_by` outside 1..128 characters and non-JSON figures; nothing
        is written then.
        """
        record = _new(spec, created_by, tracked, state)
        scope = self._db.scope
        if self._writer is not None:
            row = (
                scope, record.kind.value, record.state, sql_json(record.spec.model_dump(mode="json")),
                sql_json(record.tracked), sql_time(record.created_at), record.created_by, record.version,
            )  # fmt: skip
            new_id = await self._writer.run(lambda conn: execute(conn, _INSERT_SQL, row).lastrowid)
        else:
            values = {
                "account": scope,
                "kind": record.kind.value,
                "state": record.state,
                "spec": record.spec.model_dump(mode="json"),
                "tracked": record.tracked,
                "created_at": record.created_at,
                "created_by": record.created_by,
                "version": record.version,
            }
            async with self._db.write() as conn:
                new_id = await conn.scalar(sa.insert(rules).values(**values).returning(rules.c.id))
        if new_id is None:
            raise RuntimeError("the database returned no id for the rule")
        return record.model_copy(update={"id": int(new_id)})

    async def get(self, rule_id: int) -> RuleRecord | None:
        """The rule (in any state), or None if this account has no rule with that id."""
        query = sa.select(rules).where(rules.c.id == rule_id, rules.c.account == self._db.scope)
        async with self._db.read() as conn:
            row = (await conn.execute(query)).mappings().one_or_none()
        return None if row is None else _record(row)

    async def active(self) -> builtins.list[RuleRecord]:
        """The rules the bridge runs (waiting, active, paused), oldest first."""
        # The predicate as text, the partial index's own: SQLite uses a partial index only for a query
        # whose WHERE holds the index's terms, and a bound parameter never matches a literal.
        return await self._select(sa.text(ACTIVE_RULES))

    async def list(self, states: Iterable[str] | None = None) -> builtins.list[RuleRecord]:
        """Every rule of this account in one of `states` (all of them when None), oldest first."""
        if states is None:
            return await self._select()
        wanted = builtins.list(states)
        unknown = sorted(set(wanted) - set(RULE_STATES))
        if unknown:
            raise ValueError(f"unknown rule states {unknown}: a rule is {', '.join(RULE_STATES)}")
        return await self._select(rules.c.state.in_(wanted))

    async def save(self, record: RuleRecord, expected_version: int | None = None) -> RuleRecord:
        """Write the rule's state and tracked figures if it is still at `expected_version` (default: the
        record's own `version`); return it as stored, at the next version.

        Raises `StaleRuleError` when another writer saved or removed it since (nothing written),
        `RuleNotFoundError` when this account has no such rule, `RuleStateError` for a removed rule, for
        the state `removed` (use `remove`) and for another spec than the stored one (a spec is fixed at
        creation: remove the rule and create another).
        """
        expected = record.version if expected_version is None else expected_version
        if record.state == RULE_REMOVED:
            raise RuleStateError("a rule is removed with remove(), which records who removed it")
        scope = self._db.scope
        if self._writer is not None:
            now = sql_time(datetime.now(UTC))
            params = (record.state, sql_json(record.tracked), now, record.id, scope, expected)
            return await self._writer.run(lambda conn: _save_sql(conn, scope, record, expected, params))
        async with self._db.write() as conn:
            _check_save(await _locked(conn, scope, record.id), record, expected)
            update = {"state": record.state, "tracked": record.tracked, "updated_at": datetime.now(UTC)}
            return await _update(conn, scope, record.id, expected, update)

    async def remove(self, rule_id: int, by: str) -> RuleRecord:
        """Mark the rule removed by `by` (platform:user_id) and return it; the row stays for the audit.

        Whatever its version: a removal wins over a save in flight, which then finds itself stale.
        Removing a removed rule changes nothing (the first removal is kept). `RuleNotFoundError` when
        this account has no such rule.
        """
        if not 1 <= len(by) <= RULE_BY_MAX:
            raise ValueError(f"who removes a rule is 1..{RULE_BY_MAX} characters")
        scope = self._db.scope
        if self._writer is not None:
            now = sql_time(datetime.now(UTC))
            return await self._writer.run(lambda conn: _remove_sql(conn, scope, rule_id, by, now))
        async with self._db.write() as conn:
            current = await _locked(conn, scope, rule_id)
            if current is None:
                raise RuleNotFoundError(rule_id)
            if current.state == RULE_REMOVED:
                return current
            update = {"state": RULE_REMOVED, "removed_by": by, "updated_at": datetime.now(UTC)}
            return await _update(conn, scope, rule_id, current.version, update)

    async def _select(self, *where: sa.ColumnElement[bool] | sa.TextClause) -> builtins.list[RuleRecord]:
        query = sa.select(rules).where(rules.c.account == self._db.scope, *where).order_by(rules.c.id)
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [_record(row) for row in rows]


def _new(spec: RuleSpec | Mapping[str, Any], created_by: str, tracked: Mapping[str, Any] | None,
         state: str) -> RuleRecord:  # fmt: skip
    """The rule to insert, every field validated (id 0 until the database gives one)."""
    if state == RULE_REMOVED:
        raise RuleStateError("a new rule cannot be removed already")
    # A RuleSpec is validated again from its JSON: one built with model_construct, or changed after it
    # was validated, must not reach the table; and what is stored is exactly what reads back.
    spec_json = spec.model_dump(mode="json") if isinstance(spec, RuleSpec) else dict(spec)
    fields = {
        "id": 0,
        "spec": spec_json,
        "state": state,
        "tracked": to_jsonable_python(dict(tracked or {})),
        "created_at": datetime.now(UTC),
        "created_by": created_by,
    }
    return RuleRecord.model_validate(fields)


def _check_save(current: RuleRecord | None, record: RuleRecord, expected: int) -> None:
    """Refuse a save (before anything is written) unless the stored rule is the one the caller read."""
    if current is None:
        raise RuleNotFoundError(record.id)
    if current.version != expected:
        raise StaleRuleError(record.id, expected, current.version)
    if current.state == RULE_REMOVED:
        raise RuleStateError(f"rule {record.id} was removed by {current.removed_by}; it is not saved again")
    if current.spec != record.spec:
        raise RuleStateError(f"rule {record.id}'s spec is fixed: remove it and create another")


def _record(row: Mapping[str, Any] | sa.RowMapping) -> RuleRecord:
    return RuleRecord.model_validate({name: row[name] for name in RuleRecord.model_fields})


# --- SQLAlchemy (PostgreSQL; SQLite without the writer) -----------------------------------------------
async def _locked(conn: AsyncConnection, scope: str, rule_id: int) -> RuleRecord | None:
    """The stored rule, locked until the end of the transaction (PostgreSQL; SQLite holds the write lock)."""
    query = sa.select(rules).where(rules.c.id == rule_id, rules.c.account == scope).with_for_update()
    row = (await conn.execute(query)).mappings().one_or_none()
    return None if row is None else _record(row)


async def _update(
    conn: AsyncConnection, scope: str, rule_id: int, expected: int, values: dict[str, Any]
) -> RuleRecord:
    t = rules.c
    update = (
        sa.update(rules)
        .where(t.id == rule_id, t.account == scope, t.version == expected)
        .values(**values, version=t.version + 1)
        .returning(*rules.c)
    )
    row = (await conn.execute(update)).mappings().one_or_none()
    if row is None:  # not under the row lock taken before; kept as the last word on a lost update
        raise StaleRuleError(rule_id, expected)
    return _record(row)


# --- the SQLite writer's connection (storage/writer.py): the same rows, in plain sqlite3 ----------------
def _row_sql(cursor: sqlite3.Cursor) -> RuleRecord | None:
    """The cursor's one row as a record, decoded as SQLAlchemy's types decode it."""
    values = cursor.fetchone()
    if values is None:
        return None
    row = dict(zip([d[0] for d in cursor.description], values, strict=True))
    for name in ("spec", "tracked"):
        row[name] = json.loads(row[name])
    for name in ("created_at", "updated_at"):
        if row[name] is not None:
            row[name] = datetime.fromisoformat(row[name]).replace(tzinfo=UTC)
    return _record(row)


def _save_sql(
    conn: sqlite3.Connection, scope: str, record: RuleRecord, expected: int, params: tuple[object, ...]
) -> RuleRecord:
    _check_save(_row_sql(execute(conn, _SELECT_SQL, (record.id, scope))), record, expected)
    saved = _row_sql(execute(conn, _SAVE_SQL, params))
    if saved is None:  # cannot happen inside the writer's BEGIN IMMEDIATE; never report a lost update
        raise StaleRuleError(record.id, expected)
    return saved


def _remove_sql(conn: sqlite3.Connection, scope: str, rule_id: int, by: str, now: str) -> RuleRecord:
    current = _row_sql(execute(conn, _SELECT_SQL, (rule_id, scope)))
    if current is None:
        raise RuleNotFoundError(rule_id)
    if current.state == RULE_REMOVED:
        return current
    removed = _row_sql(execute(conn, _REMOVE_SQL, (by, now, rule_id, scope, current.version)))
    if removed is None:
        raise StaleRuleError(rule_id, current.version)
    return removed
