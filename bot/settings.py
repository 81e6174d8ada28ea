"""The chat layer's settings: how chats confirm and talk (`chat`), who may talk (`users`), and the
sections of other parts the chat core reads, as one protocol the application's settings satisfy."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Protocol

from pydantic import Field, field_validator

from mt5bridge.common.roles import Role
from mt5bridge.common.settings_base import Section
from nlu.settings import NLUSettings
from reports.settings import Settings as ReportsSettings


class ConfirmMode(StrEnum):
    """Which chat actions need a confirmation tap: trades (default), always (queries too), never."""

    TRADES = "trades"
    ALWAYS = "always"
    NEVER = "never"


class ChatSettings(Section):
    confirm: ConfirmMode = ConfirmMode.TRADES
    confirm_ttl_sec: int = Field(60, ge=5, le=3600)
    default_lang: str = Field("zh", pattern="^(zh|en)$")
    notify_batch_sec: float = Field(
        3.0, ge=0, le=60, description="events within this window go in one message"
    )


class UserEntry(Section):
    """A chat user allowed to talk to the bot; everyone else gets one polite refusal."""

    platform: str = Field(min_length=1, max_length=32)
    id: str = Field(min_length=1, max_length=128)
    role: Role = Role.VIEWER
    name: str | None = None
    lang: str | None = Field(None, pattern="^(zh|en)$")
    allowed_symbols: tuple[str, ...] = ()
    confirm: ConfirmMode | None = Field(None, description="per-user override; `never` only for this user")
    subscribe: bool = True
    buttons: bool = Field(
        True, description="false: send choices as numbered text only (WeCom members on WeChat see no cards)"
    )
    default_account: str | None = Field(None, description="the account meant if none is named; None: first")
    accounts: tuple[str, ...] = Field((), description="the accounts this user may use; empty = all")

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        # Telegram and QQ ids are numbers; people write them unquoted in YAML.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class Settings(ReportsSettings, Protocol):
    """The sections the chat core reads (its own, the parser's aliases and the reports')."""

    @property
    def chat(self) -> ChatSettings: ...

    @property
    def users(self) -> tuple[UserEntry, ...]: ...

    @property
    def nlu(self) -> NLUSettings: ...
