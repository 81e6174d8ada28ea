"""doctor on the simulator, end to end: all good, the exit status, --json, and the service's files untouched."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mt5bot.cli import main
from mt5bot.doctor import Status
from mt5bridge.simulator.persist import detach_journal, open_simulator
from tests.doctor.conftest import TOKEN, Setup


async def test_a_sound_setup_passes_every_check(setup: Setup) -> None:
    await setup.migrate()
    checks = await setup.checks()
    bad = {n: c for n, c in checks.items() if c.status in (Status.FAIL, Status.WARN)}
    assert not bad
    for name in ("python", "config", "backend", "tokens", "port", "database", "terminal", "clock",
                 "algo trading (terminal)", "algo trading (account)", "margin mode", "symbols"):  # fmt: skip
        assert checks[name].status is Status.OK, name
    assert checks["tls"].status is Status.SKIP
    assert "hedging" in checks["margin mode"].detail
    assert "connected" in checks["terminal"].detail


def _run_cli(setup: Setup, monkeypatch: pytest.MonkeyPatch, *extra: str) -> int:
    for name in [n for n in os.environ if n.startswith("MT5BOT_")]:
        monkeypatch.delenv(name)
    for name, value in setup.env.items():
        monkeypatch.setenv(name, value)
    return main(["--config", str(setup.config), "doctor", *extra])


async def test_exit_status_and_text(
    setup: Setup, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await setup.migrate()
    assert await _to_thread_cli(setup, monkeypatch) == 0
    out = capsys.readouterr().out
    assert "✓ python" in out
    assert "✗" not in out
    assert out.rstrip().splitlines()[-1].startswith("all good")
    setup.env["MT5BOT_SECURITY__TOKEN"] = "short"
    assert await _to_thread_cli(setup, monkeypatch) == 1
    out = capsys.readouterr().out
    assert "✗ tokens" in out
    assert "short" not in out  # the secret itself is never printed
    assert "-> choose a long random value" in out


async def _to_thread_cli(setup: Setup, monkeypatch: pytest.MonkeyPatch, *extra: str) -> int:
    # The CLI runs its own event loop (asyncio.run), so it must not run on the test's.
    import asyncio

    return await asyncio.to_thread(_run_cli, setup, monkeypatch, *extra)


async def test_json_output(
    setup: Setup, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    setup.write(nlu={"aliases": {"NOSUCH": ["nosuch-thing"]}})
    assert await _to_thread_cli(setup, monkeypatch, "--json") == 1
    body = json.loads(capsys.readouterr().out)
    assert body["ok"] is False
    assert {"name", "status", "detail", "hint"} == set(body["checks"][0])
    by_name = {c["name"]: c for c in body["checks"]}
    assert by_name["symbols"]["status"] == "fail"
    assert "NOSUCH" in by_name["symbols"]["detail"]
    assert by_name["database"]["status"] == "warn"  # not created yet: serve creates it
    assert {c["status"] for c in body["checks"]} <= {"ok", "warn", "fail", "skip"}
    assert TOKEN not in json.dumps(body)


def _files(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(folder.iterdir())}


async def test_the_running_simulators_state_and_journal_are_not_touched(setup: Setup) -> None:
    await setup.migrate()
    state = setup.db.parent / "simulator-state.json"
    sim = open_simulator(state, seed=0, demo_days=1, realtime=True, market_hours="always")
    try:
        result = sim.order_send(
            {"action": 1, "symbol": "XAUUSD", "volume": 0.01, "type": 0, "type_filling": 0}
        )
        assert result.retcode == 10009  # journaled: the journal has an entry doctor must not lose
        before = _files(state.parent)
        assert any(name.endswith(".journal") for name in before)
        checks = await setup.checks()
        assert checks["terminal"].status is Status.OK
        assert _files(state.parent).keys() == before.keys()
        for name, (mtime, content) in before.items():
            if not name.startswith("mt5bot.db"):
                assert _files(state.parent)[name] == (mtime, content), name
    finally:
        detach_journal(sim)


async def test_a_saved_demo_in_another_margin_mode_fails(setup: Setup) -> None:
    state = setup.db.parent / "simulator-state.json"
    sim = open_simulator(state, seed=0, demo_days=0, realtime=False, margin_mode="hedging")
    detach_journal(sim)
    setup.write(mt5={"simulator": {"margin_mode": "netting"}})
    check = (await setup.checks())["margin mode"]
    assert check.status is Status.FAIL
    assert "netting" in check.detail and "hedging" in check.detail
