"""Upgrades keep the data: a database written by the first release (revision 0001) is migrated to head
by `Database.open`, and every row is still there, read back through today's repositories."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command

from storage.engine import Connector, create_engine
from storage.migrate import alembic_config, current_revision, head_revision
from tests.storage.builders import entry
from tests.storage.conftest import Target

_FIRST_RELEASE_ROWS = [
    "INSERT INTO audit_log (at, platform, user_id, action, outcome, tickets, command) VALUES "
    "('2026-11-30 10:00:00+00:00', 'telegram', '42', 'open_position', 'ok', '[5001]', '{\"symbol\": \"XAUUSD\"}')",
    "INSERT INTO request_ids (request_id, fingerprint, actor, state, result, created_at, completed_at) VALUES "
    "('r-1', 'fp', 'rest:a', 'done', '{\"ok\": true}', '2026-11-30 10:00:00+00:00', '2026-11-30 10:00:01+00:00')",
    "INSERT INTO account_snapshots (at, login, balance, equity, margin, margin_free, margin_level, profit, credit) "
    "VALUES ('2026-11-30 10:00:00+00:00', 7, 1000, 1001, 10, 990, 10010, 1, 0)",
    "INSERT INTO users (platform, user_id, role, subscribed, allowed_symbols, updated_at) VALUES "
    "('telegram', '42', 'admin', TRUE, '[\"XAUUSD\"]', '2026-11-30 10:00:00+00:00')",
    "INSERT INTO settings (key, value, updated_at) VALUES ('trading_paused', 'true', '2026-11-30 10:00:00+00:00')",
]


async def test_rows_of_the_first_release_survive_the_upgrade_to_head(target: Target) -> None:
    connector = Connector(create_engine(target.url, schema=target.schema))
    async with connector.write() as conn:
        await conn.run_sync(lambda c: command.upgrade(alembic_config(c), "0001"))
        for statement in _FIRST_RELEASE_ROWS:
            await conn.exec_driver_sql(statement)
    await connector.engine.dispose()

    db = await target.open()
    try:
        assert await current_revision(db.connector) == head_revision()
        [line] = await db.audit.recent()
        assert (line.user_id, line.tickets, line.command) == ("42", [5001], {"symbol": "XAUUSD"})
        await db.audit.append(entry(action="after-upgrade"))  # and it still takes new lines
        claim = await db.requests.lookup("r-1", "fp", "rest:a")
        assert claim is not None
        assert claim.result == {"ok": True}
        snapshot = await db.snapshots.latest(7)
        assert snapshot is not None
        assert snapshot.equity == 1001
        user = await db.users.get("telegram", "42")
        assert user is not None
        assert (user.role.value, user.subscribed, user.allowed_symbols) == ("admin", True, ["XAUUSD"])
        assert await db.settings.get("trading_paused") is True
        assert snapshot.at == datetime(2026, 11, 30, 10, tzinfo=UTC)
    finally:
        await db.close()
