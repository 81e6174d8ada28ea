"""The QQ adapter's settings (`onebot` in config.yaml): OneBot v11, reverse WebSocket."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr, field_validator

from mt5bridge.common.settings_base import Section


class OneBotSettings(Section):
    """QQ through a OneBot v11 implementation (NapCat, LLOneBot, Lagrange) connecting to us (reverse WS)."""

    access_token: SecretStr | None = Field(None, description="shared with the implementation; unset = QQ off")
    path: str = Field("/onebot/v11/ws", pattern=r"^/[A-Za-z0-9/_.-]*$", description="our WebSocket route")
    self_id: str | None = Field(None, description="the bot's QQ number; other accounts are refused")
    action_timeout_sec: float = Field(10.0, gt=0, le=120)

    @field_validator("self_id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("access_token")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        # The WebSocket is reachable beyond the API's allow-list; the token is all that guards it.
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters")
        return value
