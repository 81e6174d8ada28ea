"""Configuration: `config.yaml` loaded into frozen pydantic models, overridable from the environment.

Every key can be set as `MT5BOT_<SECTION>__<KEY>` (nested keys joined by `__`), which is how secrets
should reach a deployment. Values from the environment are read as YAML scalars, so `true`, `8080` and
`[a, b]` mean what they say. Unknown keys are errors: a typo must not silently fall back to a default.
It imports nothing from the rest of the project (only its config_* siblings), so every layer may use it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import Field, SecretStr, ValidationError, field_validator

from mt5bot.config_base import Section as _Section

# Re-exported: every layer imports its settings from here.
from mt5bot.config_platforms import OneBotSettings as OneBotSettings
from mt5bot.config_platforms import TelegramSettings as TelegramSettings
from mt5bot.config_platforms import WeComSettings as WeComSettings

ENV_PREFIX = "MT5BOT_"
CONFIG_ENV = "MT5BOT_CONFIG"
DEFAULT_CONFIG = "config.yaml"


class ConfigError(Exception):
    """The configuration cannot be used; the message is one line naming the key and the problem."""


class Backend(StrEnum):
    """Which terminal layer to talk to."""

    AUTO = "auto"
    NATIVE = "native"
    MT5LINUX = "mt5linux"
    SIMULATOR = "simulator"


class MarginMode(StrEnum):
    HEDGING = "hedging"
    NETTING = "netting"


class MarketHours(StrEnum):
    """`real`: sessions and weekends as a broker has them; `always`: every symbol trades around the clock."""

    REAL = "real"
    ALWAYS = "always"


class SimulatorSettings(_Section):
    seed: int = 0
    balance: float = Field(10000.0, gt=0)
    leverage: int = Field(100, ge=1, le=5000)
    margin_mode: MarginMode = MarginMode.HEDGING
    currency: str = Field("USD", min_length=3, max_length=3)
    suffix: str = Field("", max_length=8)
    demo_days: int = Field(30, ge=0, le=365)
    market_hours: MarketHours = MarketHours.REAL
    realtime: bool = True
    state_file: str | None = None
    journal_fsync: bool = Field(
        True, description="fdatasync each journaled trade: it survives a power cut, not only a crash"
    )


class MT5Settings(_Section):
    backend: Backend = Backend.AUTO
    path: str | None = None
    login: int | None = None
    password: SecretStr | None = None
    server: str | None = None
    timeout: int = Field(60000, ge=1000, description="terminal IPC timeout in ms, passed to initialize()")
    host: str = "127.0.0.1"
    port: int = Field(18812, ge=1, le=65535)
    call_timeout_sec: float = Field(30.0, gt=0)
    server_utc_offset: int | None = Field(
        None, description="trade server clock minus UTC in seconds (e.g. 10800); None = 0 for real terminals"
    )
    heartbeat_interval_sec: float = Field(10.0, gt=0)
    reconnect_interval_sec: float = Field(5.0, gt=0)
    max_reconnect_attempts: int = Field(10, ge=0)
    simulator: SimulatorSettings = SimulatorSettings()


class TLSSettings(_Section):
    cert: str | None = None
    key: str | None = None


class ServerSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    ws_port: int | None = Field(None, ge=0, le=65535)
    tls: TLSSettings = TLSSettings()


class SecuritySettings(_Section):
    token: SecretStr | None = None
    read_only_token: SecretStr | None = None
    jwt_secret: SecretStr | None = None
    jwt_expire_minutes: int = Field(1440, ge=1)
    ip_whitelist: tuple[str, ...] = ("127.0.0.1/32", "::1/128")
    trusted_proxies: tuple[str, ...] = ()
    requests_per_minute: int = Field(60, ge=1)


class RiskSettings(_Section):
    max_order_volume: float = Field(10.0, gt=0)
    max_total_positions: int = Field(50, ge=1)
    max_daily_loss: float = Field(0.0, ge=0, description="0 = no limit")
    allowed_symbols: tuple[str, ...] = ()
    read_only_mode: bool = False


class DatabaseSettings(_Section):
    url: str = "sqlite+aiosqlite:///data/mt5bot.db"
    snapshot_interval_sec: float = Field(60.0, gt=0)


class LoggingSettings(_Section):
    """`sql: true` logs the database's SQL statements (at INFO); their values (chat text, account data)
    are never logged. Off, the database drivers' loggers stay at WARNING even when `level` is DEBUG."""

    level: str = "INFO"
    file: str | None = "logs/mt5bot.log"
    max_bytes: int = 10 * 1024 * 1024
    backup_count: int = 30
    sql: bool = False


