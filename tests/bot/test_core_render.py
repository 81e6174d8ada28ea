"""Rendering: every format escaped correctly for any symbol or comment, per language."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.render import Renderer, to_markdown
from mt5bridge.terminal import constants as C
from tests.bot.core_stand import Stand, only, running_stand

_SPECIAL = set("_*[]()~`>#+-=|{}.!\\")
COMMENT = "a_b*c<i>&`[x](y)"


def markdown_v2_ok(text: str) -> bool:
    """True when `text` is valid Telegram MarkdownV2: specials escaped outside entities, entities closed."""
    i, bold, pre, code = 0, False, False, False
    while i < len(text):
        if text[i] == "\\":
            if i + 1 >= len(text):
                return False
            i += 2
            continue
        if text.startswith("```", i) and not code:
            pre, i = not pre, i + 3
            continue
        char = text[i]
        i += 1
        if pre or code:
            if char == "`" and code:
                code = False
            elif char == "`":
                return False
            continue
        if char == "`":
            code = True
        elif char == "*":
            bold = not bold
        elif char in _SPECIAL:
            return False
    return not (bold or pre or code)


def html_text(markup: str) -> str:
    assert re.fullmatch(r"([^<>]|<(/?)(b|pre|code)>)*", markup, re.DOTALL), markup
    return html.unescape(re.sub(r"</?(b|pre|code)>", "", markup))


@pytest.fixture
async def stand(tmp_path: Path) -> AsyncIterator[Stand]:
    async with running_stand(tmp_path) as made:
        yield made


async def test_a_comment_with_special_characters_breaks_no_format(stand: Stand) -> None:
    request = {
        "action": C.TRADE_ACTION_DEAL, "symbol": "EURUSD.m", "volume": 0.1, "type": C.ORDER_TYPE_BUY,
        "type_filling": C.ORDER_FILLING_IOC, "comment": COMMENT, "magic": 7,
    }  # fmt: skip
    sent = stand.core.sim.order_send(request)
    assert sent is not None
    assert sent.retcode == C.TRADE_RETCODE_DONE
    reply = only(await stand.say("2", "/positions"))
    assert COMMENT in reply.text
    assert reply.html is not None and reply.markdown is not None
    assert html_text(reply.html) == reply.text
    assert "a_b*c&lt;i&gt;&amp;`[x](y)" in reply.html
    assert markdown_v2_ok(reply.markdown), reply.markdown
    assert "a_b*c<i>&\\`[x](y)" in reply.markdown  # inside the monospace block only ` and \ are escaped


async def test_symbol_names_in_bold_are_escaped(stand: Stand) -> None:
    reply = only(await stand.say("2", "/quote gold"))
    assert reply.markdown is not None and reply.html is not None
    assert reply.markdown.startswith("*XAUUSD\\.m*")
    assert reply.html.startswith("<b>XAUUSD.m</b>")
    assert markdown_v2_ok(reply.markdown)


async def test_every_reply_of_a_session_is_valid_in_every_format(stand: Stand) -> None:
    await stand.say("2", "买入0.01手黄金")
    texts = ["/help", "/start", "/account", "/pnl week", "/orders", "/whoami", "平仓", "下单0.01手欧美",
             "买入0.01手黄金", "平仓0.01手黄金", "/report hedge", "?!", "/readonly on"]  # fmt: skip
    for text in texts:
        for reply in await stand.say("2", text):
            assert reply.markdown is not None and markdown_v2_ok(reply.markdown), (text, reply.markdown)
            assert reply.html is not None and html_text(reply.html) == reply.text, text


def test_prices_use_the_symbols_digits_and_amounts_two_decimals() -> None:
    renderer = Renderer()
    text = renderer.render("en", "query", "quote", t=_Tick(), digits=3).text
    assert "bid 151.234 · ask 151.250" in text and "Spread 16 points" in text


class _Tick:
    symbol = "USDJPY"
    bid = 151.234
    ask = 151.25


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=60))
def test_any_data_is_escaped(data: str) -> None:
    rendered = Renderer().render("zh", "query", "answer", text=data)
    assert markdown_v2_ok(rendered.markdown)
    assert html_text(rendered.html) == rendered.text
    assert to_markdown("") == ""
