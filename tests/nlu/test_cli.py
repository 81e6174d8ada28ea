"""`mt5bot parse` through the real CLI entry point."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from mt5bot.cli import main
from tests.nlu.conftest import FakeLLM


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("MT5BOT_CONFIG", "MT5BOT_LLM__API_KEY", "MT5BOT_LLM__BASE_URL", "MT5BOT_LLM__MODEL"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "config.yaml"
    path.write_text("nlu:\n  aliases:\n    XAUUSD: [金仔]\n", encoding="utf-8")
    return path


def test_parse_one_message_prints_one_json_object(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config), "parse", "平仓0.01手黄金"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    command = json.loads(out)
    assert command["intent"] == "close"
    assert command["symbol"] == "XAUUSD"
    assert command["volume"] == 0.01
    assert command["selector"] is None
    assert command["problem"] is None
    assert command["needs"] is None
    assert command["account"] is None
    assert command["rule"] is None
    assert command["rule_id"] is None
    assert command["rule_needs"] is None
    assert len(command) == 22


def test_config_aliases_are_used(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config), "parse", "买入0.1手金仔"]) == 0
    assert json.loads(capsys.readouterr().out)["symbol"] == "XAUUSD"


def test_stdin_lines_in_order(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("本日盈亏\n不要平仓\n下单0.01手欧美\n\n/help\n"))
    assert main(["--config", str(config), "parse", "-"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["intent"] for line in lines] == ["pnl", "unknown", "open", "unknown", "help"]
    assert "本日" not in lines[0]  # the JSON carries the command, not the text
    assert json.loads(lines[2])["side"] is None


def test_output_is_not_ascii_escaped(
    config: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "aliases.yaml"
    path.write_text("nlu:\n  aliases:\n    纳指期货: [纳期]\n", encoding="utf-8")
    assert main(["--config", str(path), "parse", "纳期"]) == 0
    assert '"symbol": "纳指期货"' in capsys.readouterr().out


def test_llm_flag_without_configuration_exits_2(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config), "parse", "--llm", "整它一手金子"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "llm.base_url" in captured.err


def test_bad_config_is_a_config_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("nlu:\n  alias: {}\n", encoding="utf-8")
    assert main(["--config", str(path), "parse", "持仓"]) == 2
    assert "config error" in capsys.readouterr().err


async def test_llm_flag_uses_the_configured_endpoint(
    fake_llm: FakeLLM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    path = tmp_path / "llm.yaml"
    path.write_text(f"llm:\n  base_url: {fake_llm.base_url}\n  model: test-model\n", encoding="utf-8")
    monkeypatch.setenv("MT5BOT_LLM__API_KEY", "sk-test")
    fake_llm.command_answers["整它一手金子"] = json.dumps(
        {"intent": "open", "symbol": "XAUUSD", "side": "buy", "volume": 1}
    )
    # main() runs its own event loop, so it runs in a worker thread while this loop serves the fake.
    code = await asyncio.to_thread(main, ["--config", str(path), "parse", "--llm", "整它一手金子"])
    assert code == 0
    command = json.loads(capsys.readouterr().out)
    assert (command["intent"], command["symbol"], command["side"], command["volume"]) == (
        "open",
        "XAUUSD",
        "buy",
        1.0,
    )


def test_config_price_bands_are_used(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "nlu:\n  aliases:\n    JP225: [日经]\n  price_bands:\n    JP225: [20000, 60000]\n", encoding="utf-8"
    )
    assert main(["--config", str(path), "parse", "buy jp225 2"]) == 0
    command = json.loads(capsys.readouterr().out)
    assert (command["symbol"], command["volume"], command["needs"]) == ("JP225", 2, None)
