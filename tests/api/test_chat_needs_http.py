"""HTTP chat asks instead of giving up: the reply carries the question's buttons, posting a button's action
answers it, the preview follows, and only the confirmation trades (issue 12)."""

from __future__ import annotations

import aiohttp
import pytest

from tests.api.conftest import READ_ONLY_TOKEN, Api


async def _chat(
    http: aiohttp.ClientSession, api: Api, path: str, body: dict, token: str | None = None
) -> dict:
    headers = api.headers(token) if token else api.headers()
    async with http.post(f"{api.url}/api/v1{path}", json=body, headers=headers) as resp:
        assert resp.status == 200, await resp.text()
        payload = await resp.json()
    assert payload["success"] is True
    return payload["data"]


def _button(reply: dict, text: str) -> str:
    [action] = [b["action"] for b in reply["buttons"] if b["text"] == text]
    return action


async def test_volume_question_answered_by_posting_the_button_then_confirmed(api: Api) -> None:
    async with aiohttp.ClientSession() as http:
        asked = await _chat(http, api, "/chat", {"text": "sell eurusd 1", "lang": "en"})
        assert "Is 1 the volume or the price?" in asked["text"]
        assert [b["text"] for b in asked["buttons"]] == ["1 lot", "price 1"]
        assert asked["confirmation_id"] is None
        lots = _button(asked, "1 lot")
        preview = await _chat(http, api, "/chat", {"text": lots, "lang": "en"})
        assert preview["confirmation_id"] and "sell 1.00 lots" in preview["text"]
        assert api.sim.positions_total() == 0 and api.sim.orders_total() == 0  # an answer is not a trade
        again = await _chat(http, api, "/chat", {"text": lots, "lang": "en"})  # the question is used up
        assert again["confirmation_id"] is None and again["buttons"] == []
        done = await _chat(http, api, "/chat/confirm", {"id": preview["confirmation_id"], "accept": True})
        assert done["confirmation_id"] is None and done["text"].startswith("✅")
    [pos] = list(api.sim.positions_get() or [])
    assert (pos.symbol, pos.type, pos.volume) == ("EURUSD", 1, 1.0)
    assert api.sim.orders_total() == 0


async def test_symbol_question_answered_by_typing_a_name(api: Api) -> None:
    async with aiohttp.ClientSession() as http:
        asked = await _chat(http, api, "/chat", {"text": "buy 0.01 lots", "lang": "en"})
        assert "Which symbol?" in asked["text"] and "XAUUSD" in [b["text"] for b in asked["buttons"]]
        preview = await _chat(http, api, "/chat", {"text": "silver", "lang": "en"})
        assert preview["confirmation_id"]
        await _chat(http, api, "/chat/confirm", {"id": preview["confirmation_id"], "accept": True})
    [pos] = list(api.sim.positions_get() or [])
    assert (pos.symbol, pos.type, pos.volume) == ("XAGUSD", 0, pytest.approx(0.01))


async def test_a_read_only_token_gets_no_question(api: Api) -> None:
    async with aiohttp.ClientSession() as http:
        refused = await _chat(http, api, "/chat", {"text": "sell eurusd 1"}, READ_ONLY_TOKEN)
        assert refused["buttons"] == [] and refused["confirmation_id"] is None
        # the admin's question cannot be answered with the read-only token either
        asked = await _chat(http, api, "/chat", {"text": "sell eurusd 1", "lang": "en"})
        stolen = await _chat(http, api, "/chat", {"text": asked["buttons"][0]["action"]}, READ_ONLY_TOKEN)
        assert stolen["confirmation_id"] is None and stolen["buttons"] == []
    assert api.sim.positions_total() == 0 and api.sim.orders_total() == 0
