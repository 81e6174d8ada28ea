"""WeChat (WeCom app) in the whole service: signed, encrypted callbacks pass the API's security gate,
the real chat core previews a close as a button card, and pressing its confirm key closes gold."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.api.conftest import start_api
from tests.bot.fake_wecom import (
    AES_KEY,
    AGENT_ID,
    CORP_ID,
    SECRET,
    TOKEN,
    CallbackClient,
    FakeWeCom,
    fake,  # noqa: F401 - the fixture, reused
    text_xml,
)

TRADER, VIEWER = "zhangsan", "lisi"
PATH = "/wecom/callback"


async def test_close_gold_through_a_wecom_card(tmp_path: Path, fake: FakeWeCom) -> None:  # noqa: F811
    api = await start_api(
        tmp_path,
        security={"ip_whitelist": ["203.0.113.0/24"]},  # not this machine: only the signed route
        wecom={
            "corp_id": CORP_ID, "secret": SECRET, "agent_id": AGENT_ID, "token": TOKEN,
            "encoding_aes_key": AES_KEY, "base_url": fake.base_url, "callback_path": PATH,
        },
        users=[
            {"platform": "wecom", "id": TRADER, "role": "trader", "lang": "zh"},
            {"platform": "wecom", "id": VIEWER, "role": "viewer"},
        ],
    )  # fmt: skip
    callback = CallbackClient(f"{api.url}{PATH}")
    try:
        api.sim.order_send({"action": 1, "symbol": "XAUUSD", "volume": 0.05, "type": 0, "type_filling": 1})
        status, _ = await callback.post_plain(text_xml(TRADER, "平仓0.01手黄金", "1"), bad_signature=True)
        assert status == 403  # unsigned: refused before anything is read
        assert not fake.of("message/send")
        status, body = await callback.text(TRADER, "平仓0.01手黄金", msg_id="2")
        assert (status, body) == (200, "")  # answered at once, worked on afterwards
        preview, card = await fake.wait_for("message/send", 2)
        assert "[1] ✅ 确认" in preview.body["text"]["content"]  # what a WeChat user sees and types
        assert card.body["msgtype"] == "template_card" and card.body["touser"] == TRADER
        keys = [b["key"] for b in card.body["template_card"]["button_list"]]
        [confirm] = [k for k in keys if k.endswith(":y")]
        assert api.sim.positions_get()[0].volume == pytest.approx(0.05)  # nothing before the press
        task_id = card.body["template_card"]["task_id"]
        status, _ = await callback.press(TRADER, confirm, task_id)
        assert status == 200
        await fake.wait_for("message/update_template_card")
        for _ in range(100):
            if api.sim.positions_get()[0].volume < 0.05:
                break
            await asyncio.sleep(0.05)
        assert api.sim.positions_get()[0].volume == pytest.approx(0.04)
        # The same press again (WeCom retries): processed once, never a second close.
        await callback.press(TRADER, confirm, task_id)
        await asyncio.sleep(0.3)
        assert api.sim.positions_get()[0].volume == pytest.approx(0.04)
    finally:
        await api.runner.cleanup()
