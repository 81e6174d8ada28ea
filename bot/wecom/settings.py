"""The WeChat adapter's settings (`wecom` in config.yaml): a WeCom self-built app."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator, model_validator

from mt5bridge.common.settings_base import Section


class WeComSettings(Section):
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
    callback_max_age_sec: int = Field(
        300, ge=30, le=3600, description="a callback whose signed timestamp is older (or newer) is refused"
    )
    per_member_minute: int = Field(30, ge=1, le=30, description="WeCom drops more than 30/min to a member")
    per_member_hour: int = Field(1000, ge=1, le=1000, description="WeCom drops more than 1,000/h to a member")
    send_attempts: int = Field(5, ge=1, le=20, description="tries of a send WeCom answers busy/limited")
    send_retry_sec: float = Field(2.0, gt=0, le=60, description="the first retry's delay; it doubles")
    robots: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="group robots (群机器人): name -> webhook key; send-only, for reports and alerts",
    )
    robot_lang: str = Field("zh", pattern="^(zh|en)$", description="the language of what robots post")
    robot_markdown: bool = Field(True, description="post as markdown (title in bold); false = plain text")

    @field_validator("encoding_aes_key")
    @classmethod
    def _aes_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) != 43:
            raise ValueError("must be the 43-character EncodingAESKey from the WeCom console")
        return value

    @field_validator("robots")
    @classmethod
    def _robot_names(cls, value: dict[str, SecretStr]) -> dict[str, SecretStr]:
        for name, key in value.items():
            if not name or len(name) > 64 or not key.get_secret_value():
                raise ValueError("each robot needs a name (at most 64 characters) and its webhook key")
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
