"""Idempotency: the same request id executes once, under concurrency too, on every backend."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from storage import ClaimState, Database, RequestStateError
from tests.storage.builders import entry
from tests.storage.conftest import Target

RESULT = {"retcode": 10009, "order": 5001, "deal": 7001, "price": 2345.6, "comment": "Request executed"}


async def test_new_then_done_returns_the_first_result(db: Database) -> None:
    assert (await db.requests.begin("r1", "fp", "telegram:1")).state is ClaimState.NEW
    assert (await db.requests.begin("r1", "fp", "telegram:1")).state is ClaimState.IN_PROGRESS
    await db.requests.complete("r1", RESULT)
    again = await db.requests.begin("r1", "fp", "telegram:1")
    assert again.state is ClaimState.DONE
    assert again.result == RESULT


async def test_different_body_or_actor_is_a_conflict_and_never_sees_the_result(db: Database) -> None:
    await db.requests.begin("r1", "fp", "rest:a")
    assert (await db.requests.begin("r1", "other-fp", "rest:a")).state is ClaimState.CONFLICT
    await db.requests.complete("r1", RESULT)
    stranger = await db.requests.begin("r1", "fp", "rest:b")
    assert stranger.state is ClaimState.CONFLICT
    assert stranger.result is None
    assert (await db.requests.begin("r1", "other-fp", "rest:a")).state is ClaimState.CONFLICT


async def test_abandon_allows_a_retry(db: Database) -> None:
    await db.requests.begin("r1", "fp", "a")
    await db.requests.abandon("r1")
    assert (await db.requests.begin("r1", "fp", "a")).state is ClaimState.NEW
    await db.requests.abandon("never-seen")  # harmless


async def test_completed_request_cannot_be_abandoned_or_completed_again(db: Database) -> None:
    await db.requests.begin("r1", "fp", "a")
    await db.requests.complete("r1", RESULT)
    with pytest.raises(RequestStateError):
        await db.requests.abandon("r1")
    with pytest.raises(RequestStateError):
        await db.requests.complete("r1", {"retcode": 1})
    assert (await db.requests.begin("r1", "fp", "a")).result == RESULT


async def test_complete_of_unknown_id_is_refused(db: Database) -> None:
    with pytest.raises(RequestStateError):
        await db.requests.complete("ghost", RESULT)


async def test_twenty_concurrent_duplicates_execute_once(db: Database) -> None:
    claims = await asyncio.gather(*(db.requests.begin("dup", "fp", "a") for _ in range(20)))
    assert Counter(c.state for c in claims) == {ClaimState.NEW: 1, ClaimState.IN_PROGRESS: 19}


async def test_concurrent_duplicates_across_two_processes_execute_once(target: Target) -> None:
    # Two Database objects have separate engines and pools, like two processes on one database.
    first, second = await target.open(), await target.open()
    try:
        claims = await asyncio.gather(
            *(db.requests.begin(f"id-{n % 5}", "fp", "a") for n in range(30) for db in (first, second))
        )
    finally:
        await first.close()
        await second.close()
    news = Counter(c.request_id for c in claims if c.state is ClaimState.NEW)
    assert news == {f"id-{n}": 1 for n in range(5)}


async def test_purge_forgets_only_old_completed_ids(db: Database) -> None:
    for rid in ("old-done", "running"):
        await db.requests.begin(rid, "fp", "a")
    await db.requests.complete("old-done", RESULT)
    assert await db.requests.purge(datetime.now(UTC) - timedelta(hours=1)) == 0
    assert await db.requests.purge(datetime.now(UTC) + timedelta(seconds=1)) == 1
    assert (await db.requests.begin("old-done", "fp", "a")).state is ClaimState.NEW
    assert (await db.requests.begin("running", "fp", "a")).state is ClaimState.IN_PROGRESS


@pytest.mark.parametrize(
    ("rid", "fp", "actor"), [("", "f", "a"), ("x" * 129, "f", "a"), ("r", "", "a"), ("r", "f", "")]
)
async def test_bad_arguments_are_refused(db: Database, rid: str, fp: str, actor: str) -> None:
    with pytest.raises(ValueError, match="characters"):
        await db.requests.begin(rid, fp, actor)


async def test_result_and_audit_commit_together(db: Database) -> None:
    await db.requests.begin("r1", "fp", "a", plan={"legs": []})
    await db.requests.complete("r1", RESULT, audit=entry(request_id="r1"))
    assert [e.request_id for e in await db.audit.for_request("r1")] == ["r1"]
    # A failing audit line (an id already set) rolls the result back: the claim stays open, no row added.
    await db.requests.begin("r2", "fp", "a")
    with pytest.raises(ValueError, match="already stored"):
        await db.requests.complete("r2", RESULT, audit=entry(id=7, request_id="r2"))
    assert (await db.requests.lookup("r2", "fp", "a")).state is ClaimState.IN_PROGRESS  # type: ignore[union-attr]
    assert await db.audit.for_request("r2") == []


async def test_record_stores_a_refusal_once_and_never_over_a_claim(db: Database) -> None:
    refusal = {"refusal": {"code": "no_match", "message": "nothing", "kind": "invalid", "details": {}}}
    first = await db.requests.record("r1", "fp", "a", refusal, audit=entry(request_id="r1"))
    assert first.state is ClaimState.NEW
    again = await db.requests.begin("r1", "fp", "a")
    assert (again.state, again.result) == (ClaimState.DONE, refusal)
    # Someone holds r2: recording a refusal under it writes nothing and says so.
    await db.requests.begin("r2", "fp", "a")
    busy = await db.requests.record("r2", "fp", "a", refusal, audit=entry(request_id="r2"))
    assert busy.state is ClaimState.IN_PROGRESS
    assert await db.audit.for_request("r2") == []
    assert len(await db.audit.for_request("r1")) == 1


async def test_lookup_claims_nothing(db: Database) -> None:
    assert await db.requests.lookup("r1", "fp", "a") is None
    assert (await db.requests.begin("r1", "fp", "a")).state is ClaimState.NEW
    assert (await db.requests.lookup("r1", "other", "a")).state is ClaimState.CONFLICT  # type: ignore[union-attr]


async def test_open_claims_lists_only_old_unsettled_claims_with_their_plan(db: Database) -> None:
    await db.requests.begin("done", "fp", "a", plan={"n": 1})
    await db.requests.complete("done", RESULT)
    await db.requests.begin("open", "fp", "rest:x", plan={"n": 2})
    cutoff = datetime.now(UTC) + timedelta(seconds=1)
    [claim] = await db.requests.open_claims(created_before=cutoff)
    assert (claim.request_id, claim.actor, claim.plan) == ("open", "rest:x", {"n": 2})
    assert await db.requests.open_claims(created_before=datetime.now(UTC) - timedelta(hours=1)) == []
    await db.requests.abandon("open", audit=entry(request_id="open"))
    assert await db.requests.open_claims(created_before=cutoff) == []
    assert len(await db.audit.for_request("open")) == 1
