"""The QQ adapter's settings (`onebot` in config.yaml): OneBot v11, reverse WebSocket."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, SecretStr, field_validator

from mt5bridge.common.settings_base import Section

_QQ_NUMBER = r"^[1-9][0-9]{4,14}$"


def _as_text(value: Any) -> Any:
    # YAML reads an unquoted QQ number as an int; ids are compared as text everywhere.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class OneBotSettings(Section):
    """QQ through OneBot v11 implementations (NapCat, LLOneBot, Lagrange) connecting to us (reverse WS)."""

    access_token: SecretStr | None = Field(None, description="shared with the implementation; unset = QQ off")
    path: str = Field("/onebot/v11/ws", pattern=r"^/[A-Za-z0-9/_.-]*$", description="our WebSocket route")
    self_ids: tuple[str, ...] = Field((), description="bot QQ numbers allowed to connect; empty = any")
    self_id: str | None = Field(None, description="one allowed bot QQ number (older form of self_ids)")
    action_timeout_sec: float = Field(10.0, gt=0, le=120)
    # QQ's risk controls restrict accounts that send in bursts; these are deliberately slow.
    private_per_minute: int = Field(20, ge=1, le=120, description="messages a minute to one private chat")
    group_per_minute: int = Field(10, ge=1, le=120, description="messages a minute to one group")
    min_interval_sec: float = Field(1.0, ge=0, le=60, description="at least this long between two messages")
    queue_max_age_sec: float = Field(
        3600.0,
        gt=0,
        le=7 * 86400,
        description="a notification waiting for QQ to reconnect expires after this",
    )
    queue_size: int = Field(200, ge=1, le=10000, description="messages waiting per chat")
    send_retry_sec: float = Field(2.0, gt=0, le=60, description="the first retry's delay; it doubles")

    @field_validator("self_id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        return _as_text(value)

    @field_validator("self_ids", mode="before")
    @classmethod
    def _ids_text(cls, value: Any) -> Any:
        if isinstance(value, str | int):
            value = [value]
        return [_as_text(item) for item in value] if isinstance(value, list | tuple) else value

    @field_validator("self_id")
    @classmethod
    def _is_qq_number(cls, value: str | None) -> str | None:
        if value is not None:
            _check_number(value)
        return value

    @field_validator("self_ids")
    @classmethod
    def _are_qq_numbers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            _check_number(item)
        return value

    @field_validator("access_token")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        # The WebSocket is reachable beyond the API's allow-list; the token is all that guards it.
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters")
        return value

    @property
    def allowed_ids(self) -> frozenset[str]:
        """The bot accounts that may connect (`self_ids` and `self_id` together); empty = any."""
        ids = set(self.self_ids)
        if self.self_id is not None:
            ids.add(self.self_id)
        return frozenset(ids)


def _check_number(value: str) -> None:
    if not re.fullmatch(_QQ_NUMBER, value):
        raise ValueError(f"not a QQ number: {value[:32]!r}")
