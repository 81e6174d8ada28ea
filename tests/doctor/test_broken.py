"""doctor on deliberately broken setups: each problem is one failed line naming it, with a hint."""

from __future__ import annotations

import socket
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import trustme
from aiohttp import web

from mt5bot.doctor import Status
from tests.doctor.conftest import Setup


async def test_invalid_yaml_fails_the_config_and_stops(setup: Setup) -> None:
    setup.config.write_text("server: [port: 1\n", encoding="utf-8")
    checks = await setup.checks()
    assert checks["config"].status is Status.FAIL
    assert "not valid YAML" in checks["config"].detail
    assert checks["other checks"].status is Status.SKIP
    assert "terminal" not in checks


async def test_an_unknown_key_is_named(setup: Setup) -> None:
    setup.write(server={"prot": 8080})
    check = (await setup.checks())["config"]
    assert check.status is Status.FAIL
    assert "server.prot" in check.detail and "unknown key" in check.detail


async def test_a_short_token_fails_without_showing_it(setup: Setup) -> None:
    setup.env["MT5BOT_ONEBOT__ACCESS_TOKEN"] = "abcdefghijklmnopq"  # long enough for the settings
    setup.env["MT5BOT_SECURITY__JWT_SECRET"] = "tooShortJwtSecret-1234"
    checks = await setup.checks()
    check = checks["tokens"]
    assert check.status is Status.FAIL
    assert "security.jwt_secret" in check.detail and "fewer than 32" in check.detail
    assert "tooShortJwtSecret" not in check.detail + check.hint
    assert "MT5BOT_SECURITY__JWT_SECRET" in check.hint


async def test_a_placeholder_token_fails(setup: Setup) -> None:
    setup.env["MT5BOT_SECURITY__TOKEN"] = "a" * 40
    assert (await setup.checks())["tokens"].status is Status.FAIL


async def test_no_api_token_is_a_warning(setup: Setup) -> None:
    del setup.env["MT5BOT_SECURITY__TOKEN"]
    check = (await setup.checks())["tokens"]
    assert check.status is Status.WARN
    assert "/health" in check.detail


def _cert(folder: Path, **dates: datetime) -> tuple[Path, Path]:
    leaf = trustme.CA().issue_cert("127.0.0.1", **dates)
    cert, key = folder / "cert.pem", folder / "key.pem"
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    return cert, key


async def test_a_missing_tls_file_fails(setup: Setup) -> None:
    cert, _key = _cert(setup.folder)
    setup.write(server={"tls": {"cert": str(cert), "key": str(setup.folder / "nokey.pem")}})
    check = (await setup.checks())["tls"]
    assert check.status is Status.FAIL
    assert "nokey.pem: no such file" in check.detail


async def test_an_expired_certificate_fails(setup: Setup) -> None:
    now = datetime.now(UTC)
    cert, key = _cert(setup.folder, not_before=now - timedelta(days=90), not_after=now - timedelta(days=1))
    setup.write(server={"tls": {"cert": str(cert), "key": str(key)}})
    check = (await setup.checks())["tls"]
    assert check.status is Status.FAIL
    assert "expired on" in check.detail
    assert "renew" in check.hint


async def test_a_valid_certificate_passes_and_one_near_its_end_warns(setup: Setup) -> None:
    now = datetime.now(UTC)
    cert, key = _cert(setup.folder, not_before=now - timedelta(days=1), not_after=now + timedelta(days=200))
    setup.write(server={"tls": {"cert": str(cert), "key": str(key)}})
    assert (await setup.checks())["tls"].status is Status.OK
    _cert(setup.folder, not_before=now - timedelta(days=1), not_after=now + timedelta(days=3))
    assert (await setup.checks())["tls"].status is Status.WARN


async def test_a_certificate_without_its_key_fails(setup: Setup) -> None:
    cert, _key = _cert(setup.folder)
    other = setup.folder / "other"
    other.mkdir()
    _other_cert, other_key = _cert(other)  # another certificate's key
    setup.write(server={"tls": {"cert": str(cert), "key": str(other_key)}})
    check = (await setup.checks())["tls"]
    assert check.status is Status.FAIL
    assert "cannot load" in check.detail


