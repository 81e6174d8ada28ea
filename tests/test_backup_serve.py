"""`mt5bot backup` against a running `mt5bot serve` (separate processes, as a user runs them), then restore."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from storage.backup import verify_copy
from storage.migrate import head_revision
from tests.serve_config import write_config
from tests.test_serve import Service

TOKEN = "tok-supersecret-123"


def _mt5bot(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mt5bot", "--config", str(config), *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def _actions(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT action FROM audit_log ORDER BY id")]
    finally:
        conn.close()


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    svc = Service(write_config(tmp_path), {"MT5BOT_SECURITY__TOKEN": TOKEN})
    yield svc
    if svc.proc.poll() is None:
        svc.proc.kill()


async def _open_position(url: str) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}", "Idempotency-Key": "backup-e2e-1"}
    body = {"symbol": "XAUUSD", "type": "buy", "volume": 0.01}
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.post(f"{url}/api/v1/order/open", json=body) as resp:
            assert resp.status == 200, await resp.text()


async def test_backup_while_serving_then_restore_after_stopping(service: Service, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    database = tmp_path / "data" / "mt5bot.db"
    await _open_position(service.url)
    target = tmp_path / "copy.db"

    done = _mt5bot(config, "backup", "--to", str(target))
    assert done.returncode == 0, done.stderr
    assert f"backup: {target}" in done.stdout
    assert verify_copy(target) == head_revision()
    backed_up = _actions(target)
    assert backed_up
    assert _mt5bot(config, "backup", "--to", str(target)).returncode == 1  # exists: refused

    refused = _mt5bot(config, "restore", str(target))
    assert refused.returncode == 1
    assert "in use" in refused.stderr

    assert service.stop() == 0
    conn = sqlite3.connect(database, isolation_level=None)  # a change after the backup
    conn.execute(
        "INSERT INTO audit_log (at, platform, user_id, action, outcome, tickets) "
        "VALUES ('2026-12-01 00:00:00.000000', 'cli', 'x', 'after-backup', 'ok', '[]')"
    )
    conn.close()
    assert "after-backup" in _actions(database)

    restored = _mt5bot(config, "restore", str(target))
    assert restored.returncode == 0, restored.stderr
    assert _actions(database) == backed_up
    kept = list((database.parent / "backups").glob("before-restore-*.db"))
    assert len(kept) == 1
    assert "after-backup" in _actions(kept[0])
