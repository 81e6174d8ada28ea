"""Read-only account tools the LLM may call to answer free-form questions ("哪个品种亏得最多?").

`AccountTools` is implemented by the chat core (it owns the trading service); this module only
describes the tools to the LLM and dispatches its calls with validated arguments.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, ValidationError

from nlu.command import Period
from nlu.lexicon import Lexicon


class AccountTools(Protocol):
    """Read-only queries the chat core answers as short plain text (one line per row)."""

    async def pnl(self, period: Period | None, symbol: str | None) -> str:
        """Realised and floating P&L for the period (None = today), per symbol."""
        ...

    async def positions(self, symbol: str | None) -> str:
        """Open positions, optionally of one symbol."""
        ...

    async def orders(self, symbol: str | None) -> str:
        """Pending orders, optionally of one symbol."""
        ...

    async def account(self) -> str:
        """Balance, equity, margin, free margin."""
        ...


class Tool(StrEnum):
    PNL = "get_pnl"
    POSITIONS = "get_positions"
    ORDERS = "get_orders"
    ACCOUNT = "get_account"


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PnlArgs(_Args):
    period: Period | None = None
    symbol: str | None = None


class SymbolArgs(_Args):
    symbol: str | None = None


class NoArgs(_Args):
    pass


_ARGS: dict[Tool, type[_Args]] = {
    Tool.PNL: PnlArgs,
    Tool.POSITIONS: SymbolArgs,
    Tool.ORDERS: SymbolArgs,
    Tool.ACCOUNT: NoArgs,
}
_DESCRIPTIONS = {
    Tool.PNL: "Profit and loss for a period, broken down per symbol.",
    Tool.POSITIONS: "Open positions with volume, open price, current profit.",
    Tool.ORDERS: "Pending orders.",
    Tool.ACCOUNT: "Balance, equity, margin and free margin.",
}


def tool_specs() -> list[dict[str, Any]]:
    """The tools in the OpenAI `tools` format, schemas generated from the argument models."""
    return [
        {
            "type": "function",
            "function": {
                "name": tool.value,
                "description": _DESCRIPTIONS[tool],
                "parameters": _ARGS[tool].model_json_schema(),
            },
        }
        for tool in Tool
    ]


async def run_tool(tools: AccountTools, name: str, raw_arguments: str, lex: Lexicon) -> str:
    """Run one tool call; a bad name, bad JSON or an unknown symbol comes back as an error text."""
    try:
        tool = Tool(name)
        args = _ARGS[tool].model_validate(json.loads(raw_arguments or "{}"))
    except (ValueError, ValidationError) as exc:
        return f"error: invalid tool call ({type(exc).__name__})"
    symbol = getattr(args, "symbol", None)
    if symbol is not None:
        resolved = lex.resolve(symbol)
        if resolved is None:
            return f"error: unknown symbol {symbol!r}"
        symbol = resolved
    if isinstance(args, PnlArgs):
        return await tools.pnl(args.period, symbol)
    if tool is Tool.POSITIONS:
        return await tools.positions(symbol)
    if tool is Tool.ORDERS:
        return await tools.orders(symbol)
    return await tools.account()
