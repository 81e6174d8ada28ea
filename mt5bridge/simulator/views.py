"""Records turned into the MetaTrader5 package's structures, field for field."""

from __future__ import annotations

from mt5bridge.simulator import validation as V
from mt5bridge.simulator.ledger import AccountFigures, Ledger
from mt5bridge.simulator.market import Market
from mt5bridge.simulator.records import Account, Deal, Order, Position
from mt5bridge.simulator.requests import Outcome, Request
from mt5bridge.simulator.symbols import SymbolSpec
from mt5bridge.terminal import constants as C
from mt5bridge.terminal.structs import (
    AccountInfo,
    OrderCheckResult,
    OrderSendResult,
    SymbolInfo,
    TerminalInfo,
    Tick,
    TradeDeal,
    TradeOrder,
    TradePosition,
)

TERMINAL_BUILD = 5370
TERMINAL_DATE = "17 Oct 2025"


def position(pos: Position, ledger: Ledger) -> TradePosition:
    bid, ask = ledger.market.quote(pos.symbol)
    return TradePosition(
        pos.ticket,
        pos.time_msc // 1000,
        pos.time_msc,
        pos.time_update_msc // 1000,
        pos.time_update_msc,
        pos.type,
        pos.magic,
        pos.identifier,
        pos.reason,
        pos.volume,
        pos.price_open,
        pos.sl,
        pos.tp,
        bid if pos.is_buy else ask,
        pos.swap,
        round(ledger.position_profit(pos), 2),
        pos.symbol,
        pos.comment,
        pos.external_id,
    )


def order(o: Order, market: Market | None = None) -> TradeOrder:
    """An order; `market` given for active orders, whose price_current follows the market."""
    current = o.price_current
    if market is not None:
        bid, ask = market.quote(o.symbol)
        current = ask if V.is_buy(o.type) else bid
    return TradeOrder(
        o.ticket,
        o.time_setup_msc // 1000,
        o.time_setup_msc,
        o.time_done_msc // 1000,
        o.time_done_msc,
        o.time_expiration,
        o.type,
        o.type_time,
        o.type_filling,
        o.state,
        o.magic,
        o.position_id,
        o.position_by_id,
        o.reason,
        o.volume_initial,
        o.volume_current,
        o.price_open,
        o.sl,
        o.tp,
        current,
        o.price_stoplimit,
        o.symbol,
        o.comment,
        o.external_id,
    )


def deal(d: Deal) -> TradeDeal:
    return TradeDeal(
        d.ticket,
        d.order,
        d.time_msc // 1000,
        d.time_msc,
        d.type,
        d.entry,
        d.magic,
        d.position_id,
        d.reason,
        d.volume,
        d.price,
        d.commission,
        d.swap,
        d.profit,
        d.fee,
        d.symbol,
        d.comment,
        d.external_id,
    )


