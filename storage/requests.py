"""Request ids for idempotency: the same id twice executes once and returns the first result.

A claim's result and its audit line are written in one transaction (`complete`, `record`), so a crash
leaves either both or neither. A claim still `in_progress` after a crash keeps the plan it was taken for,
which is what a restart needs to settle it from the terminal's records (`open_claims`).
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.audit import append_in
from storage.engine import Connector
from storage.errors import RequestStateError
from storage.models import AuditEntry, Claim, ClaimState, JsonObject, OpenClaim
from storage.tables import request_ids

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
    """Claims request ids atomically (primary key + INSERT ... ON CONFLICT DO NOTHING)."""

    def __init__(self, connector: Connector) -> None:
        self._db = connector

    async def begin(
        self, request_id: str, fingerprint: str, actor: str, *, plan: JsonObject | None = None
    ) -> Claim:
        """Claim the id. NEW: execute, then complete() or abandon(). See ClaimState for the others.

        A different fingerprint or a different actor under the same id is a CONFLICT: the stored result is
        never handed to someone who did not make the original request. `plan` is kept with the claim
        until it is settled.
        """
        _check(request_id, fingerprint, actor)
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
        async with self._db.read() as conn:
            return await _existing(conn, request_id, fingerprint, actor)

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
                request_id=request_id,
                fingerprint=fingerprint,
                actor=actor,
                state=state,
                plan=plan,
                result=result,
                created_at=now,
                completed_at=now if state == _DONE else None,
            )
            .on_conflict_do_nothing(index_elements=["request_id"])
        )
        if (await conn.execute(insert)).rowcount == 1:
            return Claim(request_id=request_id, state=ClaimState.NEW)
        return await _existing(conn, request_id, fingerprint, actor)

    async def complete(self, request_id: str, result: JsonObject, *, audit: AuditEntry | None = None) -> None:
        """Store the result of a NEW claim, and its audit line in the same transaction.

        Later begin() calls with the same id get the result back.
        """
        update = (
            sa.update(request_ids)
            .where(request_ids.c.request_id == request_id, request_ids.c.state == _IN_PROGRESS)
            .values(state=_DONE, result=result, completed_at=datetime.now(UTC), plan=None)
        )
        async with self._db.write() as conn:
            if (await conn.execute(update)).rowcount != 1:
                raise RequestStateError(f"request {request_id!r} is not in progress; cannot complete it")
            if audit is not None:
                await append_in(conn, audit)

    async def record(
        self, request_id: str, fingerprint: str, actor: str, result: JsonObject, *, audit: AuditEntry
    ) -> Claim:
        """Store a result decided before anything was claimed (a refusal), with its audit line.

        NEW when it was stored; otherwise what the id already holds (nothing is written then, so a
        concurrent claim is never overwritten).
        """
        _check(request_id, fingerprint, actor)
        for _ in range(_ATTEMPTS):
            async with self._db.write() as conn:
                claim = await self._try_insert(conn, request_id, fingerprint, actor, state=_DONE,
                                               result=result)  # fmt: skip
                if claim is not None and claim.state is ClaimState.NEW:
                    await append_in(conn, audit)
            if claim is not None:
                return claim
        return Claim(request_id=request_id, state=ClaimState.IN_PROGRESS)

    async def abandon(self, request_id: str, *, audit: AuditEntry | None = None) -> None:
        """Release a NEW claim whose execution failed before anything was sent, so a retry may run.

        Unknown ids are ignored; a completed id is refused: forgetting it would allow a second execution.
        `audit`, if given, is written in the same transaction.
        """
        in_progress = (request_ids.c.request_id == request_id) & (request_ids.c.state == _IN_PROGRESS)
        async with self._db.write() as conn:
            if (await conn.execute(sa.delete(request_ids).where(in_progress))).rowcount == 1:
                if audit is not None:
                    await append_in(conn, audit)
                return
            query = sa.select(request_ids.c.state).where(request_ids.c.request_id == request_id)
            state = (await conn.execute(query)).scalar_one_or_none()
        if state == _DONE:
            raise RequestStateError(f"request {request_id!r} is completed; it cannot be abandoned")

    async def open_claims(self, *, created_before: datetime) -> list[OpenClaim]:
        """Claims still in progress that were taken before `created_before`, oldest first."""
        query = (
            sa.select(request_ids)
            .where(request_ids.c.state == _IN_PROGRESS, request_ids.c.created_at < created_before)
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
        """Forget completed ids finished before `older_than`; return how many.

        Ids still in progress are kept however old: the order may have reached the broker, so only a human
        should release them.
        """
        done_before = (request_ids.c.state == _DONE) & (request_ids.c.completed_at < older_than)
        async with self._db.write() as conn:
            return (await conn.execute(sa.delete(request_ids).where(done_before))).rowcount


async def _existing(conn: AsyncConnection, request_id: str, fingerprint: str, actor: str) -> Claim | None:
    query = sa.select(request_ids).where(request_ids.c.request_id == request_id)
    row = (await conn.execute(query)).mappings().one_or_none()
    if row is None:
        return None
    if row["fingerprint"] != fingerprint or row["actor"] != actor:
        return Claim(request_id=request_id, state=ClaimState.CONFLICT)
    if row["state"] == _DONE:
        return Claim(request_id=request_id, state=ClaimState.DONE, result=row["result"])
    return Claim(request_id=request_id, state=ClaimState.IN_PROGRESS)
