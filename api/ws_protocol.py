"""The WebSocket wire format: client messages (validated), server messages (encoded once, shared).

Every server message is `{"channel", "data", "time"}`; `time` is when the server emitted it (UTC). The
JSON shapes are documented in docs/websocket.md.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from mt5bridge.terminal import models as M
from mt5bridge.trading.events.models import (
    CLOSE_KINDS,
    TRADE_KINDS,
    AccountUpdate,
    Event,
    EventKind,
    TickEvent,
)

_JSON_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS


class Action(StrEnum):
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    PONG = "pong"


class Channel(StrEnum):
    """Channels a client subscribes to."""

    TICKS = "ticks"
    ACCOUNT = "account"
    TRADES = "trades"
    POSITIONS = "positions"
    RULES = "rules"


class ServerChannel(StrEnum):
    """Channels of server messages that are not subscriptions."""

    ACK = "ack"
    ERROR = "error"
    PING = "ping"


class ErrorCode(StrEnum):
    INVALID_JSON = "invalid_json"
    INVALID_MESSAGE = "invalid_message"
    UNKNOWN_ACTION = "unknown_action"
    UNKNOWN_CHANNEL = "unknown_channel"
    MISSING_CHANNEL = "missing_channel"
    MISSING_SYMBOLS = "missing_symbols"
    UNEXPECTED_SYMBOLS = "unexpected_symbols"
    UNKNOWN_SYMBOL = "unknown_symbol"
    TOO_MANY_SYMBOLS = "too_many_symbols"
    BINARY_NOT_SUPPORTED = "binary_not_supported"
    TERMINAL_UNAVAILABLE = "terminal_unavailable"


# Kinds behind each event channel; `positions` re-sends the list after anything that changes it.
CHANNEL_KINDS: dict[Channel, frozenset[EventKind]] = {
    Channel.TICKS: frozenset({EventKind.TICK}),
    Channel.ACCOUNT: frozenset({EventKind.ACCOUNT_UPDATE}),
    Channel.TRADES: TRADE_KINDS,
    Channel.POSITIONS: CLOSE_KINDS
    | {EventKind.POSITION_OPENED, EventKind.POSITION_REDUCED, EventKind.POSITION_MODIFIED},
    Channel.RULES: frozenset({EventKind.RULE_ACTION}),
}

Symbol = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
MessageId = Annotated[str, StringConstraints(max_length=64)] | int


class ClientMessage(BaseModel):
    """One client message; `id` (optional) is echoed in the ack or error it causes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: Action
    channel: Channel | None = None
    symbols: list[Symbol] | None = Field(None, max_length=1000)
    id: MessageId | None = None


class ProtocolError(Exception):
    """A client message that cannot be acted on: answered with an error message, not a disconnect."""

    def __init__(self, code: ErrorCode, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra


def _validation_error(exc: ValidationError) -> ProtocolError:
    first = exc.errors(include_url=False, include_input=False)[0]
    field = str(first["loc"][0]) if first["loc"] else ""
    text = "; ".join(
        f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False)[:5]
    )
    if field == "action" and first["type"] == "enum":
        return ProtocolError(ErrorCode.UNKNOWN_ACTION, text)
    if field == "channel" and first["type"] == "enum":
        return ProtocolError(ErrorCode.UNKNOWN_CHANNEL, text)
    return ProtocolError(ErrorCode.INVALID_MESSAGE, text)


def parse_message(raw: str) -> ClientMessage:
    """The validated message, or ProtocolError saying what is wrong with it."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ProtocolError(ErrorCode.INVALID_JSON, "message is not valid JSON") from None
    if not isinstance(value, dict):
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, "message must be a JSON object")
    try:
        msg = ClientMessage.model_validate(value)
    except ValidationError as exc:
        raise _validation_error(exc) from None
    _check_shape(msg)
    return msg


def _check_shape(msg: ClientMessage) -> None:
    if msg.action is Action.PONG:
        return
    if msg.channel is None:
        raise ProtocolError(ErrorCode.MISSING_CHANNEL, f"{msg.action} needs a channel")
    if msg.channel is Channel.TICKS and not msg.symbols:
        raise ProtocolError(ErrorCode.MISSING_SYMBOLS, f"{msg.action} ticks needs a non-empty symbols list")
    if msg.channel is not Channel.TICKS and msg.symbols is not None:
        raise ProtocolError(ErrorCode.UNEXPECTED_SYMBOLS, f"symbols only apply to ticks, not {msg.channel}")


def now_utc() -> datetime:
    return datetime.now(UTC)


def encode(channel: str, data: Any) -> bytes:
    """A server message as UTF-8 JSON, ready for a text frame."""
    message = {"channel": channel, "data": data, "time": now_utc()}
    return orjson.dumps(message, option=_JSON_OPTIONS)


def text_frame(message: bytes) -> bytes:
    """`message` as one complete, unmasked WebSocket text frame (RFC 6455 5.2), ready for the socket.

    Server frames carry no mask, so the same bytes go to every connection that sends the message.
    """
    n = len(message)
    if n < 126:
        head = bytes((0x81, n))
    elif n < 65536:
        head = bytes((0x81, 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((0x81, 127)) + n.to_bytes(8, "big")
    return head + message


def error_message(error: ProtocolError, msg_id: str | int | None = None) -> bytes:
    data: dict[str, Any] = {"code": str(error.code), "message": error.message, **error.extra}
    if msg_id is not None:
        data["id"] = msg_id
    return encode(ServerChannel.ERROR, data)


def tick_data(tick: TickEvent, server_utc_offset: int) -> dict[str, Any]:
    """`time` is UTC, `time_server` the trade server's wall clock, `time_msc` MT5's raw server-scale ms."""
    server = datetime.fromtimestamp(tick.time_msc / 1000, UTC)
    utc = datetime.fromtimestamp(tick.time_msc / 1000 - server_utc_offset, UTC)
    return {
        "symbol": tick.symbol,
        "bid": tick.bid,
        "ask": tick.ask,
        "time": utc,
        "time_server": server.replace(tzinfo=None),
        "time_msc": tick.time_msc,
    }


def event_data(event: Event) -> dict[str, Any]:
    """A trade or account event as JSON-ready data: its `kind` plus its fields."""
    return event.model_dump(mode="json")


def account_data(account: M.Account, at: datetime) -> dict[str, Any]:
    """The current account in the shape of an `account_update` event (sent on subscribe)."""
    update = AccountUpdate(
        time=at,
        balance=account.balance,
        equity=account.equity,
        margin=account.margin,
        margin_free=account.margin_free,
        margin_level=account.margin_level,
        profit=account.profit,
    )
    return update.model_dump(mode="json")


def position_data(p: M.Position) -> dict[str, Any]:
    """One open position with the design document's names (open_time, current_price) and MT5's."""
    return {
        "ticket": p.ticket,
        "symbol": p.symbol,
        "type": str(p.side),
        "volume": p.volume,
        "price_open": p.price_open,
        "current_price": p.price_current,
        "sl": p.sl,
        "tp": p.tp,
        "profit": p.profit,
        "swap": p.swap,
        "magic": p.magic,
        "comment": p.comment,
        "open_time": p.time,
        "identifier": p.identifier,
    }
