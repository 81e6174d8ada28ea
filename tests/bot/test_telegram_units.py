"""The adapter's pure parts: rendering, splitting, language tags, URLs; and an over-long button action."""

from __future__ import annotations

import html
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr
from telegram.ext import AIORateLimiter

from bot.messages import Button, Reply
from bot.telegram.app import DEFAULT_WEBHOOK_PATH, _file_url, build_application, webhook_path
from bot.telegram.incoming import language
from bot.telegram.render import ActionTooLong, body, escape_html, keyboard
from bot.telegram.settings import TelegramSettings
from bot.text import split_text
from mt5bot.config import ConfigError, load_settings
from tests.bot import fake_telegram, telegram_stand
from tests.bot.fake_telegram import FakeTelegram, markup_of
from tests.bot.telegram_entities import entity_error
from tests.bot.telegram_stand import ScriptedCore

fake = fake_telegram.fake
run_bot = telegram_stand.run_bot


@given(st.text())
def test_escaped_text_is_always_valid_telegram_html_and_round_trips(text: str) -> None:
    escaped = escape_html(text)
    assert entity_error(escaped, "HTML") is None
    assert html.unescape(escaped) == text


def test_body_prefers_html_then_markdown_then_escaped_text() -> None:
    assert body(Reply(text="t", html="<b>h</b>", markdown="m")).text == "<b>h</b>"
    assert body(Reply(text="t", markdown=r"m\.")).parse_mode == "MarkdownV2"
    assert body(Reply(text="a<b>&c")).text == "a&lt;b&gt;&amp;c"


def test_keyboard_checks_the_64_byte_limit_in_bytes_not_characters() -> None:
    fits = Reply(text="x", buttons=[[Button(text="ok", action="c:" + "a" * 62)]])
    markup = keyboard(fits)
    assert markup is not None
    assert markup.inline_keyboard[0][0].callback_data == "c:" + "a" * 62
    with pytest.raises(ActionTooLong):
        keyboard(Reply(text="x", buttons=[[Button(text="ok", action="确认" * 11)]]))  # 22 chars, 66 bytes
    assert keyboard(Reply(text="x", buttons=[[]])) is None


@given(st.text(alphabet=st.sampled_from("ab\n中"), max_size=300), st.integers(5, 40))
def test_chunks_keep_every_character_within_the_limit(text: str, limit: int) -> None:
    parts = split_text(text, limit, keep_breaks=True)
    assert "".join(parts) == text
    assert all(len(p) <= limit for p in parts)


@pytest.mark.parametrize(
    ("code", "expected"), [("zh-hans", "zh"), ("en", "en"), ("pt-BR", "pt"), ("", None), (None, None)]
)
def test_language_tag(code: str | None, expected: str | None) -> None:
    assert language(code) == expected


def test_self_hosted_file_url_is_derived_never_defaulted_to_telegram() -> None:
    token = SecretStr("1:x")
    local = TelegramSettings(token=token, base_url="http://127.0.0.1:8081/bot")
    assert _file_url(local) == "http://127.0.0.1:8081/file/bot"
    explicit = TelegramSettings(token=token, base_url="http://h/bot", base_file_url="http://f/file/bot")
    assert _file_url(explicit) == "http://f/file/bot"
    assert _file_url(TelegramSettings(token=token)) is None


def test_webhook_path_follows_the_public_url() -> None:
    assert webhook_path(TelegramSettings(webhook_url="https://x.example/hooks/tg")) == "/hooks/tg"
    assert webhook_path(TelegramSettings(webhook_url="https://x.example")) == DEFAULT_WEBHOOK_PATH


async def test_over_long_action_drops_the_buttons_rather_than_truncating(
    fake: FakeTelegram, run_bot: Callable
) -> None:
    reply = Reply(text="确认?", buttons=[[Button(text="确认", action="确认" * 11)]])
    await run_bot(ScriptedCore(lambda incoming: [reply]))
    await fake.send_text("x")
    [call] = await fake.wait_for("sendMessage")
    assert call.params["text"] == "确认?"
    assert markup_of(call) is None


def test_application_is_rate_limited_and_polls_unless_a_webhook_is_set() -> None:
    token = SecretStr("123:abc")
    polling = build_application(TelegramSettings(token=token))
    assert isinstance(polling.bot.rate_limiter, AIORateLimiter)
    assert polling.updater is not None
    webhook = build_application(TelegramSettings(token=token, webhook_url="https://x.example/tg"))
    assert webhook.updater is None
    with pytest.raises(ValueError, match="token"):
        build_application(TelegramSettings())


@pytest.mark.parametrize("secret", ["", "has space", "a" * 257, "中文", "semi;colon", "dot.ted"])
def test_an_invalid_webhook_secret_is_refused_at_load_without_echoing_it(secret: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(
            environ={"MT5BOT_TELEGRAM__WEBHOOK_SECRET": secret or '""', "MT5BOT_CONFIG": "/nonexistent"}
        )
    assert "telegram.webhook_secret" in str(refused.value) and "1-256" in str(refused.value)
    if len(secret) > 3:
        assert secret not in str(refused.value)


@pytest.mark.parametrize("secret", ["a", "A-z_09", "x" * 256])
def test_a_valid_webhook_secret_loads(secret: str) -> None:
    settings = load_settings(
        environ={"MT5BOT_TELEGRAM__WEBHOOK_SECRET": secret, "MT5BOT_CONFIG": "/nonexistent"}
    )
    assert settings.telegram.webhook_secret is not None
    assert settings.telegram.webhook_secret.get_secret_value() == secret
