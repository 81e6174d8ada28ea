"""Request ids for idempotency: the same id twice executes once and returns the first result.

A claim's result and its audit line are written in one transaction (`complete`, `record`), so a crash
leaves either both or neither. A claim still `in_progress` after a crash keeps the plan it was taken for,
which is what a restart needs to settle it from the terminal's records (`open_claims`).

On SQLite, `begin`, `lookup`, `complete`, `record` and `abandon` run on the group-committing writer
(storage/writer.py): the same statements in plain `sqlite3`, each call answered only once its batch is
committed (durable). PostgreSQL runs them through SQLAlchemy, one transaction each.

Every id belongs to the service's account (`Connector.scope`, revision 0005): several services sharing
one database each have their own ids, so the same id on two accounts is two requests, and nothing here
reads, settles or purges another account's ids.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.audit import append_in, append_sql, sql_json, sql_time
from storage.engine import Connector
from storage.errors import RequestStateError
from storage.models import AuditEntry, Claim, ClaimState, JsonObject, OpenClaim
from storage.tables import request_ids
from storage.writer import SqliteWriter, execute

_IN_PROGRESS = "in_progress"
_DONE = "done"
_MAX_ID = 128
_MAX_ACTOR = 160
# begin() retries when a row it collided with was abandoned before it could read it.
_ATTEMPTS = 3


def _check(request_id: str, fingerprint: str, actor: str) -> None:
    if not request_id or len(request_id) > _MAX_ID:
        raise ValueError(f"request id must be 1..{_MAX_ID} characters")
    if not fingerprint or len(fingerprint) > _MAX_ID:
        raise ValueError(f"fingerprint must be 1..{_MAX_ID} characters")
    if not actor or len(actor) > _MAX_ACTOR:
        raise ValueError(f"actor must be 1..{_MAX_ACTOR} characters")


class RequestStore:
    """Claims request ids atomically (primary key (account, id) + INSERT ... ON CONFLICT DO NOTHING)."""

    def __init__(self, connector: Connector, writer: SqliteWriter | None = None) -> None:
        self._db = connector
        self._writer = writer

    async def begin(
        self, request_id: str, fingerprint: str, actor: str, *, plan: JsonObject | None = None
    ) -> Claim:
        """Claim the id. NEW: execute, then complete() or abandon(). See ClaimState for the others.

        A different fingerprint or a different actor under the same id is a CONFLICT: the stored result is
        never handed to someone who did not make the original request. `plan` is kept with the claim
        until it is settled.
        """
        _check(request_id, fingerprint, actor)
        scope = self._db.scope
        if self._writer is not None:
            plan_json = sql_json(plan)
            row = (scope, request_id, fingerprint, actor, _IN_PROGRESS, plan_json, "null", _now_sql(), None)
            # A caller cancelled while its claim was committing never sends: the claim is released again.
            release = _release_sql(scope, request_id)
            found = await self._writer.run(
                lambda conn: _insert_sql(conn, scope, request_id, fingerprint, actor, row), undo=release
            )
            return found or Claim(request_id=request_id, state=ClaimState.IN_PROGRESS)
        for _ in range(_ATTEMPTS):
            async with self._db.write() as conn:
                claim = await self._try_insert(conn, request_id, fingerprint, actor, state=_IN_PROGRESS,
                                               plan=plan)  # fmt: skip
            if claim is not None:
                return claim
        # The id keeps appearing and vanishing: someone is claiming and abandoning it right now.
        return Claim(request_id=request_id, state=ClaimState.IN_PROGRESS)

    async def lookup(self, request_id: str, fingerprint: str, actor: str) -> Claim | None:
        """What is stored under the id (as `begin` would see it), or None; claims nothing."""
        _check(request_id, fingerprint, actor)
        scope = self._db.scope
        if self._writer is not None:
            return await self._writer.read(
                lambda conn: _existing_sql(conn, scope, request_id, fingerprint, actor)
            )
        async with self._db.read() as conn:
            return await _existing(conn, scope, request_id, fingerprint, actor)

    async def _try_insert(
        self,
        conn: AsyncConnection,
        request_id: str,
        fingerprint: str,
        actor: str,
        *,
        state: str,
        plan: JsonObject | None = None,
        result: JsonObject | None = None,
    ) -> Claim | None:
        now = datetime.now(UTC)
        insert = (
            self._db.upsert(request_ids)
            .values(
                account=self._db.scope,
                request_id=request_id,
                fingerprint=fingerprint,
                actor=actor,
                state=state,
                plan=plan,
                result=result,
                created_at=now,
                completed_at=now if state == _DONE else None,
            )
            .on_conflict_do_nothing(index_elements=["account", "request_id"])
        )
        if (await conn.execute(insert)).rowcount == 1:
            return Claim(request_id=request_id, state=ClaimState.NEW)
        return await _existing(conn, self._db.scope, request_id, fingerprint, actor)

    async def complete(self, request_id: str, result: JsonObject, *, audit: AuditEntry | None = None) -> None:
        """Store the result of a NEW claim, and its audit line in the same transaction.

        Later begin() calls with the same id get the result back.
        """
        if self._writer is not None:
            if audit is not None and audit.id is not None:
                raise ValueError(f"audit entry {audit.id} is already stored; append a new entry instead")
            encoded = sql_json(result)
            # The audit line usually carries the same result (records.audit_entry): encode it once.
            audit_result = encoded if audit is not None and audit.result == result else None
            account, scope = self._db.account, self._db.scope
            await self._writer.run(
                lambda conn: _complete_sql(conn, scope, request_id, encoded, audit, audit_result, account)
            )
            return
        update = (
            sa.update(request_ids)
            .where(_key(self._db.scope, request_id), request_ids.c.state == _IN_PROGRESS)
            .values(state=_DONE, result=result, completed_at=datetime.now(UTC), plan=None)
        )
        async with self._db.write() as conn:
            if (await conn.execute(update)).rowcount != 1:
                raise RequestStateError(f"request {request_id!r} is not in progress; cannot complete it")
            if audit is not None:
                await append_in(conn, audit, account=self._db.account)

    async def record(
        self, request_id: str, fingerprint: str, actor: str, result: JsonObject, *, audit: AuditEntry
    ) -> Claim:
        """Store a result decided before anything was claimed (a refusal), with its audit line.

        NEW when it was stored; otherwise what the id already holds (nothing is written then, so a
        concurrent claim is never overwritten).
        """
        _check(request_id, fingerprint, actor)
        if self._writer is not None:
            if audit.id is not None:
                raise ValueError(f"audit entry {audit.id} is already stored; append a new entry instead")
            now = _now_sql()
            account, scope = self._db.account, self._db.scope
            row = (scope, request_id, fingerprint, actor, _DONE, "null", sql_json(result), now, now)

            def insert(conn: sqlite3.Connection) -> Claim | None:
                found = _insert_sql(conn, scope, request_id, fingerprint, actor, row)
                if found is not None and found.state is ClaimState.NEW:
                    append_sql(conn, audit, account=account)
                return found

            stored = await self._writer.run(insert)
            return stored or Claim(request_id=request_id, state=ClaimState.IN_PROGRESS)
        for _ in range(_ATTEMPTS):
            async with self._db.write() as conn:
                claim = await self._try_insert(conn, request_id, fingerprint, actor, state=_DONE,
                                               result=result)  # fmt: skip
                if claim is not None and claim.state is ClaimState.NEW:
                    await append_in(conn, audit, account=self._db.account)
            if claim is not None:
                return claim
        return Claim(request_id=request_id, state=ClaimState.IN_PROGRESS)

    async def abandon(self, request_id: str, *, audit: AuditEntry | None = None) -> None:
        """Release a NEW claim whose execution failed before anything was sent, so a retry may run.

        Unknown ids are ignored; a completed id is refused: forgetting it would allow a second execution.
        `audit`, if given, is written in the same transaction.
        """
        if self._writer is not None:
            if audit is not None and audit.id is not None:
                raise ValueError(f"audit entry {audit.id} is already stored; append a new entry instead")
            account, scope = self._db.account, self._db.scope

            def release(conn: sqlite3.Connection) -> str | None:
                if _release_sql(scope, request_id)(conn):
                    if audit is not None:
                        append_sql(conn, audit, account=account)
                    return None
                found = execute(conn, _STATE_SQL, (scope, request_id)).fetchone()
                return found[0] if found else None

            if await self._writer.run(release) == _DONE:
                raise RequestStateError(f"request {request_id!r} is completed; it cannot be abandoned")
            return
        in_progress = _key(self._db.scope, request_id) & (request_ids.c.state == _IN_PROGRESS)
        async with self._db.write() as conn:
            if (await conn.execute(sa.delete(request_ids).where(in_progress))).rowcount == 1:
                if audit is not None:
                    await append_in(conn, audit, account=self._db.account)
                return
            query = sa.select(request_ids.c.state).where(_key(self._db.scope, request_id))
            state = (await conn.execute(query)).scalar_one_or_none()
        if state == _DONE:
            raise RequestStateError(f"request {request_id!r} is completed; it cannot be abandoned")

    async def open_claims(self, *, created_before: datetime) -> list[OpenClaim]:
        """This account's claims still in progress, taken before `created_before`, oldest first."""
        query = (
            sa.select(request_ids)
            .where(
                request_ids.c.account == self._db.scope,
                request_ids.c.state == _IN_PROGRESS,
                request_ids.c.created_at < created_before,
            )
            .order_by(request_ids.c.created_at)
        )
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [
            OpenClaim(
                request_id=r["request_id"], actor=r["actor"], plan=r["plan"], created_at=r["created_at"]
            )
            for r in rows
        ]

    async def purge(self, older_than: datetime) -> int:
        """Forget this account's completed ids finished before `older_than`; return how many.

        Ids still in progress are kept however old: the order may have reached the broker, so only a human
        should release them.
        """
        done_before = (
            (request_ids.c.account == self._db.scope)
            & (request_ids.c.state == _DONE)
            & (request_ids.c.completed_at < older_than)
        )
        async with self._db.write() as conn:
            return (await conn.execute(sa.delete(request_ids).where(done_before))).rowcount