def tick(market: Market, name: str) -> Tick:
    time_msc, bid, ask = market.tick(name)
    flags = C.TICK_FLAG_BID | C.TICK_FLAG_ASK
    return Tick(time_msc // 1000, bid, ask, 0.0, 0, time_msc, flags, 0.0)


def account(acc: Account, figures: AccountFigures) -> AccountInfo:
    return AccountInfo(
        acc.login,
        acc.trade_mode,
        acc.leverage,
        acc.limit_orders,
        acc.margin_so_mode,
        acc.trade_allowed,
        acc.trade_expert,
        acc.margin_mode,
        acc.currency_digits,
        acc.fifo_close,
        figures.balance,
        figures.credit,
        figures.profit,
        figures.equity,
        figures.margin,
        figures.margin_free,
        figures.margin_level,
        acc.margin_so_call,
        acc.margin_so_so,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        acc.name,
        acc.server,
        acc.currency,
        acc.company,
    )


def terminal(connected: bool, trade_allowed: bool, company: str) -> TerminalInfo:
    return TerminalInfo(
        False,
        False,
        connected,
        False,
        trade_allowed,
        False,
        False,
        False,
        False,
        False,
        TERMINAL_BUILD,
        100000,
        0,
        12000,
        0.0,
        0.0,
        company,
        "MetaTrader 5 (mt5bot simulator)",
        "English",
        "simulator://terminal64.exe",
        "simulator://data",
        "simulator://common",
    )


def symbol(market: Market, name: str, spec: SymbolSpec, tick_value: float) -> SymbolInfo:
    """All 96 fields of `symbol_info`, from the spec, the latest tick and today's range."""
    time_msc, bid, ask = market.tick(name)
    bidhigh, bidlow, askhigh, asklow, session_open = market.engine.day_stats(spec.name)
    spread = round((ask - bid) / spec.point)
    change = (bid - session_open) / session_open * 100 if session_open else 0.0
    values = {
        "custom": False,
        "chart_mode": C.SYMBOL_CHART_MODE_BID,
        "select": name in market.selected,
        "visible": name in market.selected,
        "session_deals": 0,
        "session_buy_orders": 0,
        "session_sell_orders": 0,
        "volume": 0,
        "volumehigh": 0,
        "volumelow": 0,
        "time": time_msc // 1000,
        "digits": spec.digits,
        "spread": spread,
        "spread_float": True,
        "ticks_bookdepth": 10,
        "trade_calc_mode": spec.calc_mode,
        "trade_mode": market.trade_modes[name],
        "start_time": 0,
        "expiration_time": 0,
        "trade_stops_level": spec.stops_level,
        "trade_freeze_level": spec.freeze_level,
        "trade_exemode": spec.exemode,
        "swap_mode": spec.swap_mode,
        "swap_rollover3days": spec.swap_rollover3days,
        "margin_hedged_use_leg": False,
        "expiration_mode": spec.expiration_mode,
        "filling_mode": spec.filling_mode,
        "order_mode": spec.order_mode,
        "order_gtc_mode": C.SYMBOL_ORDERS_GTC,
        "option_mode": 0,
        "option_right": 0,
        "bid": bid,
        "bidhigh": bidhigh,
        "bidlow": bidlow,
        "ask": ask,
        "askhigh": askhigh,
        "asklow": asklow,
        "last": 0.0,
        "lasthigh": 0.0,
        "lastlow": 0.0,
        "volume_real": 0.0,
        "volumehigh_real": 0.0,
        "volumelow_real": 0.0,
        "option_strike": 0.0,
        "point": spec.point,
        "trade_tick_value": tick_value,
        "trade_tick_value_profit": tick_value,
        "trade_tick_value_loss": tick_value,
        "trade_tick_size": spec.tick_size,
        "trade_contract_size": spec.contract_size,
        "trade_accrued_interest": 0.0,
        "trade_face_value": 0.0,
        "trade_liquidity_rate": 0.0,
        "volume_min": spec.volume_min,
        "volume_max": spec.volume_max,
        "volume_step": spec.volume_step,
        "volume_limit": spec.volume_limit,
        "swap_long": spec.swap_long,
        "swap_short": spec.swap_short,
        "margin_initial": 0.0,
        "margin_maintenance": 0.0,
        "session_volume": 0.0,
        "session_turnover": 0.0,
        "session_interest": 0.0,
        "session_buy_orders_volume": 0.0,
        "session_sell_orders_volume": 0.0,
        "session_open": session_open,
        "session_close": 0.0,
        "session_aw": 0.0,
        "session_price_settlement": 0.0,
        "session_price_limit_min": 0.0,
        "session_price_limit_max": 0.0,
        "margin_hedged": spec.margin_hedged,
        "price_change": round(change, 4),
        "price_volatility": 0.0,
        "price_theoretical": 0.0,
        "price_greeks_delta": 0.0,
        "price_greeks_theta": 0.0,
        "price_greeks_gamma": 0.0,
        "price_greeks_vega": 0.0,
        "price_greeks_rho": 0.0,
        "price_greeks_omega": 0.0,
        "price_sensitivity": 0.0,
        "basis": "",
        "category": str(spec.category),
        "currency_base": spec.currency_base,
        "currency_profit": spec.currency_profit,
        "currency_margin": spec.currency_margin,
        "bank": "",
        "description": spec.description,
        "exchange": "",
        "formula": "",
        "isin": "",
        "name": name,
        "page": "",
        "path": spec.path,
    }
    return SymbolInfo(**values)


def check_result(req: Request, retcode: int, margin: float, fig: AccountFigures) -> OrderCheckResult:
    """order_check's answer: the account as it would be with the request's margin."""
    free = round(fig.equity - margin, 2)
    level = round(fig.equity / margin * 100, 2) if margin > 0 else 0.0
    text = V.RETCODE_TEXT.get(retcode, "Done")
    return OrderCheckResult(
        retcode, fig.balance, fig.equity, fig.profit, round(margin, 2), free, level, text, req.echo()
    )


def send_result(req: Request, outcome: Outcome, bid: float, ask: float, request_id: int) -> OrderSendResult:
    """order_send's answer; the comment is the server's, else the retcode's text."""
    comment = outcome.comment or V.RETCODE_TEXT.get(outcome.retcode, "")
    return OrderSendResult(
        outcome.retcode, outcome.deal, outcome.order, outcome.volume, outcome.price, bid, ask, comment,
        request_id, 0, req.echo(),
    )  # fmt: skip
