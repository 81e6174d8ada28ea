"""Configuration: `config.yaml` loaded into frozen pydantic models, overridable from the environment.

Every key can be set as `MT5BOT_<SECTION>__<KEY>` (nested keys joined by `__`), which is how secrets
should reach a deployment. Values from the environment are read as YAML scalars, so `true`, `8080` and
`[a, b]` mean what they say. Unknown keys are errors: a typo must not silently fall back to a default.

Each part declares its own sections in its `settings.py`; this module, at the top, assembles them into
`Settings`, the one object the composition root (`mt5bot/app.py`) hands out section by section.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from api.settings import SecuritySettings, ServerSettings
from bot.onebot.settings import OneBotSettings
from bot.qqbot.settings import QQBotSettings
from bot.settings import ChatSettings, UserEntry
from bot.telegram.settings import TelegramSettings
from bot.wecom.settings import WeComSettings
from mt5bridge.common.settings_base import ConfigError, Section
from mt5bridge.remote.directory import parser_words
from mt5bridge.remote.settings import BridgeSettings, OwnAccountSettings
from mt5bridge.simulator.settings import SimulatorSettings
from mt5bridge.terminal.settings import MT5Settings
from mt5bridge.trading.settings import AlertSettings, RiskSettings
from nlu.settings import LLMSettings, NLUSettings
from reports.settings import ReportSettings
from storage.settings import DatabaseSettings

__all__ = ["ConfigError", "MT5Section", "Settings", "load_settings", "redacted"]

ENV_PREFIX = "MT5BOT_"
CONFIG_ENV = "MT5BOT_CONFIG"
DEFAULT_CONFIG = "config.yaml"


class LoggingSettings(Section):
    """`sql: true` logs the database's SQL statements (at INFO); their values (chat text, account data)
    are never logged. Off, the database drivers' loggers stay at WARNING even when `level` is DEBUG."""

    level: str = "INFO"
    file: str | None = "logs/mt5bot.log"
    max_bytes: int = 10 * 1024 * 1024
    backup_count: int = 30
    sql: bool = False


class MT5Section(MT5Settings):
    """`mt5`: the terminal layer's settings plus the simulator's (the simulator is one backend, but it sits
    above the terminal layer, so the terminal's own settings do not know it)."""

    simulator: SimulatorSettings = SimulatorSettings()


class Settings(Section):
    """The whole configuration."""

    server: ServerSettings = ServerSettings()
    security: SecuritySettings = SecuritySettings()
    mt5: MT5Section = MT5Section()
    risk: RiskSettings = RiskSettings()
    database: DatabaseSettings = DatabaseSettings()
    logging: LoggingSettings = LoggingSettings()
    nlu: NLUSettings = NLUSettings()
    llm: LLMSettings = LLMSettings()
    chat: ChatSettings = ChatSettings()
    users: tuple[UserEntry, ...] = ()
    telegram: TelegramSettings = TelegramSettings()
    onebot: OneBotSettings = OneBotSettings()
    wecom: WeComSettings = WeComSettings()
    qqbot: QQBotSettings = QQBotSettings()
    alerts: AlertSettings = AlertSettings()
    reports: ReportSettings = ReportSettings()
    timezone: str | None = Field(None, description="named zone for reporting periods; None = server time")
    account: OwnAccountSettings = OwnAccountSettings()
    accounts: tuple[BridgeSettings, ...] = Field((), description="bridges this front routes to (accounts.md)")

    @model_validator(mode="after")
    def _accounts_known(self) -> Self:
        """Account names unique, and every user's accounts configured: a typo stops the start instead of
        locking a user out (or letting them believe their trades are routed) at run time."""
        names = self.account_names()
        if not names:
            raise ValueError("account.terminal is false but no accounts are listed: nothing to trade on")
        seen: set[str] = set()
        for name in names:
            if name.lower() in seen:
                raise ValueError(f"account name {name!r} is used twice (account.name and accounts)")
            seen.add(name.lower())
        for user in self.users:
            for name in (*user.accounts, *([user.default_account] if user.default_account else [])):
                if name.lower() not in seen:
                    raise ValueError(
                        f"users: {user.platform}:{user.id} names account {name!r}; "
                        f"accounts: {', '.join(names)}"
                    )
            if (
                user.default_account
                and user.accounts
                and user.default_account.lower() not in {a.lower() for a in user.accounts}
            ):
                raise ValueError(
                    f"users: {user.platform}:{user.id}: default_account {user.default_account!r} is not in "
                    "their accounts"
                )
        return self

    def _accounts(self) -> list[tuple[str, str | None]]:
        """Every account's (name, label) in order: the own terminal's first (when it has one), then the
        bridges."""
        own = [(self.account.name, self.account.label)] if self.account.terminal else []
        return own + [(b.name, b.label) for b in self.accounts]

    def parser_accounts(self) -> dict[str, list[str]] | None:
        """What the parser reads as account names (`parser_words`); None with one account."""
        return parser_words(self._accounts())

    def account_names(self) -> list[str]:
        """Every account's name in order: the own terminal's first (when it has one), then the bridges."""
        return [name for name, _ in self._accounts()]

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name, e.g. Asia/Shanghai") from None
        return value


