"""The LLM's read-only account tools (`nlu.llm_tools.AccountTools`) over the trading core.

Tool results go to the LLM, not to the user, so they are compact JSON facts (numbers, symbols, the
account currency), not templated text; the LLM words the answer. Nothing here can trade.
"""

from __future__ import annotations

import json
from typing import Any

from mt5bridge.common.errors import MT5BotError
from mt5bridge.trading.periods import Period
from mt5bridge.trading.pnl import PnLLine
from mt5bridge.trading.port import TradingPort


def _line(line: PnLLine) -> dict[str, Any]:
    return {
        "realized": line.realized,
        "floating": line.floating,
        "commission": line.commission,
        "swap": line.swap,
        "trades": line.trades,
        "win_rate": line.win_rate,
    }


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


class ServiceAccountTools:
    """Answers the LLM's tool calls from a `TradingPort` (structurally an `AccountTools`)."""

    def __init__(self, service: TradingPort) -> None:
        self.service = service

    async def _safe(self, query: Any) -> str:
        try:
            return _dump(await query)
        except MT5BotError as exc:
            return _dump({"error": exc.code, "message": exc.message})

    async def pnl(self, period: str | None, symbol: str | None) -> str:
        return await self._safe(self._pnl(Period(str(period or "today")), symbol))

    async def _pnl(self, period: Period, symbol: str | None) -> dict[str, Any]:
        report = await self.service.pnl(await self.service.window(period), symbol=symbol)
        currency = (await self.service.account()).currency
        return {
            "period": period.value,
            "currency": currency,
            "total": _line(report.total),
            "by_symbol": {name: _line(line) for name, line in report.by_symbol.items() if name},
            "by_magic": {str(magic): _line(line) for magic, line in report.by_magic.items()},
        }

    async def positions(self, symbol: str | None) -> str:
        return await self._safe(self._positions(symbol))

    async def _positions(self, symbol: str | None) -> list[dict[str, Any]]:
        return [
            {
                "ticket": p.ticket,
                "symbol": p.symbol,
                "side": p.side.value,
                "volume": p.volume,
                "price_open": p.price_open,
                "profit": p.profit,
                "swap": p.swap,
                "magic": p.magic,
            }
            for p in await self.service.positions(symbol=symbol)
        ]

    async def orders(self, symbol: str | None) -> str:
        return await self._safe(self._orders(symbol))

    async def _orders(self, symbol: str | None) -> list[dict[str, Any]]:
        return [
            {
                "ticket": o.ticket,
                "symbol": o.symbol,
                "type": o.type.value,
                "volume": o.volume_current,
                "price": o.price_open,
            }
            for o in await self.service.orders(symbol=symbol)
        ]

    async def account(self) -> str:
        return await self._safe(self._account())

    async def _account(self) -> dict[str, Any]:
        acc = await self.service.account()
        return {
            "currency": acc.currency,
            "balance": acc.balance,
            "equity": acc.equity,
            "margin": acc.margin,
            "margin_free": acc.margin_free,
            "margin_level": acc.margin_level,
            "profit": acc.profit,
        }
