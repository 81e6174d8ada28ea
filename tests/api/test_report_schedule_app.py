"""The scheduled report in the whole service: APScheduler fires in the service's loop, the report is
built from the simulator and reaches every subscribed Telegram user through the real adapter."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from bot.telegram.app import TELEGRAM
from reports.keys import REPORT_SCHEDULER
from tests.api.conftest import start_api
from tests.bot.fake_telegram import FakeTelegram, fake, markup_of  # noqa: F401 - the fixture, reused

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def test_daily_report_goes_to_subscribers_as_a_photo(
    tmp_path: Path,
    fake: FakeTelegram,  # noqa: F811
) -> None:
    api = await start_api(
        tmp_path,
        telegram={"token": fake.token, "base_url": fake.base_url, "poll_timeout_sec": 1},
        users=[
            {"platform": "telegram", "id": "42", "role": "trader", "lang": "en"},
            {"platform": "telegram", "id": "43", "role": "viewer", "lang": "zh"},
            {"platform": "telegram", "id": "44", "role": "viewer", "subscribe": False},
        ],
        alerts={"margin_level_below": 1e9},  # any margin in use: a suggestion (and a button) for sure
    )
    try:
        await asyncio.wait_for(api.app[TELEGRAM].receiving.wait(), 10)
        api.sim.order_send({"action": 1, "symbol": "XAUUSD", "volume": 0.05, "type": 0, "type_filling": 1})
        job = api.app[REPORT_SCHEDULER].scheduler.get_job("report-daily")
        assert job is not None and job.next_run_time > datetime.now(UTC)
        job.modify(next_run_time=datetime.now(UTC))
        photos = await fake.wait_for("sendPhoto", 2, within=20)
        assert sorted(int(p.params["chat_id"]) for p in photos) == [42, 43]  # 44 unsubscribed
        for photo in photos:
            assert photo.files["photo"].startswith(PNG_SIGNATURE)
        by_chat = {int(p.params["chat_id"]): p for p in photos}
        trader_buttons = [b for row in markup_of(by_chat[42]) or [] for b in row]
        assert trader_buttons and all(b["callback_data"].startswith("s:") for b in trader_buttons)
        assert not markup_of(by_chat[43])
    finally:
        await api.runner.cleanup()
