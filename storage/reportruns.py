"""Scheduled report runs, their deliveries per recipient, and each user's report subscriptions.

A run is (kind, period): the daily report of 2026-12-04 is one run however often the service restarts.
A recipient marked `sent` for a run is never sent it again; a `failed` one is tried again at most
`MAX_ATTEMPTS` times in all (once on the next start, as the catch-up's retry).

Runs and deliveries belong to the service's account (`Connector.scope`, revision 0005): services sharing
one database each send their own reports and never see each other's runs. Subscriptions are a person's
choice and shared by every service (docs/storage.md, "Shared database").
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from pydantic import AwareDatetime, Field, field_validator

from storage.engine import Connector
from storage.models import _Record, _to_utc
from storage.tables import report_deliveries, report_runs, report_subscriptions

MAX_ATTEMPTS = 2


class ReportRun(_Record):
    """One scheduled run: which report, the period it covers, when it was due, whether it went late."""

    kind: str
    period: str
    due_at: AwareDatetime
    started_at: AwareDatetime
    late: bool

    _utc = field_validator("due_at", "started_at")(_to_utc)


class DeliveryRecord(_Record):
    """One recipient of one run."""

    platform: str
    chat_id: str
    state: str = Field(pattern="^(sent|failed)$")
    attempts: int
    error: str | None = None


class ReportRunStore:
    """Runs and deliveries (of this service's account), and subscriptions (shared)."""

    def __init__(self, connector: Connector, *, scope: str | None = None) -> None:
        self._db = connector
        self._scope = connector.scope if scope is None else scope

    def for_account(self, scope: str) -> ReportRunStore:
        """The runs and deliveries of another scope in the same database: a front keeps each of its
        bridges' scheduled runs under the bridge's name (and the consolidated ones under `*<own name>`)."""
        return ReportRunStore(self._db, scope=scope)

    # -- runs ------------------------------------------------------------------------------------

    async def begin(self, kind: str, period: str, due_at: datetime, *, late: bool) -> ReportRun:
        """Record the run unless it exists; returns the stored run (the first start of it wins)."""
        values = {
            "account": self._scope,
            "kind": kind,
            "period": period,
            "due_at": due_at,
            "started_at": datetime.now(UTC),
            "late": late,
        }
        insert = (
            self._db.upsert(report_runs)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["account", "kind", "period"])
        )
        async with self._db.write() as conn:
            await conn.execute(insert)
            row = (await conn.execute(self._run(kind, period))).mappings().one()
        return _run(row)

    async def get(self, kind: str, period: str) -> ReportRun | None:
        """The run, or None if it never started."""
        async with self._db.read() as conn:
            row = (await conn.execute(self._run(kind, period))).mappings().one_or_none()
        return None if row is None else _run(row)

    async def latest(self) -> ReportRun | None:
        """The run started last (of any kind), or None before the first."""
        query = (
            sa.select(report_runs)
            .where(report_runs.c.account == self._scope)
            .order_by(report_runs.c.started_at.desc())
            .limit(1)
        )
        async with self._db.read() as conn:
            row = (await conn.execute(query)).mappings().one_or_none()
        return None if row is None else _run(row)

    def _run(self, kind: str, period: str) -> sa.Select[tuple[object, ...]]:
        t = report_runs.c
        return sa.select(report_runs).where(t.account == self._scope, t.kind == kind, t.period == period)

    # -- deliveries --------------------------------------------------------------------------------

    async def deliveries(self, kind: str, period: str) -> list[DeliveryRecord]:
        """Every recipient recorded for the run."""
        query = sa.select(report_deliveries).where(
            report_deliveries.c.account == self._scope,
            report_deliveries.c.kind == kind,
            report_deliveries.c.period == period,
        )
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [
            DeliveryRecord.model_validate({k: row[k] for k in DeliveryRecord.model_fields}) for row in rows
        ]

    async def settled(self, kind: str, period: str) -> set[tuple[str, str]]:
        """Recipients not to send this run again: sent, or failed `MAX_ATTEMPTS` times already."""
        return {
            (d.platform, d.chat_id)
            for d in await self.deliveries(kind, period)
            if d.state == "sent" or d.attempts >= MAX_ATTEMPTS
        }

    async def record(self, kind: str, period: str, platform: str, chat_id: str, error: str | None) -> None:
        """Note one attempt's outcome for a recipient (`error` None: sent)."""
        values = {
            "account": self._scope, "kind": kind, "period": period,
            "platform": platform, "chat_id": chat_id,
            "state": "sent" if error is None else "failed", "attempts": 1,
            "error": None if error is None else error[:256], "updated_at": datetime.now(UTC),
        }  # fmt: skip
        insert = self._db.upsert(report_deliveries).values(**values)
        update = {
            "state": insert.excluded.state,
            "error": insert.excluded.error,
            "updated_at": insert.excluded.updated_at,
            "attempts": report_deliveries.c.attempts + 1,
        }
        keys = ["account", "kind", "period", "platform", "chat_id"]
        async with self._db.write() as conn:
            await conn.execute(insert.on_conflict_do_update(index_elements=keys, set_=update))

    # -- subscriptions -----------------------------------------------------------------------------

    async def subscribe(self, platform: str, user_id: str, kind: str, on: bool) -> None:
        """Record a user's choice for one report kind."""
        values = {"platform": platform, "user_id": user_id, "kind": kind, "subscribed": on,
                  "updated_at": datetime.now(UTC)}  # fmt: skip
        insert = self._db.upsert(report_subscriptions).values(**values)
        update = {"subscribed": insert.excluded.subscribed, "updated_at": insert.excluded.updated_at}
        async with self._db.write() as conn:
            await conn.execute(
                insert.on_conflict_do_update(index_elements=["platform", "user_id", "kind"], set_=update)
            )

    async def choices(self, kind: str | None = None) -> dict[tuple[str, str, str], bool]:
        """(platform, user_id, kind) -> subscribed, for every recorded choice (of one kind if given)."""
        query = sa.select(report_subscriptions)
        if kind is not None:
            query = query.where(report_subscriptions.c.kind == kind)
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return {(r["platform"], r["user_id"], r["kind"]): bool(r["subscribed"]) for r in rows}


def _run(row: sa.RowMapping) -> ReportRun:
    return ReportRun.model_validate({k: row[k] for k in ReportRun.model_fields})