def _key(scope: str, request_id: str) -> sa.ColumnElement[bool]:
    return (request_ids.c.account == scope) & (request_ids.c.request_id == request_id)


async def _existing(
    conn: AsyncConnection, scope: str, request_id: str, fingerprint: str, actor: str
) -> Claim | None:
    query = sa.select(request_ids).where(_key(scope, request_id))
    row = (await conn.execute(query)).mappings().one_or_none()
    if row is None:
        return None
    if row["fingerprint"] != fingerprint or row["actor"] != actor:
        return Claim(request_id=request_id, state=ClaimState.CONFLICT)
    if row["state"] == _DONE:
        return Claim(request_id=request_id, state=ClaimState.DONE, result=row["result"])
    return Claim(request_id=request_id, state=ClaimState.IN_PROGRESS)


# --- the same operations in plain sqlite3, for the SQLite writer (storage/writer.py) ----------------------
_INSERT_SQL = (
    "INSERT INTO request_ids "
    "(account, request_id, fingerprint, actor, state, plan, result, created_at, completed_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account, request_id) DO NOTHING"
)
_SELECT_SQL = "SELECT fingerprint, actor, state, result FROM request_ids WHERE account = ? AND request_id = ?"
_STATE_SQL = "SELECT state FROM request_ids WHERE account = ? AND request_id = ?"
_COMPLETE_SQL = (
    "UPDATE request_ids SET state = ?, result = ?, completed_at = ?, plan = 'null' "
    "WHERE account = ? AND request_id = ? AND state = ?"
)
_RELEASE_SQL = "DELETE FROM request_ids WHERE account = ? AND request_id = ? AND state = ?"


