"""The Telegram adapter's settings (`telegram` in config.yaml)."""

from __future__ import annotations

import re

from pydantic import Field, SecretStr, field_validator

from mt5bridge.common.settings_base import Section

# Telegram's rule for setWebhook's secret_token: 1-256 characters of A-Z, a-z, 0-9, _ and -.
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class TelegramSettings(Section):
    token: SecretStr | None = None
    base_url: str | None = Field(None, description="self-hosted Bot API, e.g. http://127.0.0.1:8081/bot")
    base_file_url: str | None = None
    webhook_url: str | None = Field(None, description="public https URL; unset = long polling")
    webhook_secret: SecretStr | None = None
    poll_timeout_sec: int = Field(30, ge=0, le=60)

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_secret(cls, secret: SecretStr | None) -> SecretStr | None:
        # Checked here: Telegram refuses another secret, and set_webhook would then fail and retry forever
        # as "telegram not reachable". The message never repeats the secret.
        if secret is not None and not _SECRET.fullmatch(secret.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z a-z 0-9 _ - (Telegram's rule for secret_token)")
        return secret
