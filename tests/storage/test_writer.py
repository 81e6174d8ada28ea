"""The SQLite group-committing writer (storage/writer.py) writes exactly the rows SQLAlchemy writes, and
answers concurrent callers from shared commits."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from storage import ClaimState, Database
from storage.audit import AuditLog
from storage.requests import RequestStore
from tests.storage.builders import entry
from tests.storage.conftest import sqlite_url

RESULT = {"retcode": 10009, "order": 5001, "comment": "é", "nested": {"a": [1, 2.5, None]}}


async def _write(requests: RequestStore, audit: AuditLog, rid: str) -> None:
    await requests.begin(rid, "fp", "rest:a", plan={"legs": [{"ticket": 1}]})
    await requests.complete(rid, RESULT, audit=entry(request_id=rid, result=RESULT, chat_id=None))
    await requests.begin(rid + "-open", "fp", "rest:a")
    await requests.record(
        rid + "-refused", "fp", "rest:a", {"refusal": {"code": "x"}}, audit=entry(request_id=rid)
    )
    await audit.append(entry(request_id=rid, tickets=[]))


def _rows(path: Path, table: str, key: str, rid: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute(
            f"SELECT * FROM {table} WHERE {key} LIKE ? ORDER BY rowid",  # noqa: S608 - our own table names
            (rid + "%",),
        ).fetchall()
    skip = {"id", "created_at", "completed_at", "request_id"}
    return [tuple(row[k] for k in row.keys() if k not in skip) for row in rows]


async def test_writer_rows_are_byte_for_byte_those_of_sqlalchemy(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    db = await Database.open(sqlite_url(path))
    try:
        assert db.writer is not None
        await _write(db.requests, db.audit, "fast")
        await _write(RequestStore(db.connector), AuditLog(db.connector), "orm")  # the SQLAlchemy path
        assert (await db.requests.lookup("orm", "fp", "rest:a")).result == RESULT  # type: ignore[union-attr]
        assert next(e.result for e in await db.audit.for_request("fast")) == RESULT
    finally:
        await db.close()
    assert _rows(path, "request_ids", "request_id", "fast") == _rows(path, "request_ids", "request_id", "orm")
    assert _rows(path, "audit_log", "request_id", "fast") == _rows(path, "audit_log", "request_id", "orm")


async def test_concurrent_claims_share_commits(tmp_path: Path) -> None:
    db = await Database.open(sqlite_url(tmp_path / "w.db"))
    try:
        assert db.writer is not None
        before = db.writer.batches
        claims = await asyncio.gather(*(db.requests.begin(f"r{n}", "fp", "a") for n in range(32)))
        assert {c.state for c in claims} == {ClaimState.NEW}
        assert db.writer.batches - before < 32
    finally:
        await db.close()


async def test_a_cancelled_claim_is_not_left_behind(tmp_path: Path) -> None:
    db = await Database.open(sqlite_url(tmp_path / "w.db"))
    try:
        tasks = [asyncio.create_task(db.requests.begin(f"c{n}", "fp", "a")) for n in range(20)]
        await asyncio.sleep(0)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await db.requests.begin("after", "fp", "a")  # a later batch: the releases ran before it
        for _ in range(50):
            stuck = [n for n in range(20) if await db.requests.lookup(f"c{n}", "fp", "a") is not None]
            if not stuck:
                break
            await asyncio.sleep(0.01)
        assert stuck == []
    finally:
        await db.close()
