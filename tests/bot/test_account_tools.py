"""The LLM answers a free-form account question with real numbers from the trading core."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.account_tools import ServiceAccountTools
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.models import CloseRequest, OpenRequest
from nlu.llm import LLMParser
from nlu.settings import LLMSettings
from tests.nlu.conftest import FakeLLM, fake_llm  # noqa: F401 - the fixture, reused
from tests.trading.conftest import ACTOR, Core, make_core


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    made = await make_core(tmp_path)
    yield made
    await made.db.close()
    await made.client.close()


async def test_tools_return_facts_from_the_account(core: Core) -> None:
    tools = ServiceAccountTools(core.service)
    await core.service.execute(
        OpenRequest(symbol="XAUUSD", side=PositionSide.BUY, volume=0.02, magic=9), ACTOR
    )
    await core.service.execute(OpenRequest(symbol="EURUSD", side=PositionSide.SELL, volume=0.1), ACTOR)
    core.sim.advance(600)
    await core.service.execute(CloseRequest(symbol="EURUSD", volume=0.1), ACTOR)
    pnl = json.loads(await tools.pnl("today", None))
    deals = [d for d in core.sim.history_deals_get(0, 2**40) if d.type in (0, 1)]
    assert pnl["total"]["realized"] == pytest.approx(
        sum(d.profit + d.commission + d.swap for d in deals), abs=0.01
    )
    assert set(pnl["by_symbol"]) == {"XAUUSD.m", "EURUSD.m"}
    positions = json.loads(await tools.positions("XAUUSD"))
    assert [(p["symbol"], p["volume"], p["magic"]) for p in positions] == [("XAUUSD.m", 0.02, 9)]
    assert json.loads(await tools.account())["currency"] == "USD"
    assert json.loads(await tools.positions("NOSUCH"))["error"] == "unknown_symbol"


async def test_llm_answer_uses_the_real_tools(core: Core, fake_llm: FakeLLM) -> None:  # noqa: F811
    await core.service.execute(OpenRequest(symbol="XAUUSD", side=PositionSide.BUY, volume=0.05), ACTOR)
    question = "我的黄金仓位怎么样"
    fake_llm.tool_script[question] = [("get_positions", json.dumps({"symbol": "gold"}))]
    settings = LLMSettings(base_url=fake_llm.base_url, model="fake", api_key=SecretStr("k"), timeout_sec=5)
    parser = LLMParser(settings)
    try:
        answer = await parser.answer(question, ServiceAccountTools(core.service))
    finally:
        await parser.close()
    assert answer is not None
    ticket = core.sim.positions_get()[0].ticket
    assert f'"ticket":{ticket}' in answer
    assert '"volume":0.05' in answer