async def test_a_port_held_by_another_program_fails(setup: Setup) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", setup.raw["server"]["port"]))
        sock.listen()
        check = (await setup.checks())["port"]
    assert check.status is Status.FAIL
    assert "in use by another program" in check.detail


async def test_a_port_held_by_a_running_mt5bot_is_a_warning(setup: Setup) -> None:
    async def health(_request: web.Request) -> web.Response:
        return web.json_response(
            {"success": True, "data": {"status": "ok", "mt5_connected": True, "version": "9.9"}}
        )

    app = web.Application()
    app.router.add_get("/api/v1/health", health)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", setup.raw["server"]["port"]).start()
    try:
        check = (await setup.checks())["port"]
    finally:
        await runner.cleanup()
    assert check.status is Status.WARN
    assert "running mt5bot 9.9" in check.detail


async def test_a_database_path_under_a_file_fails(setup: Setup) -> None:
    blocker = setup.folder / "not-a-folder"
    blocker.write_text("x")
    setup.write(database={"url": f"sqlite+aiosqlite:///{blocker}/mt5bot.db"})
    check = (await setup.checks())["database"]
    assert check.status is Status.FAIL
    assert "is a file, not a folder" in check.detail


@pytest.mark.skipif(not hasattr(__import__("os"), "geteuid") or __import__("os").geteuid() == 0,
                    reason="root may write anywhere")  # fmt: skip
async def test_an_unwritable_database_folder_fails(setup: Setup) -> None:
    await setup.migrate()
    setup.db.parent.chmod(0o500)
    try:
        check = (await setup.checks())["database"]
    finally:
        setup.db.parent.chmod(0o700)
    assert check.status is Status.FAIL
    assert "not writable" in check.detail


async def test_a_database_never_migrated_fails(setup: Setup) -> None:
    setup.db.parent.mkdir(parents=True)
    with sqlite3.connect(setup.db) as conn:
        conn.execute("CREATE TABLE something_else (x integer)")
    conn.close()
    check = (await setup.checks())["database"]
    assert check.status is Status.FAIL
    assert "not migrated" in check.detail
    assert "mt5bot serve" in check.hint


async def test_a_database_at_an_older_revision_fails(setup: Setup) -> None:
    await setup.migrate()
    with sqlite3.connect(setup.db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    conn.close()
    check = (await setup.checks())["database"]
    assert check.status is Status.FAIL
    assert "schema at 0001" in check.detail


async def test_a_symbol_not_at_the_broker_fails(setup: Setup) -> None:
    setup.write(nlu={"aliases": {"XAUUSD": ["金仔"], "COPPER": ["铜"]}}, risk={"allowed_symbols": ["GOLD"]})
    check = (await setup.checks())["symbols"]
    assert check.status is Status.FAIL
    assert "COPPER (nlu.aliases)" in check.detail
    assert "XAUUSD (" not in check.detail and "GOLD (" not in check.detail


async def test_symbols_resolve_through_the_brokers_suffix(setup: Setup) -> None:
    setup.write(
        mt5={"simulator": {"suffix": ".m"}},
        risk={"allowed_symbols": ["XAUUSD", "EURUSD"]},
        users=[{"platform": "telegram", "id": "42", "allowed_symbols": ["gold"]}],
    )
    check = (await setup.checks())["symbols"]
    assert check.status is Status.OK, check.detail
    assert "XAUUSD->XAUUSD.m" in check.detail and "gold->XAUUSD.m" in check.detail


async def test_an_unreachable_terminal_fails_and_skips_the_rest(setup: Setup) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    setup.write(mt5={"backend": "mt5linux", "port": port, "call_timeout_sec": 5})
    checks = await setup.checks()
    assert checks["terminal"].status is Status.FAIL
    assert "mt5linux" in checks["terminal"].detail
    assert checks["symbols"].status is Status.SKIP
