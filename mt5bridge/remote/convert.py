"""The bridge's JSON (api/schemas_out.py) back to the trading core's models, and core requests to bodies.

The REST API renames a few fields (`type` for a position's side, `current_price`, `open_time`...) and gives
the trade server's clock as a wall time (`x_server`, ISO 8601 without offset) where the models keep
server-scale epoch seconds; these functions undo that. A few fields of the terminal's models are not in
the bridge's answers; they get the values below, so no caller should read them from a remote account
(docs/accounts.md, "Bridge client"):

- `Account`: `currency_digits` 2, `trade_expert` = `trade_allowed`, `limit_orders` 0, `fifo_close` False,
  `margin_so_call` and `margin_so_so` 0.
- `Position`: `external_id` "", `time_msc` = the open time in whole seconds x 1000.
- `Order`: `position_id` 0, `reason` client, `time_done_server` 0.
- `Deal`: `time_msc` = the deal time in whole seconds x 1000.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mt5bridge.terminal.models import Account, Deal, Order, Position, SymbolSpec, Tick
from mt5bridge.trading.models import CancelRequest, CloseRequest, ModifyRequest, OpenRequest, OrderKind
from mt5bridge.trading.periods import Window
from mt5bridge.trading.pnl import PnLLine, PnLReport

Json = dict[str, Any]


def server_epoch(wall: str | None) -> int:
    """A server wall time (`2026-05-04T14:30:00`) as server-scale epoch seconds; None is 0."""
    if wall is None:
        return 0
    return int(datetime.fromisoformat(wall).replace(tzinfo=UTC).timestamp())


def wall(epoch_server: int) -> str:
    """The inverse of `server_epoch`."""
    return datetime.fromtimestamp(epoch_server, UTC).replace(tzinfo=None).isoformat()


def instant(epoch_server: int, offset: int) -> str:
    """A server-scale epoch as the UTC instant it is (ISO 8601 with `Z`), for a query."""
    return datetime.fromtimestamp(epoch_server - offset, UTC).isoformat().replace("+00:00", "Z")


def account(d: Json) -> Account:
    """GET /account's data (the server clock and link fields are the bridge's, not the account's)."""
    keep = {k: v for k, v in d.items() if k in Account.model_fields}
    return Account.model_validate(
        {**keep, "currency_digits": 2, "trade_expert": d["trade_allowed"], "limit_orders": 0,
         "fifo_close": False, "margin_so_call": 0.0, "margin_so_so": 0.0}
    )  # fmt: skip


def position(d: Json) -> Position:
    opened = server_epoch(d["open_time_server"])
    return Position(
        ticket=d["ticket"], identifier=d["identifier"], symbol=d["symbol"], side=d["type"],
        volume=d["volume"], price_open=d["price_open"], price_current=d["current_price"], sl=d["sl"],
        tp=d["tp"], swap=d["swap"], profit=d["profit"], magic=d["magic"], comment=d["comment"],
        external_id="", reason=d["reason"], time=d["open_time"], time_server=opened,
        time_msc=opened * 1000, time_update=d["update_time"],
        time_update_server=server_epoch(d["update_time_server"]),
    )  # fmt: skip


def order(d: Json) -> Order:
    return Order(
        ticket=d["ticket"], symbol=d["symbol"], type=d["type"], state=d["state"],
        type_filling=d["type_filling"], type_time=d["type_time"], volume_initial=d["volume_initial"],
        volume_current=d["volume"], price_open=d["price_open"], price_current=d["current_price"],
        price_stoplimit=d["price_stoplimit"], sl=d["sl"], tp=d["tp"], magic=d["magic"],
        comment=d["comment"], position_id=0, reason="client", time_setup=d["setup_time"],
        time_setup_server=server_epoch(d["setup_time_server"]),
        time_expiration_server=server_epoch(d["expiration_time_server"]), time_done_server=0,
    )  # fmt: skip


def deal(d: Json) -> Deal:
    at = server_epoch(d["time_server"])
    return Deal.model_validate({**d, "time_server": at, "time_msc": at * 1000})


def symbol(d: Json) -> SymbolSpec:
    keep = {k: v for k, v in d.items() if k not in ("time", "time_server", "trade_calc_mode")}
    return SymbolSpec.model_validate(
        {**keep, "calc_mode": d["trade_calc_mode"], "time_server": server_epoch(d["time_server"])}
    )


def tick(d: Json) -> Tick:
    return Tick.model_validate({**d, "time_server": server_epoch(d["time_server"])})


def window(d: Json) -> Window:
    return Window(server_epoch(d["start_server"]), server_epoch(d["end_server"]), d["label"])


def pnl(d: Json) -> PnLReport:
    lines = PnLLine.model_validate
    return PnLReport(
        window=window(d["window"]),
        total=lines(d["total"]),
        by_symbol={k: lines(v) for k, v in d["by_symbol"].items()},
        by_magic={int(k): lines(v) for k, v in d["by_magic"].items()},
    )


# --- requests -------------------------------------------------------------------------------------
def _given(d: Json) -> Json:
    return {k: v for k, v in d.items() if v is not None}


def open_body(req: OpenRequest, kind: OrderKind) -> Json:
    """POST /order/open's body; `kind` is the request's order kind with `pending` already decided."""
    suffix = "" if kind is OrderKind.MARKET else f"_{kind.value}"
    return _given({
        "symbol": req.symbol, "type": f"{req.side.value}{suffix}", "volume": req.volume,
        "price": req.price, "sl": req.sl, "tp": req.tp, "comment": req.comment, "magic": req.magic,
        "deviation": req.deviation,
    })  # fmt: skip


def close_body(req: CloseRequest) -> Json:
    return _given(req.model_dump(mode="json"))


def modify_body(req: ModifyRequest) -> Json:
    """POST /order/modify's body: the API modifies by ticket only (selectors are the chat's)."""
    return _given({"ticket": req.ticket, "sl": req.sl, "tp": req.tp, "price": req.price})


def cancel_body(req: CancelRequest) -> Json:
    body = _given(req.model_dump(mode="json"))
    if not req.all:
        body.pop("all", None)
    return body
