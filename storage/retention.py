"""Retention: rows older than `database.retention_days` are archived to a file, then removed.

Three tables grow for ever: account snapshots (one a minute), the audit log, and the request ids kept
for idempotency. For each, the rows before the cutoff are read page by page (short read transactions,
keyset on the primary key) and written to `<archive>/<table>-<first day>-<last day>.jsonl.gz`, one JSON
object a row; the file is fsync'd and renamed into place (then its directory fsync'd) **before** any of
those rows is deleted, and only the keys in that file are deleted, in small transactions.

So a crash can never lose a row: before the archive is complete nothing is deleted; after it, a crash
leaves rows both archived and still in the database, which the next run archives again (a duplicate in
the archive, never a gap). Open claims (`in_progress` request ids) are never touched: the order may
have reached the broker, and the recovery at start-up needs them.

The audit log is append-only; its delete trigger is lifted for this one path only, inside each delete
transaction, and put back before that transaction commits (SQLite drops and recreates it from its own
text; PostgreSQL disables and enables it), so no other connection ever sees the log without it. The
first delete of each table commits with an audit line saying what was archived where.

Several services may share one database: each run touches only the rows of its own account (the
connector's, `Database.open(account=)`), plus the audit lines that name none and, on a front, the audit
lines it wrote for the bridges it routes to (`routed`; docs/storage.md, "Shared database").
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.audit import append_in
from storage.backup import database_file
from storage.engine import Connector
from storage.models import AuditEntry, Outcome
from storage.settings import DatabaseSettings
from storage.tables import account_snapshots, audit_log, request_ids

PAGE = 2000  # rows read per transaction
BATCH = 500  # keys deleted per transaction (each short, so the service's writes go in between)
_AUDIT_DELETE_TRIGGER = {"sqlite": "audit_log_no_delete", "postgresql": "audit_log_no_update_delete"}


@dataclass(frozen=True)
class _Source:
    """One table under retention: its key, the time that ages a row, and which rows may go."""

    table: sa.Table
    key: sa.Column[Any]
    time: sa.Column[Any]
    extra: Sequence[sa.ColumnElement[bool]] = ()

    def owned(self, connector: Connector, routed: Collection[str] = ()) -> sa.ColumnElement[bool]:
        """The rows of the service running retention (several may share the database).

        Its own account's rows; for the audit log also the lines that name no account (written before
        revision 0004, or by a service opened without a name), which belong to no other service, and the
        lines of the accounts in `routed` (a front's bridges: it writes lines for the trades it routes).
        """
        account = self.table.c.account
        if self.table is not audit_log:
            return account == connector.scope
        names = sorted({*routed, *([connector.account] if connector.account is not None else [])})
        return sa.or_(account.in_(names), account.is_(None)) if names else account.is_(None)

    def older_than(self, cutoff: datetime, owned: sa.ColumnElement[bool]) -> list[sa.ColumnElement[bool]]:
        return [self.time < cutoff, owned, *self.extra]


SOURCES = (
    _Source(account_snapshots, account_snapshots.c.id, account_snapshots.c.at),
    _Source(audit_log, audit_log.c.id, audit_log.c.at),
    # Settled ids only: an id in progress may have reached the broker; recovery settles it first.
    _Source(
        request_ids, request_ids.c.request_id, request_ids.c.completed_at, (request_ids.c.state == "done",)
    ),
)


@dataclass(frozen=True)
class TableResult:
    """What retention did to one table: rows archived (or that would be), the file, rows deleted."""

    table: str
    rows: int
    archive: Path | None = None
    deleted: int = 0


@dataclass(frozen=True)
class RetentionReport:
    """One run: its cutoff, whether it only counted, and each table's result."""

    cutoff: datetime
    dry_run: bool
    tables: list[TableResult] = field(default_factory=list)


def archive_directory(settings: DatabaseSettings) -> Path:
    """`database.archive_dir`, else `archive/` beside the SQLite database, else `data/archive`."""
    if settings.archive_dir:
        return Path(settings.archive_dir)
    path = database_file(settings.url)
    return (path.parent if path is not None else Path("data")) / "archive"


def cutoff_for(days: int, now: datetime | None = None) -> datetime:
    """The moment before which rows are old: `days` whole days before `now`."""
    if days < 1:
        raise ValueError("retention_days must be at least 1")
    return (now or datetime.now(UTC)).astimezone(UTC) - timedelta(days=days)


async def apply_retention(
    connector: Connector,
    archive_dir: Path,
    days: int,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    on_archived: Callable[[str, Path], None] | None = None,
    routed: Collection[str] = (),
) -> RetentionReport:
    """Archive, then delete, this service's rows older than `days` (see the module's docstring).

    `routed`: the accounts a front routes trades to (config `accounts`); the audit lines it wrote for them
    carry their names and are archived and removed with its own.

    `dry_run` counts them and changes nothing. `on_archived(table, file)` is called between a table's
    archive and its deletes (tests use it to crash there).
    """
    cutoff = cutoff_for(days, now)
    report = RetentionReport(cutoff, dry_run)
    for source in SOURCES:
        owned = source.owned(connector, routed)
        where = source.older_than(cutoff, owned)
        if dry_run:
            report.tables.append(TableResult(source.table.name, await _count(connector, source, where)))
            continue
        archived = await _archive(connector, source, where, archive_dir)
        if archived is None:
            report.tables.append(TableResult(source.table.name, 0))
            continue
        path, keys = archived
        if on_archived is not None:
            on_archived(source.table.name, path)
        line = _audit_line(source, len(keys), path, cutoff)
        deleted = await _delete(connector, source, keys, owned, line)
        report.tables.append(TableResult(source.table.name, len(keys), path, deleted))
    return report


async def _count(connector: Connector, source: _Source, where: list[sa.ColumnElement[bool]]) -> int:
    query = sa.select(sa.func.count()).select_from(source.table).where(*where)
    async with connector.read() as conn:
        return int(await conn.scalar(query) or 0)


# --- the archive ------------------------------------------------------------------------------------
async def _archive(
    connector: Connector, source: _Source, where: list[sa.ColumnElement[bool]], directory: Path
) -> tuple[Path, list[Any]] | None:
    """Write the old rows to a durable file; its path and the keys in it (None: no old rows)."""
    archive = await asyncio.to_thread(_ArchiveFile, directory, source)
    try:
        after: Any = None
        while rows := await _page(connector, source, where, after):
            await asyncio.to_thread(archive.write, rows)
            after = archive.keys[-1]
        path = await asyncio.to_thread(archive.finish)
    except BaseException:
        await asyncio.to_thread(archive.discard)
        raise
    return None if path is None else (path, archive.keys)


class _ArchiveFile:
    """A table's archive being written (`.partial`), then named after its first and last day."""

    def __init__(self, directory: Path, source: _Source) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory, self.source = directory, source
        # A name of its own: the service's daily run and `mt5bot retention` may overlap.
        self.partial = directory / f".{source.table.name}-{uuid.uuid4().hex[:12]}.partial"
        self.out = gzip.open(self.partial, "wt", encoding="utf-8")  # closed by finish or discard
        self.keys: list[Any] = []
        self.days: list[date] = []

    def write(self, rows: list[dict[str, Any]]) -> None:
        self.out.writelines(_json_line(row) for row in rows)
        self.keys.extend(row[self.source.key.name] for row in rows)
        days = [row[self.source.time.name].date() for row in rows]
        self.days = [min([*self.days, *days]), max([*self.days, *days])]

    def finish(self) -> Path | None:
        self.out.close()
        if not self.keys:
            self.partial.unlink()
            return None
        first, last = self.days
        return _publish(
            self.partial, self.directory, f"{self.source.table.name}-{first:%Y%m%d}-{last:%Y%m%d}"
        )

    def discard(self) -> None:
        self.out.close()
        self.partial.unlink(missing_ok=True)


async def _page(
    connector: Connector, source: _Source, where: list[sa.ColumnElement[bool]], after: Any
) -> list[dict[str, Any]]:
    query = sa.select(source.table).where(*where).order_by(source.key).limit(PAGE)
    if after is not None:
        query = query.where(source.key > after)
    async with connector.read() as conn:
        return [dict(row) for row in (await conn.execute(query)).mappings()]


def _json_line(row: dict[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False, default=_encode, separators=(",", ":")) + "\n"


def _encode(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot archive a {type(value).__name__}")


def _publish(partial: Path, directory: Path, stem: str) -> Path:
    """fsync `partial` and give it the name `stem.jsonl.gz` (or `stem-2.jsonl.gz`, ...), durably.

    A hard link never replaces an existing file, so two overlapping runs never overwrite each other's
    archive (a rename would, and the rows the first run deleted would be lost with its file).
    """
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    number = 1
    while True:
        path = directory / (f"{stem}.jsonl.gz" if number == 1 else f"{stem}-{number}.jsonl.gz")
        try:
            os.link(partial, path)
            partial.unlink()
            break
        except FileExistsError:
            number += 1
        except OSError:  # no hard links here (FAT, some shares): rename to a name seen free just now
            if not path.exists():
                partial.rename(path)
                break
            number += 1
    if os.name == "posix":  # the new name is durable once its directory is
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    return path


# --- the deletes ------------------------------------------------------------------------------------
def _audit_line(source: _Source, rows: int, path: Path, cutoff: datetime) -> AuditEntry:
    table = source.table.name
    return AuditEntry(
        at=datetime.now(UTC),
        platform="system",
        user_id="retention",
        action="retention",
        raw_input=f"retention: archived {rows} rows of {table} to {path}",
        outcome=Outcome.OK,
        result={"table": table, "rows": rows, "archive": str(path), "cutoff": cutoff.isoformat()},
    )


async def _delete(
    connector: Connector, source: _Source, keys: list[Any], owned: sa.ColumnElement[bool], line: AuditEntry
) -> int:
    """Delete exactly the archived keys (of this service's rows: a request id is unique per account only),
    a batch per transaction; the first one commits the audit line."""
    deleted = 0
    for start in range(0, len(keys), BATCH):
        batch = keys[start : start + BATCH]
        query = sa.delete(source.table).where(source.key.in_(batch), owned, *source.extra)
        async with connector.write() as conn:
            if source.table is audit_log:
                deleted += await _delete_audit_rows(conn, query)
            else:
                deleted += (await conn.execute(query)).rowcount
            if start == 0:
                await append_in(conn, line, account=connector.account)
    return deleted


async def _delete_audit_rows(conn: AsyncConnection, query: sa.Delete) -> int:
    """Run `query` with the audit log's delete trigger lifted for this transaction only."""
    dialect = conn.dialect.name
    trigger = _AUDIT_DELETE_TRIGGER[dialect]
    if dialect == "postgresql":
        await conn.exec_driver_sql(f"ALTER TABLE audit_log DISABLE TRIGGER {trigger}")
        count = (await conn.execute(query)).rowcount
        await conn.exec_driver_sql(f"ALTER TABLE audit_log ENABLE TRIGGER {trigger}")
        return count
    found = await conn.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"), {"name": trigger}
    )
    text = found.scalar_one_or_none()
    if text is None:
        raise RuntimeError(f"the audit log's trigger {trigger} is missing; not deleting anything")
    await conn.exec_driver_sql(f"DROP TRIGGER {trigger}")
    count = (await conn.execute(query)).rowcount
    await conn.exec_driver_sql(str(text))
    return count