class NLUSettings(_Section):
    """`aliases` adds names per canonical symbol, e.g. `{XAUUSD: [金仔, 黄金现货]}`."""

    aliases: dict[str, tuple[str, ...]] = Field(default_factory=dict)


class LLMSettings(_Section):
    """An OpenAI-compatible endpoint; the LLM parser is used only when base_url, model and api_key are set."""

    base_url: str | None = None
    model: str | None = None
    api_key: SecretStr | None = None
    timeout_sec: float = Field(15.0, gt=0)
    max_retries: int = Field(0, ge=0, le=3)

    @property
    def configured(self) -> bool:
        return bool(self.base_url and self.model and self.api_key)


class Role(StrEnum):
    """What a user may do: admin > trader > viewer."""

    ADMIN = "admin"
    TRADER = "trader"
    VIEWER = "viewer"


class ConfirmMode(StrEnum):
    """Which chat actions need a confirmation tap: trades (default), always (queries too), never."""

    TRADES = "trades"
    ALWAYS = "always"
    NEVER = "never"


class ChatSettings(_Section):
    confirm: ConfirmMode = ConfirmMode.TRADES
    confirm_ttl_sec: int = Field(60, ge=5, le=3600)
    default_lang: str = Field("zh", pattern="^(zh|en)$")
    notify_batch_sec: float = Field(
        3.0, ge=0, le=60, description="events within this window go in one message"
    )


class UserEntry(_Section):
    """A chat user allowed to talk to the bot; everyone else gets one polite refusal."""

    platform: str = Field(min_length=1, max_length=32)
    id: str = Field(min_length=1, max_length=128)
    role: Role = Role.VIEWER
    name: str | None = None
    lang: str | None = Field(None, pattern="^(zh|en)$")
    allowed_symbols: tuple[str, ...] = ()
    confirm: ConfirmMode | None = Field(None, description="per-user override; `never` only for this user")
    subscribe: bool = True

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        # Telegram and QQ ids are numbers; people write them unquoted in YAML.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class AlertSettings(_Section):
    margin_level_below: float = Field(150.0, ge=0, description="warn when the margin level falls below (%)")


_CLOCK = r"^([01]\d|2[0-3]):[0-5]\d$"


class HedgeRules(_Section):
    """When the hedge analysis suggests an action (each rule off at 0); see docs/reports.md."""

    take_profit_above: float = Field(
        50.0, ge=0, description="bank an EA's profitable positions on a symbol once they sum above this"
    )
    exposure_loss_above: float = Field(
        200.0, ge=0, description="cut the worst position on the heavy side of a group losing more than this"
    )
    stale_days: int = Field(14, ge=0, description="close a losing position open longer than this many days")
    max_suggestions: int = Field(5, ge=0, le=20)


class ReportSettings(_Section):
    """Scheduled reports to subscribed chat users, on the reporting calendar (`timezone`)."""

    enabled: bool = True
    daily_at: str = Field("23:55", pattern=_CLOCK, description="HH:MM; the report covers that day")
    daily_days: str = Field("mon-fri", description="cron day_of_week, e.g. mon-fri or *")
    monthly_day: int = Field(1, ge=1, le=28, description="day of month; the report covers the month before")
    monthly_at: str = Field("08:00", pattern=_CLOCK)
    chart: bool = True
    ea_names: dict[int, str] = Field(default_factory=dict, description="magic number -> EA name")
    hedge: HedgeRules = HedgeRules()

    @field_validator("daily_days")
    @classmethod
    def _weekdays(cls, value: str) -> str:
        # Checked here so a typo stops the start with one line, not a traceback from the scheduler.
        from apscheduler.triggers.cron import CronTrigger  # only when the key is set

        try:
            CronTrigger(day_of_week=value)
        except ValueError as exc:
            raise ValueError(f"not a cron day_of_week such as mon-fri ({exc})") from None
        return value


class Settings(_Section):
    """The whole configuration."""

    server: ServerSettings = ServerSettings()
    security: SecuritySettings = SecuritySettings()
    mt5: MT5Settings = MT5Settings()
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
    alerts: AlertSettings = AlertSettings()
    reports: ReportSettings = ReportSettings()
    timezone: str | None = Field(None, description="named zone for reporting periods; None = server time")

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
    node = tree
    for key in path[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[path[-1]] = value


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
_TOP_LEVEL_VALUES = {"users", "timezone"}
