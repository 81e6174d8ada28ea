"""The audit log: append, read back every field, filters, ordering, survival across restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from storage import AuditEntry, Database, Outcome
from tests.storage.builders import T0, entry
from tests.storage.conftest import Target


async def test_append_returns_increasing_ids_and_every_field_round_trips(db: Database) -> None:
    first = entry()
    first_id = await db.audit.append(first)
    second_id = await db.audit.append(entry(action="close", outcome=Outcome.REJECTED, tickets=[1, 2, 3]))
    assert second_id > first_id
    stored = await db.audit.recent()
    assert [e.id for e in stored] == [second_id, first_id]
    assert stored[1] == first.model_copy(update={"id": first_id})
    assert stored[0].tickets == [1, 2, 3]
    assert stored[0].outcome is Outcome.REJECTED


async def test_minimal_entry_round_trips(db: Database) -> None:
    bare = AuditEntry(at=T0, platform="rest", user_id="token:ro", action="positions", outcome=Outcome.DENIED)
    new_id = await db.audit.append(bare)
    assert await db.audit.recent() == [bare.model_copy(update={"id": new_id})]


async def test_times_are_stored_as_utc_instants(db: Database) -> None:
    beijing = timezone(timedelta(hours=8))
    local = entry(at=datetime(2026, 3, 2, 16, 0, tzinfo=beijing))
    assert local.at.tzinfo == UTC
    await db.audit.append(local)
    (stored,) = await db.audit.recent()
    assert stored.at == T0
    assert stored.at.tzinfo == UTC


async def test_recent_filters_by_actor_platform_and_since(db: Database) -> None:
    for minutes, platform, user_id in [
        (0, "telegram", "a"),
        (1, "qq", "a"),
        (2, "telegram", "b"),
        (3, "telegram", "a"),
    ]:
        await db.audit.append(entry(at=T0 + timedelta(minutes=minutes), platform=platform, user_id=user_id))
    assert [e.at.minute for e in await db.audit.recent(actor="a")] == [3, 1, 0]
    assert [e.at.minute for e in await db.audit.recent(actor="a", platform="telegram")] == [3, 0]
    assert [e.at.minute for e in await db.audit.recent(since=T0 + timedelta(minutes=1))] == [3, 2, 1]
    assert [e.at.minute for e in await db.audit.recent(limit=2)] == [3, 2]
    assert await db.audit.recent(actor="nobody") == []


async def test_for_request_returns_the_story_of_one_request(db: Database) -> None:
    await db.audit.append(entry(request_id="r-9", outcome=Outcome.PENDING))
    await db.audit.append(entry(request_id="other"))
    await db.audit.append(entry(request_id="r-9", outcome=Outcome.OK))
    assert [e.outcome for e in await db.audit.for_request("r-9")] == [Outcome.PENDING, Outcome.OK]


async def test_entries_survive_close_and_reopen(target: Target) -> None:
    db = await target.open()
    ids = [await db.audit.append(entry(action=f"a{i}")) for i in range(3)]
    await db.close()
    reopened = await target.open()
    try:
        stored = await reopened.audit.recent()
        assert [e.id for e in stored] == ids[::-1]
        next_id = await reopened.audit.append(entry())
        assert next_id > max(ids)
    finally:
        await reopened.close()


async def test_stored_entry_cannot_be_appended_again(db: Database) -> None:
    with pytest.raises(ValueError, match="already stored"):
        await db.audit.append(entry(id=7))


def test_naive_time_and_unknown_outcome_are_refused() -> None:
    with pytest.raises(ValidationError):
        entry(at=datetime(2026, 1, 1))
    with pytest.raises(ValidationError):
        entry(outcome="maybe")


async def test_the_api_has_no_way_to_change_entries(db: Database) -> None:
    public = {name for name in dir(db.audit) if not name.startswith("_")}
    assert public == {"append", "recent", "for_request"}


async def test_limit_must_be_positive(db: Database) -> None:
    with pytest.raises(ValueError, match="limit"):
        await db.audit.recent(limit=0)
