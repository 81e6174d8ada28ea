"""How winding is one message's path through the chat core: stops, modules and returns.

One trader's text "平仓0.01手黄金" (close 0.01 lot of gold; a gold position is open) goes through
`ChatCore.handle` over the simulator, the real TradingService and SQLite, and ends as a preview with
its confirmation buttons. A warm-up message first fills the caches (templates, symbol specs), then the
same text is traced with `sys.setprofile`.

Counting, precisely:
- a *project function* is one whose code lives in a file of this repository outside `.venv` and
  `benchmarks` (third-party and standard-library code is not counted, but calls made from it into
  project code are);
- a *stop* is the first entry into a project function's frame; an `await` resuming a suspended
  coroutine or generator is not a new stop;
- a module's *path* is its file; *modules* counts the distinct files among the stops;
- the *path* is the sequence of stops' modules with consecutive repeats merged (a module calling its
  own functions stays in it); a *return* is a step of that sequence to a module that already appears
  earlier in it (e.g. core -> context -> core counts one return, to core).
The same three numbers are printed for the chat side alone (stops in `bot/`, the path of `bot/`
modules only, so a trip into the trading core and back to the same chat module is not a return).
Also printed: entries per chat module (how often that path arrives in each).
Run: .venv/bin/python benchmarks/bench_chat_path.py
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

from chat_stand import chat_stand, message

from mt5bridge.common.roles import Role
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.models import Actor, OpenRequest
from mt5bridge.trading.settings import RiskSettings

TEXT = "平仓0.01手黄金"
ROOT = Path(__file__).resolve().parent.parent
SKIP = (str(ROOT / ".venv"), str(ROOT / "benchmarks"))


class Tracer:
    """Records the project modules of first entries into project frames."""

    def __init__(self) -> None:
        self.stops: list[str] = []
        self._seen: set[int] = set()
        self._alive: list[FrameType] = []  # keeps seen frames alive, so their ids are not reused

    def __call__(self, frame: FrameType, event: str, arg: Any) -> None:
        if event != "call":
            return
        file = frame.f_code.co_filename
        if not file.startswith(str(ROOT)) or file.startswith(SKIP):
            return
        if id(frame) in self._seen:
            return  # a coroutine resumed, not a new stop
        self._seen.add(id(frame))
        self._alive.append(frame)
        self.stops.append(str(Path(file).relative_to(ROOT)))


def summary(stops: list[str]) -> tuple[int, int, int, Counter[str]]:
    path = [m for i, m in enumerate(stops) if i == 0 or stops[i - 1] != m]
    returns = sum(1 for i, m in enumerate(path) if m in path[:i])
    return len(stops), len(set(stops)), returns, Counter(path)


async def main() -> None:
    async with chat_stand(risk=RiskSettings()) as stand:
        chat, service = stand.chat, stand.service
        actor = Actor(platform="bench", user_id="setup", role=Role.ADMIN)
        opened = await service.execute(
            OpenRequest(symbol="XAUUSD", side=PositionSide.BUY, volume=0.05), actor
        )
        assert opened.ok
        await chat.handle(message(TEXT))  # warm-up: templates compiled, symbols cached
        tracer = Tracer()
        sys.setprofile(tracer)
        try:
            (reply,) = await chat.handle(message(TEXT))
        finally:
            sys.setprofile(None)
    if reply.confirmation_id is None:
        raise RuntimeError(f"no preview: {reply.text}")
    stops, modules, returns, entries = summary(tracer.stops)
    print(f"one message ({TEXT}) through ChatCore.handle:")
    print(f"  all project code: stops {stops}, modules {modules}, returns to a module already left {returns}")
    stops, modules, returns, entries = summary([m for m in tracer.stops if m.startswith("bot/")])
    print(f"  chat side (bot/): stops {stops}, modules {modules}, returns to a module already left {returns}")
    for module, count in entries.most_common():
        print(f"  {count:3d} entries  {module}")


if __name__ == "__main__":
    asyncio.run(main())
