"""The audit log's reading filters for the admins' view (GET /api/v1/audit): action, outcome, a time window
with `until` exclusive, and paging by id with `before`; on SQLite and PostgreSQL (tests/storage/conftest.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage import AuditEntry, Database, Outcome
from tests.storage.builders import T0, entry

# (minute, platform, user, action, outcome, account)
LINES = [
    (0, "telegram", "a", "open", Outcome.OK, "alpha"),
    (1, "rest", "b", "close", Outcome.REJECTED, "alpha"),
    (2, "rest", "a", "open", Outcome.REFUSED, "beta"),
    (3, "http", "a", "chat.query", Outcome.OK, "beta"),
    (4, "rest", "b", "open", Outcome.OK, "alpha"),
]


async def _fill(db: Database) -> list[int]:
    ids = []
    for minute, platform, user, action, outcome, account in LINES:
        line = entry(at=T0 + timedelta(minutes=minute), platform=platform, user_id=user, action=action)
        ids.append(await db.audit.append(line.model_copy(update={"outcome": outcome, "account": account})))
    return ids


def _minutes(found: list[AuditEntry]) -> list[int]:
    return [e.at.minute for e in found]


async def test_each_filter_narrows_and_they_combine(db: Database) -> None:
    await _fill(db)
    assert _minutes(await db.audit.recent(action="open")) == [4, 2, 0]
    assert _minutes(await db.audit.recent(outcome=Outcome.OK)) == [4, 3, 0]
    assert _minutes(await db.audit.recent(until=T0 + timedelta(minutes=2))) == [1, 0]  # exclusive
    since, until = T0 + timedelta(minutes=1), T0 + timedelta(minutes=4)
    assert _minutes(await db.audit.recent(since=since, until=until)) == [3, 2, 1]
    assert _minutes(await db.audit.recent(action="open", outcome=Outcome.OK, account="alpha")) == [4, 0]
    assert _minutes(await db.audit.recent(platform="rest", actor="b", outcome=Outcome.REJECTED)) == [1]
    assert await db.audit.recent(action="open", outcome=Outcome.EXPIRED) == []


async def test_before_pages_through_disjoint_ordered_pages(db: Database) -> None:
    ids = await _fill(db)
    pages, before = [], None
    while True:
        page = await db.audit.recent(limit=2, before=before)
        if not page:
            break
        pages.append([e.id for e in page])
        before = page[-1].id
    assert pages == [ids[:2:-1], ids[2:0:-1], ids[:1]]
    assert [e.id for e in await db.audit.recent(before=ids[3], action="open")] == [ids[2], ids[0]]
    assert await db.audit.recent(before=ids[0]) == []


async def test_limit_below_one_is_refused(db: Database) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        await db.audit.recent(limit=0, outcome=Outcome.OK)
