"""Report runs, deliveries and subscriptions on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.database import Database

DUE = datetime(2026, 12, 4, 21, 55, tzinfo=UTC)


async def test_a_run_is_recorded_once_whoever_starts_it(db: Database) -> None:
    first = await db.reports.begin("daily", "2026-12-04", DUE, late=False)
    again = await db.reports.begin("daily", "2026-12-04", DUE, late=True)  # a second start: the first wins
    assert again == first and first.late is False and first.due_at == DUE
    assert await db.reports.get("daily", "2026-12-05") is None


async def test_a_sent_recipient_is_settled_a_failed_one_gets_one_more_try(db: Database) -> None:
    await db.reports.begin("monthly", "2026-11", DUE, late=False)
    await db.reports.record("monthly", "2026-11", "telegram", "1", None)
    await db.reports.record("monthly", "2026-11", "wecom", "zhang", "wecom_45009: api freq out of limit")
    assert await db.reports.settled("monthly", "2026-11") == {("telegram", "1")}
    await db.reports.record("monthly", "2026-11", "wecom", "zhang", "wecom_45009: again")
    assert await db.reports.settled("monthly", "2026-11") == {("telegram", "1"), ("wecom", "zhang")}
    [failed] = [d for d in await db.reports.deliveries("monthly", "2026-11") if d.platform == "wecom"]
    assert (failed.state, failed.attempts, failed.error) == ("failed", 2, "wecom_45009: again")


async def test_subscriptions_per_kind(db: Database) -> None:
    await db.reports.subscribe("qq", "123", "monthly", False)
    await db.reports.subscribe("qq", "123", "hedge", True)
    await db.reports.subscribe("qq", "123", "monthly", True)
    assert await db.reports.choices() == {("qq", "123", "monthly"): True, ("qq", "123", "hedge"): True}
    assert await db.reports.choices("hedge") == {("qq", "123", "hedge"): True}