def _now_sql() -> str:
    return sql_time(datetime.now(UTC))


def _insert_sql(
    conn: sqlite3.Connection,
    scope: str,
    request_id: str,
    fingerprint: str,
    actor: str,
    row: tuple[str | None, ...],
) -> Claim | None:
    if execute(conn, _INSERT_SQL, row).rowcount == 1:
        return Claim(request_id=request_id, state=ClaimState.NEW)
    return _existing_sql(conn, scope, request_id, fingerprint, actor)


def _existing_sql(
    conn: sqlite3.Connection, scope: str, request_id: str, fingerprint: str, actor: str
) -> Claim | None:
    row = execute(conn, _SELECT_SQL, (scope, request_id)).fetchone()
    if row is None:
        return None
    if row[0] != fingerprint or row[1] != actor:
        return Claim(request_id=request_id, state=ClaimState.CONFLICT)
    if row[2] == _DONE:
        return Claim(request_id=request_id, state=ClaimState.DONE, result=json.loads(row[3]))
    return Claim(request_id=request_id, state=ClaimState.IN_PROGRESS)


def _complete_sql(
    conn: sqlite3.Connection,
    scope: str,
    request_id: str,
    result: str,
    audit: AuditEntry | None,
    audit_result: str | None,
    account: str | None,
) -> None:
    values = (_DONE, result, _now_sql(), scope, request_id, _IN_PROGRESS)
    if execute(conn, _COMPLETE_SQL, values).rowcount != 1:
        raise RequestStateError(f"request {request_id!r} is not in progress; cannot complete it")
    if audit is not None:
        append_sql(conn, audit, account=account, result_json=audit_result)


def _release_sql(scope: str, request_id: str) -> Callable[[sqlite3.Connection], bool]:
    def release(conn: sqlite3.Connection) -> bool:
        return bool(execute(conn, _RELEASE_SQL, (scope, request_id, _IN_PROGRESS)).rowcount == 1)

    return release
