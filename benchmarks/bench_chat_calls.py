"""Terminal calls and previews per chat trade: the message "平仓0.01手黄金" and the tap that confirms it.

Counts every call the client queues on its terminal worker (reads, order_check, order_send) and every
`TradingService.preview`, for the text (parse -> preview -> confirmation) and for the tap (re-check ->
execute). A gold position is opened first through the chat (message and tap, outside the count), so the
message has something to close and every cache (symbol specs, points, digits) is as warm as in a running
service.
Real TradingService and chat core over the simulator and a SQLite file; nothing of ours is replaced.
Run: .venv/bin/python benchmarks/bench_chat_calls.py
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any

from chat_stand import chat_stand, message

from mt5bridge.terminal.client import MT5Client
from mt5bridge.trading.models import Preview
from mt5bridge.trading.service import TradeRequestModel, TradingService

TEXT = "平仓0.01手黄金"


class CountingClient(MT5Client):
    """The real client, counting each call it hands to the terminal worker, by terminal function."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls: Counter[str] = Counter()

    def _start(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> asyncio.Future[Any]:
        self.calls[getattr(fn, "__name__", "call")] += 1
        return super()._start(fn, *args, **kwargs)


class CountingService(TradingService):
    """The real service, counting previews (its own, inside execute, as well as the chat's)."""

    previews = 0

    async def preview(self, req: TradeRequestModel) -> Preview:
        self.previews += 1
        return await super().preview(req)


def show(name: str, calls: Counter[str], previews: int) -> None:
    listed = ", ".join(f"{fn} {n}" for fn, n in sorted(calls.items()))
    print(f"{name:8} {sum(calls.values()):3} terminal calls, {previews} previews  ({listed})")


async def main() -> None:
    async with chat_stand(CountingClient, CountingService) as stand:
        chat, client, service = stand.chat, stand.client, stand.service
        assert isinstance(client, CountingClient)
        assert isinstance(service, CountingService)
        (opening,) = await chat.handle(message("买入0.02手黄金"))
        await chat.handle(message(action=opening.buttons[0][0].action))
        client.calls.clear()
        service.previews = 0
        (preview,) = await chat.handle(message(TEXT))
        text_calls, text_previews = Counter(client.calls), service.previews
        client.calls.clear()
        service.previews = 0
        (result,) = await chat.handle(message(action=preview.buttons[0][0].action))
        tap_calls, tap_previews = Counter(client.calls), service.previews
    if "已执行" not in result.text:
        raise RuntimeError(f"not executed: {result.text}")
    print(f"one chat trade, {TEXT!r} + its confirm tap:")
    show("message", text_calls, text_previews)
    show("tap", tap_calls, tap_previews)
    show("total", text_calls + tap_calls, text_previews + tap_previews)


if __name__ == "__main__":
    asyncio.run(main())