def _set_path(tree: dict[str, Any], path: list[str], value: Any) -> None:
    node: dict[str, Any] = tree
    i = 0
    while i < len(path) - 1:
        key = path[i]
        child = node.get(key)
        if isinstance(child, list):  # `accounts`: MT5BOT_ACCOUNTS__DEMO__TOKEN sets the entry named demo
            i += 1
            child = _list_item(child, path[i], path)
        elif not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
        i += 1
    node[path[-1]] = value


def _list_item(items: list[Any], part: str, path: list[str]) -> dict[str, Any]:
    """The entry of a list section that a variable's path part names: by its `name`, or by position."""
    for item in items:
        if isinstance(item, dict) and str(item.get("name", "")).lower() == part:
            return item
    if part.isdigit() and int(part) < len(items) and isinstance(items[int(part)], dict):
        entry: dict[str, Any] = items[int(part)]
        return entry
    name = ENV_PREFIX + "__".join(p.upper() for p in path)
    raise ConfigError(f"environment {name}: no entry {part!r} in the list it names")


def env_keys(environ: Mapping[str, str]) -> dict[str, str]:
    """Dotted config key -> the environment variable that sets it."""
    return {
        ".".join(p.lower() for p in name[len(ENV_PREFIX) :].split("__")): name
        for name in environ
        if name.startswith(ENV_PREFIX) and name != CONFIG_ENV
    }


def apply_env(raw: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """Overlay `MT5BOT_SECTION__KEY=value` variables onto the raw config tree."""
    for name, text in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX) or name == CONFIG_ENV:
            continue
        path = [part.lower() for part in name[len(ENV_PREFIX) :].split("__")]
        if len(path) == 1 and path[0] not in _TOP_LEVEL_VALUES:
            continue  # MT5BOT_SECTION alone names no setting
        try:
            value = yaml.safe_load(text) if text.strip() else ""
        except yaml.YAMLError:
            value = text
        # A secret such as a token must stay a string even if it looks like a number.
        if not isinstance(value, (dict, list)) and path[-1] in _STRING_KEYS:
            value = text
        _set_path(raw, path, value)
    return raw


_STRING_KEYS = {"token", "read_only_token", "jwt_secret", "password", "api_key", "secret", "server", "path"}


def _describe(error: ValidationError, source: str, from_env: Mapping[str, str]) -> str:
    first = error.errors()[0]
    key = ".".join(str(p) for p in first["loc"]) or "(root)"
    if key in from_env:
        source = f"environment {from_env[key]}"
    msg = first["msg"]
    if first["type"] == "extra_forbidden":
        msg = "unknown key"
    more = error.error_count() - 1
    tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{source}: {key}: {msg}{tail}"


def config_path(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The config file to read: `--config`, else `MT5BOT_CONFIG`, else `config.yaml`."""
    env = os.environ if environ is None else environ
    return Path(explicit or env.get(CONFIG_ENV) or DEFAULT_CONFIG)


def load_settings(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read the file (missing file = all defaults), apply the environment, validate; raise ConfigError."""
    env = os.environ if environ is None else environ
    file = config_path(str(path) if path else None, env)
    raw: Any = {}
    if file.exists():
        try:
            raw = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" line {mark.line + 1}" if mark else ""
            raise ConfigError(f"{file}:{where} not valid YAML: {getattr(exc, 'problem', exc)}") from None
        if not isinstance(raw, dict):
            raise ConfigError(f"{file}: the top level must be a mapping of sections")
    elif path is not None:
        raise ConfigError(f"{file}: no such file")
    raw = apply_env(raw, env)
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, str(file), env_keys(env))) from None


def redacted(settings: Settings) -> dict[str, Any]:
    """The configuration as plain data with every secret masked, for `doctor` and logs."""
    return settings.model_dump(mode="json")


# Top-level settings that are values rather than sections: MT5BOT_USERS='[...]', MT5BOT_TIMEZONE=...
_TOP_LEVEL_VALUES = {"users", "timezone", "accounts"}
