"""The chat core over HTTP: natural language in, preview with buttons out, confirm, trade done."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from tests.api.conftest import READ_ONLY_TOKEN, Api, start_api


async def _chat(
    http: aiohttp.ClientSession, api: Api, path: str, body: dict, token: str | None = None
) -> dict:
    headers = api.headers(token) if token else api.headers()
    async with http.post(f"{api.url}/api/v1{path}", json=body, headers=headers) as resp:
        assert resp.status == 200, await resp.text()
        payload = await resp.json()
    assert payload["success"] is True
    return payload["data"]


async def test_close_by_chat_then_confirm(api: Api) -> None:
    sim = api.sim
    opened = sim.order_send(
        {"action": 1, "symbol": "XAUUSD", "volume": 0.05, "type": 0, "type_filling": 1, "comment": "x"}
    )
    assert opened.retcode == 10009
    async with aiohttp.ClientSession() as http:
        preview = await _chat(http, api, "/chat", {"text": "平仓0.01手黄金"})
        assert preview["confirmation_id"]
        assert {b["action"] for b in preview["buttons"]} >= {f"c:{preview['confirmation_id']}:y"}
        assert sim.positions_get()[0].volume == pytest.approx(0.05)  # nothing before the confirmation
        done = await _chat(http, api, "/chat/confirm", {"id": preview["confirmation_id"], "accept": True})
        assert done["confirmation_id"] is None
        assert done["buttons"] == []
        assert sim.positions_get()[0].volume == pytest.approx(0.04)
        again = await _chat(http, api, "/chat/confirm", {"id": preview["confirmation_id"], "accept": True})
        assert sim.positions_get()[0].volume == pytest.approx(0.04)  # a second tap never trades twice
        assert again["confirmation_id"] is None


async def test_button_action_sent_as_text_presses_it(api: Api) -> None:
    async with aiohttp.ClientSession() as http:
        asked = await _chat(http, api, "/chat", {"text": "下单0.01手欧美", "lang": "en"})
        assert asked["confirmation_id"] is None
        assert len(asked["buttons"]) >= 2  # buy or sell?
        choice = asked["buttons"][0]["action"]
        preview = await _chat(http, api, "/chat", {"text": choice, "lang": "en"})
        assert preview["confirmation_id"]
        await _chat(http, api, "/chat/confirm", {"id": preview["confirmation_id"], "accept": True})
    (pos,) = api.sim.positions_get()
    assert (pos.symbol, pos.volume) == ("EURUSD", 0.01)


async def test_suggestion_button_sent_as_text_previews_then_confirms(tmp_path: Path) -> None:
    api = await start_api(tmp_path, alerts={"margin_level_below": 1e9})  # any margin: a suggestion
    try:
        api.sim.order_send({"action": 1, "symbol": "XAUUSD", "volume": 0.05, "type": 0, "type_filling": 1})
        async with aiohttp.ClientSession() as http:
            report = await _chat(http, api, "/chat", {"text": "/report hedge", "lang": "en"})
            [first, *_] = report["buttons"]
            assert first["action"].startswith("s:")  # an id in the core's book, never a command
            viewer = await _chat(http, api, "/chat", {"text": first["action"]}, READ_ONLY_TOKEN)
            assert viewer["confirmation_id"] is None and viewer["buttons"] == []
            preview = await _chat(http, api, "/chat", {"text": first["action"], "lang": "en"})
            assert preview["confirmation_id"]
            assert api.sim.positions_total() == 1  # a tap never trades by itself
            await _chat(http, api, "/chat/confirm", {"id": preview["confirmation_id"], "accept": True})
        assert api.sim.positions_total() == 0
    finally:
        await api.runner.cleanup()


async def test_read_only_token_can_ask_but_not_trade(api: Api) -> None:
    async with aiohttp.ClientSession() as http:
        answer = await _chat(http, api, "/chat", {"text": "本日盈亏"}, READ_ONLY_TOKEN)
        assert answer["text"]
        refused = await _chat(http, api, "/chat", {"text": "买入0.01手黄金"}, READ_ONLY_TOKEN)
        assert refused["confirmation_id"] is None
    assert api.sim.positions_total() == 0


async def test_chat_needs_a_token_and_a_valid_body(api: Api) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{api.url}/api/v1/chat", json={"text": "hi"}) as resp:
            assert resp.status == 401
        async with http.post(f"{api.url}/api/v1/chat", json={"text": ""}, headers=api.headers()) as resp:
            assert resp.status == 400
        async with http.post(
            f"{api.url}/api/v1/chat/confirm", json={"id": "x!"}, headers=api.headers()
        ) as resp:
            assert resp.status == 400


async def test_mt5bot_chat_terminal_client(api: Api) -> None:
    from mt5bot.chat_cli import converse
    from tests.api.conftest import TOKEN

    api.sim.order_send({"action": 1, "symbol": "XAUUSD", "volume": 0.03, "type": 0, "type_filling": 1})
    lines = iter(["平仓0.01手黄金", "1"])  # the message, then press button [1] (confirm)
    shown: list[str] = []
    code = await converse(api.url, TOKEN, "zh", lambda: next(lines, None), shown.append)
    assert code == 0
    assert any(line.startswith("  [1] ") for line in shown)
    assert api.sim.positions_get()[0].volume == pytest.approx(0.02)
