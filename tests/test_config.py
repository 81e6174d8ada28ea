"""Configuration: the shipped file, environment overrides, one-line errors, redaction."""

from __future__ import annotations

from pathlib import Path

import pytest

from mt5bot.cli import main
from mt5bot.config import ConfigError, load_settings, redacted
from mt5bridge.terminal.settings import Backend

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_config_runs_on_the_simulator_without_edits() -> None:
    settings = load_settings(ROOT / "config.yaml", environ={})
    assert settings.mt5.backend is Backend.AUTO
    assert settings.server.port == 8080
    assert settings.security.token is None


def test_environment_overrides_any_key_and_keeps_secrets_as_strings(tmp_path: Path) -> None:
    env = {
        "MT5BOT_SECURITY__TOKEN": "000123",
        "MT5BOT_SERVER__PORT": "9090",
        "MT5BOT_MT5__SIMULATOR__LEVERAGE": "500",
        "MT5BOT_RISK__ALLOWED_SYMBOLS": "[XAUUSD, EURUSD]",
        "MT5BOT_MT5__BACKEND": "simulator",
    }
    settings = load_settings(ROOT / "config.yaml", environ=env)
    assert settings.security.token is not None
    assert settings.security.token.get_secret_value() == "000123"
    assert settings.server.port == 9090
    assert settings.mt5.simulator.leverage == 500
    assert settings.risk.allowed_symbols == ("XAUUSD", "EURUSD")
    assert settings.mt5.backend is Backend.SIMULATOR
    assert "000123" not in str(redacted(settings))


def test_config_env_picks_the_file(tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text("server:\n  port: 7070\n")
    assert load_settings(environ={"MT5BOT_CONFIG": str(other)}).server.port == 7070


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ("mt5:\n  backend: wine\n", {}, "mt5.backend: Input should be"),
        ("server:\n  prot: 80\n", {}, "server.prot: unknown key"),
        ("server: [\n", {}, "not valid YAML"),
        ("risk:\n  max_order_volume: -1\n", {}, "risk.max_order_volume: Input should be greater than 0"),
        ("", {"MT5BOT_SERVER__PORT": "abc"}, "environment MT5BOT_SERVER__PORT: server.port"),
        ("", {"MT5BOT_ONEBOT__ACCESS_TOKEN": "tiny-secret"}, "onebot.access_token: Value error, must be at"),
        ("reports:\n  daily_at: '25:00'\n", {}, "reports.daily_at: String should match pattern"),
        ("reports:\n  daily_days: funday\n", {}, "reports.daily_days: Value error, not a cron day_of_week"),
        ("wecom:\n  corp_id: ww1\n", {}, "wecom: Value error, corp_id is set: secret, agent_id"),
        ("timezone: Mars/Base\n", {}, "timezone: Value error, unknown time zone 'Mars/Base'"),
    ],
)
def test_invalid_config_is_one_clear_line(tmp_path: Path, text: str, env: dict, message: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ=env)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert "tiny-secret" not in str(caught.value)


def test_cli_reports_config_errors_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("mt5:\n  backend: wine\n")
    assert main(["--config", str(path), "serve"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mt5bot: config error:")
    assert "Traceback" not in err
    assert err.count("\n") == 1


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("mt5bot 0.1.0")


def test_top_level_values_from_the_environment() -> None:
    env = {
        "MT5BOT_USERS": "[{platform: telegram, id: 42, role: admin}]",
        "MT5BOT_TIMEZONE": "Asia/Shanghai",
        "MT5BOT_SERVER": "ignored: a section needs a key",
    }
    settings = load_settings(ROOT / "config.yaml", environ=env)
    assert [(u.platform, u.id, u.role.value) for u in settings.users] == [("telegram", "42", "admin")]
    assert settings.timezone == "Asia/Shanghai"
