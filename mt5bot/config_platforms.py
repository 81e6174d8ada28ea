"""Settings of the chat platforms: Telegram, QQ (OneBot v11) and WeChat (WeCom app)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr, field_validator, model_validator

from mt5bot.config_base import Section as _Section


class TelegramSettings(_Section):
    token: SecretStr | None = None
    base_url: str | None = Field(None, description="self-hosted Bot API, e.g. http://127.0.0.1:8081/bot")
    base_file_url: str | None = None
    webhook_url: str | None = Field(None, description="public https URL; unset = long polling")
    webhook_secret: SecretStr | None = None
    poll_timeout_sec: int = Field(30, ge=0, le=60)


class OneBotSettings(_Section):
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


class WeComSettings(_Section):
    """WeChat through a WeCom self-built app (企业微信自建应用): API calls out, encrypted callbacks in."""

    corp_id: str | None = Field(None, description="企业ID; unset = WeCom not started")
    secret: SecretStr | None = Field(None, description="the app's Secret")
    agent_id: int | None = Field(None, description="the app's AgentId")
    token: SecretStr | None = Field(None, description="callback Token (接收消息 API)")
    encoding_aes_key: SecretStr | None = Field(None, description="callback EncodingAESKey (43 characters)")
    callback_path: str = Field("/wecom/callback", pattern=r"^/[A-Za-z0-9/_.-]*$")
    base_url: str = Field(
        "https://qyapi.weixin.qq.com", description="the WeCom API; tests point it at a fake"
    )
    timeout_sec: float = Field(10.0, gt=0, le=60)

    @field_validator("encoding_aes_key")
    @classmethod
    def _aes_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) != 43:
            raise ValueError("must be the 43-character EncodingAESKey from the WeCom console")
        return value

    @model_validator(mode="after")
    def _complete(self) -> WeComSettings:
        given = [self.secret, self.agent_id, self.token, self.encoding_aes_key]
        if self.corp_id and any(v is None for v in given):
            raise ValueError("corp_id is set: secret, agent_id, token and encoding_aes_key are needed too")
        return self

    @property
    def configured(self) -> bool:
        return bool(self.corp_id)
