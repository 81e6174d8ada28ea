"""The Telegram adapter's settings (`telegram` in config.yaml)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from mt5bridge.common.settings_base import Section


class TelegramSettings(Section):
    token: SecretStr | None = None
    base_url: str | None = Field(None, description="self-hosted Bot API, e.g. http://127.0.0.1:8081/bot")
    base_file_url: str | None = None
    webhook_url: str | None = Field(None, description="public https URL; unset = long polling")
    webhook_secret: SecretStr | None = None
    poll_timeout_sec: int = Field(30, ge=0, le=60)
