"""Group commit for SQLite: one thread, one connection, one transaction (one fsync) per batch of writes.

The trading path writes two small transactions per action (the claim before sending, the result with its
audit line after). Through SQLAlchemy and aiosqlite each statement is a round trip to the driver's thread
and each transaction a commit of its own: at one writer that was most of an order's added latency, and
16 concurrent writers queued on the one pooled connection one commit at a time.

`SqliteWriter` runs plain `sqlite3` operations on a thread of its own. Whatever operations are queued when
it wakes run in one `BEGIN IMMEDIATE ... COMMIT`, each inside a savepoint (one that raises is rolled back
alone and its caller gets the exception; the others commit). Every caller's future is resolved only after
COMMIT returned: with `synchronous=FULL` that is after the WAL was fsync'd, so an answer never runs ahead
of its rows (a crash before the COMMIT loses the whole batch and nobody was answered; a crash after it
keeps the whole batch).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)
# `logging.sql: true` turns this logger on: the writer's statements are logged there too, without values.
_SQL_LOG = logging.getLogger("sqlalchemy.engine.Engine")


def execute(conn: sqlite3.Connection, sql: str, params: tuple[object, ...] = ()) -> sqlite3.Cursor:
    """`conn.execute`, with the statement (never its values) logged when SQL logging is on."""
    if _SQL_LOG.isEnabledFor(logging.INFO):
        _SQL_LOG.info(sql)
    return conn.execute(sql, params)


T = TypeVar("T")
Op = Callable[[sqlite3.Connection], Any]
# Operations queued at once beyond this wait for the next batch (bounds one transaction's size).
_MAX_BATCH = 256


class WriterClosed(RuntimeError):
    """The writer was closed; nothing more is written."""


class _Item:
    __slots__ = ("future", "op", "read", "undo")

    def __init__(self, op: Op, undo: Op | None, *, read: bool = False) -> None:
        self.op = op
        self.undo = undo
        self.read = read
        self.future: Future[Any] = Future()


class SqliteWriter:
    """A writer thread with its own connection (same pragmas as the engine's: WAL, synchronous=FULL)."""

    def __init__(self, path: Path, *, busy_timeout_ms: int) -> None:
        self._path = path
        self._busy_timeout_ms = busy_timeout_ms
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._closed = False
        self.batches = 0  # transactions committed (for benchmarks: commits per action)
        self.operations = 0

    def start(self) -> None:
        ready: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="sqlite-writer", daemon=True)
        self._thread.start()
        ready.result()

    async def run(self, op: Callable[[sqlite3.Connection], T], *, undo: Op | None = None) -> T:
        """Run `op` in the next batch and return its result once that batch is committed.

        `undo`, if given, runs in a later batch when the caller was cancelled after `op` committed (for a
        claim nobody will ever use). An exception from `op` rolls back `op` alone and is raised here.
        """
        if self._closed:
            raise WriterClosed("the database is closed")
        return await self._submit(_Item(op, undo))

    async def read(self, op: Callable[[sqlite3.Connection], T]) -> T:
        """Run a query on the writer's connection before its next batch, outside any transaction: it sees
        every committed write (each acknowledged one) and does not wait for the batch's fsync."""
        if self._closed:
            raise WriterClosed("the database is closed")
        return await self._submit(_Item(op, None, read=True))

    async def _submit(self, item: _Item) -> Any:
        undo = item.undo
        self._queue.put(item)
        try:
            return await asyncio.wrap_future(item.future)
        except asyncio.CancelledError:
            if undo is not None:
                item.future.add_done_callback(lambda f: self._undo(f, undo))
            raise

    def _undo(self, future: Future[Any], undo: Op) -> None:
        if not future.cancelled() and future.exception() is None and not self._closed:
            self._queue.put(_Item(undo, None))

    async def close(self) -> None:
        """Finish what is queued, then close the connection."""
        if self._closed or self._thread is None:
            self._closed = True
            return
        self._closed = True
        self._queue.put(None)
        await asyncio.to_thread(self._thread.join)

    # --- the writer thread -----------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        for pragma in (
            "PRAGMA journal_mode=WAL",
            f"PRAGMA busy_timeout={self._busy_timeout_ms}",
            "PRAGMA foreign_keys=ON",
            "PRAGMA synchronous=FULL",  # see storage/engine.py: a committed audit line survives a power cut
        ):
            conn.execute(pragma)
        return conn

    def _run(self, ready: Future[None]) -> None:
        try:
            conn = self._connect()
        except BaseException as exc:
            ready.set_exception(exc)
            return
        ready.set_result(None)
        try:
            while (batch := self._next_batch()) is not None:
                self._read(conn, [item for item in batch if item.read])
                self._commit(conn, [item for item in batch if not item.read])
            # Closing: anything queued after the stop sign is refused rather than dropped silently.
            while not self._queue.empty():
                left = self._queue.get_nowait()
                if left is not None and left.future.set_running_or_notify_cancel():
                    left.future.set_exception(WriterClosed("the database is closed"))
        finally:
            conn.close()

    def _next_batch(self) -> list[_Item] | None:
        """What is queued now (waiting for the first item), or None at the stop sign (it stays queued
        when there is a batch before it)."""
        first = self._queue.get()
        if first is None:
            return None
        batch = [first]
        while len(batch) < _MAX_BATCH:
            try:
                nxt = self._queue.get_nowait()
            except queue.Empty:
                break
            if nxt is None:
                self._queue.put(None)  # SimpleQueue is FIFO: whatever came after it stays after it
                break
            batch.append(nxt)
        return batch

    @staticmethod
    def _read(conn: sqlite3.Connection, reads: list[_Item]) -> None:
        for item in reads:
            if not item.future.set_running_or_notify_cancel():
                continue  # its caller is gone
            try:
                item.future.set_result(item.op(conn))
            except Exception as exc:
                item.future.set_exception(exc)

    def _commit(self, conn: sqlite3.Connection, batch: list[_Item]) -> None:
        # A caller cancelled before its turn is skipped: nothing of it is written. Once running, a future
        # cannot be cancelled any more; a caller that gives up then has its `undo` queued (see `run`).
        batch = [item for item in batch if item.future.set_running_or_notify_cancel()]
        if not batch:
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
            outcomes = [self._one(conn, item) for item in batch]
            conn.execute("COMMIT")
        except Exception as exc:  # nothing of the batch is committed: every caller is told
            log.error("a batch of %d writes failed and was rolled back: %s", len(batch), exc)
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            for item in batch:
                item.future.set_exception(exc)
            return
        self.batches += 1
        self.operations += len(batch)
        for item, (value, error) in zip(batch, outcomes, strict=True):
            if error is not None:
                item.future.set_exception(error)
            else:
                item.future.set_result(value)

    @staticmethod
    def _one(conn: sqlite3.Connection, item: _Item) -> tuple[Any, Exception | None]:
        """Run one operation in its savepoint: its value, or the exception that rolled it back alone."""
        if not conn.in_transaction:  # an error made SQLite roll the whole transaction back
            raise sqlite3.OperationalError("the transaction was rolled back by an earlier error")
        conn.execute("SAVEPOINT op")
        try:
            value = item.op(conn)
        except Exception as exc:
            if not conn.in_transaction:
                raise
            conn.execute("ROLLBACK TO op")
            conn.execute("RELEASE op")
            return None, exc
        conn.execute("RELEASE op")
        return value, None
