"""`mt5.watchdog` settings: off by default, its terminal from mt5.path, bad values refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from mt5bot.config import ConfigError, load_settings
from mt5bridge.terminal.watchdog import TerminalProcess, launch_args


def load(tmp_path: Path, text: str) -> object:
    file = tmp_path / "config.yaml"
    file.write_text(text)
    return load_settings(file, environ={})


def test_off_by_default_and_the_shipped_config_loads() -> None:
    settings = load_settings(Path(__file__).parents[2] / "config.yaml", environ={})
    assert settings.mt5.watchdog.enabled is False


def test_terminal_defaults_to_mt5_path(tmp_path: Path) -> None:
    env = {"MT5BOT_MT5__PATH": "C:/MT5/terminal64.exe", "MT5BOT_MT5__WATCHDOG__ENABLED": "true"}
    (tmp_path / "config.yaml").write_text("mt5: {}\n")
    settings = load_settings(tmp_path / "config.yaml", environ=env)
    process = TerminalProcess.from_settings(settings.mt5)
    assert process.path == "C:/MT5/terminal64.exe" and process.args == ["C:/MT5/terminal64.exe"]


def test_launch_arguments() -> None:
    assert launch_args("t.exe", portable=True, config_file="C:/a b/start.ini") == [
        "t.exe", "/portable", "/config:C:/a b/start.ini",
    ]  # fmt: skip
    assert launch_args("t.exe", portable=False, config_file=None) == ["t.exe"]


@pytest.mark.parametrize(
    ("block", "words"),
    [
        ("enabled: true", "needs mt5.watchdog.terminal_path or mt5.path"),
        ("heartbeat_failed_min: -1", "mt5.watchdog.heartbeat_failed_min"),
        ("heartbeat_failed_min: 0", "greater than 0"),
        ("max_restarts_per_hour: 0", "mt5.watchdog.max_restarts_per_hour"),
        ("backoff_start_sec: -5", "mt5.watchdog.backoff_start_sec"),
        ("{backoff_start_sec: 120, backoff_max_sec: 60}", "backoff_max_sec (60) is below backoff_start_sec"),
        ("check_interval_sec: 0", "mt5.watchdog.check_interval_sec"),
        ("stop_timeout_sec: -1", "mt5.watchdog.stop_timeout_sec"),
        ("process_name: ''", "mt5.watchdog.process_name"),
        ("restart_if: always", "restart_if"),
    ],
)
def test_bad_values_are_refused_with_the_key_named(tmp_path: Path, block: str, words: str) -> None:
    if not block.startswith("{"):
        block = "{" + block + "}"
    with pytest.raises(ConfigError, match="watchdog") as refused:
        load(tmp_path, f"mt5:\n  watchdog: {block}\n")
    assert words in str(refused.value)
