"""The official QQ bot's settings (`qqbot` in config.yaml): QQ 开放平台, webhook callbacks."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr, field_validator, model_validator

from mt5bridge.common.settings_base import Section


class QQBotSettings(Section):
    """QQ through the official bot platform: AppID + AppSecret; events by signed webhook, passive replies."""

    app_id: str | None = Field(None, pattern=r"^[0-9]{1,20}$", description="AppID (机器人ID); unset = off")
    secret: SecretStr | None = Field(None, description="AppSecret (ClientSecret): tokens and ed25519 key")
    callback_path: str = Field("/qqbot/callback", pattern=r"^/[A-Za-z0-9/_.-]*$")
    api_base_url: str = Field(
        "https://api.sgroup.qq.com",
        description="the OpenAPI; the sandbox is https://sandbox.api.sgroup.qq.com",
    )
    token_url: str = Field("https://bots.qq.com/app/getAppAccessToken", description="getAppAccessToken")
    timeout_sec: float = Field(10.0, gt=0, le=60, description="the platform asks for at least 5 s")
    group_reply_window_sec: float = Field(300.0, gt=0, description="passive replies to a group @-message")
    c2c_reply_window_sec: float = Field(3600.0, gt=0, description="passive replies to a private message")
    replies_per_message: int = Field(5, ge=1, le=5, description="the platform allows 5 replies per message")
    images: bool = Field(True, description="send charts as images (files API, file_data); False = text only")
    max_callback_age_sec: float = Field(
        3900.0, ge=0, description="refuse signed callbacks older than this (0 = no check)"
    )

    @field_validator("app_id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("secret")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        # The ed25519 seed is the secret repeated: an empty one would make a key anyone can derive.
        if value is not None and len(value.get_secret_value()) < 8:
            raise ValueError("must be the bot's AppSecret from the QQ console (开发设置)")
        return value

    @model_validator(mode="after")
    def _complete(self) -> QQBotSettings:
        if self.app_id and self.secret is None:
            raise ValueError("app_id is set: secret (AppSecret) is needed too")
        return self

    @property
    def configured(self) -> bool:
        return bool(self.app_id)
