"""QQ in the whole service: a fake NapCat dials our reverse WebSocket through the API's security gate,
and a trader closes gold by typing the preview's number, on the real chat core and simulator."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from bot.onebot.app import ONEBOT
from reports.keys import REPORT_SCHEDULER
from tests.api.conftest import start_api
from tests.bot.fake_onebot import BOT_QQ, PATH, TOKEN, FakeOneBot, at, text

TRADER, VIEWER = 20002, 20003


async def _until(condition: object, within: float = 10.0) -> None:
    for _ in range(int(within / 0.05)):
        if condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def test_trade_by_typed_number_over_qq(tmp_path: Path) -> None:
    api = await start_api(
        tmp_path,
        security={"ip_whitelist": ["203.0.113.0/24"]},  # not this machine: only the self-authenticated route
        onebot={"access_token": TOKEN, "self_id": str(BOT_QQ), "path": PATH},
        users=[
            {"platform": "qq", "id": str(TRADER), "role": "trader", "lang": "zh"},
            {"platform": "qq", "id": str(VIEWER), "role": "viewer"},
        ],
    )
    bot = FakeOneBot(f"{api.url}{PATH}")
    try:
        async with aiohttp.ClientSession() as http, http.get(f"{api.url}{PATH}") as resp:
            assert resp.status == 401  # no token, no upgrade
        api.sim.order_send({"action": 1, "symbol": "XAUUSD", "volume": 0.05, "type": 0, "type_filling": 1})
        await bot.connect()
        await _until(lambda: api.app[ONEBOT].connected)
        await bot.send_event(bot.private(TRADER, [text("平仓0.01手黄金")]))
        [preview] = await bot.wait_actions(1)
        assert preview.action == "send_private_msg" and preview.params["user_id"] in (TRADER, str(TRADER))
        assert "[1] ✅ 确认" in preview.text and "回复序号选择" in preview.text
        assert api.sim.positions_get()[0].volume == pytest.approx(0.05)  # nothing before the choice
        await bot.send_event(bot.private(TRADER, [text("1")]))
        await bot.wait_actions(2)
        assert api.sim.positions_get()[0].volume == pytest.approx(0.04)
        # A viewer in a group, addressing the bot: may ask, may not trade.
        await bot.send_event(bot.group(55, VIEWER, [at(BOT_QQ), text(" 平仓0.01手黄金")]))
        [*_, refusal] = await bot.wait_actions(3)
        assert refusal.action == "send_group_msg" and "[1]" not in refusal.text
        assert api.sim.positions_get()[0].volume == pytest.approx(0.04)
    finally:
        await bot.close()
        await api.runner.cleanup()


async def test_scheduled_report_over_qq_numbers_its_suggestions(tmp_path: Path) -> None:
    api = await start_api(
        tmp_path,
        onebot={"access_token": TOKEN, "self_id": str(BOT_QQ), "path": PATH},
        users=[{"platform": "qq", "id": str(TRADER), "role": "trader", "lang": "en"}],
        alerts={"margin_level_below": 1e9},  # any margin in use: a suggestion for sure
    )
    bot = FakeOneBot(f"{api.url}{PATH}")
    try:
        api.sim.order_send({"action": 1, "symbol": "XAUUSD", "volume": 0.05, "type": 0, "type_filling": 1})
        await bot.connect()
        await _until(lambda: api.app[ONEBOT].connected)
        job = api.app[REPORT_SCHEDULER].scheduler.get_job("report-daily")
        assert job is not None
        job.modify(next_run_time=datetime.now(UTC))
        [report] = await bot.wait_actions(1, wait_sec=20)
        assert report.image is not None and report.image.startswith(b"\x89PNG")
        assert "[1] " in report.text and "Reply with a number" in report.text
        await bot.send_event(bot.private(TRADER, [text("1")]))  # the first suggestion: a preview only
        [_, preview] = await bot.wait_actions(2)
        assert "[1] ✅" in preview.text
        assert api.sim.positions_get()[0].volume == pytest.approx(0.05)
    finally:
        await bot.close()
        await api.runner.cleanup()
