"""`account`, `accounts` and the users' accounts: checked when the configuration loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from mt5bot.config import ConfigError, load_settings, redacted

FRONT = """
account: {name: front, terminal: false}
accounts:
  - {name: ic-live, url: "http://127.0.0.1:8081", label: IC实盘}
  - {name: demo, url: "http://127.0.0.1:8082"}
users:
  - {platform: telegram, id: 1, role: trader, default_account: demo}
  - {platform: telegram, id: 2, role: trader, accounts: [ic-live]}
"""
TOKENS = {"MT5BOT_ACCOUNTS__IC-LIVE__TOKEN": "t1", "MT5BOT_ACCOUNTS__DEMO__TOKEN": "t2"}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_tokens_come_from_the_environment_by_entry_name_or_position(tmp_path: Path) -> None:
    env = {"MT5BOT_ACCOUNTS__IC-LIVE__TOKEN": "0123", "MT5BOT_ACCOUNTS__1__TOKEN": "secret-demo"}
    settings = load_settings(_write(tmp_path, FRONT), env)
    tokens = {b.name: b.token.get_secret_value() for b in settings.accounts}
    assert tokens == {"ic-live": "0123", "demo": "secret-demo"}  # "0123" stays a string
    assert "secret-demo" not in str(redacted(settings))
    assert settings.account_names() == ["ic-live", "demo"]
    assert settings.parser_accounts() == {"ic-live": ["IC实盘"], "demo": []}


def test_an_environment_variable_naming_no_entry_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="MT5BOT_ACCOUNTS__NOPE__TOKEN"):
        load_settings(_write(tmp_path, FRONT), {"MT5BOT_ACCOUNTS__NOPE__TOKEN": "x"})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("users:\n  - {platform: telegram, id: 1, accounts: [ic-lvie]}", "ic-lvie"),
        ("users:\n  - {platform: telegram, id: 1, default_account: nope}", "nope"),
        ("users:\n  - {platform: telegram, id: 1, accounts: [demo], default_account: ic-live}", "not in"),
        ("account: {name: demo}", "used twice"),
        ("accounts: []", "nothing to trade on"),
    ],
)
def test_a_typo_in_the_accounts_stops_the_start(tmp_path: Path, change: str, message: str) -> None:
    key = change.split(":", 1)[0]
    kept = [block for block in FRONT.strip().split("\n") if block]
    text, skip = [], False
    for line in kept:  # drop the section being replaced
        if not line.startswith(" "):
            skip = line.startswith(key + ":")
        if not skip:
            text.append(line)
    env = {} if key == "accounts" else TOKENS  # no entries left for the tokens to name
    with pytest.raises(ConfigError, match=message):
        load_settings(_write(tmp_path, "\n".join([*text, change]) + "\n"), env)


def test_one_account_reads_no_account_names() -> None:
    settings = load_settings(None, {})
    assert settings.account_names() == ["local"]
    assert settings.parser_accounts() is None
