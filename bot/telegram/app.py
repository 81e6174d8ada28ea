"""The python-telegram-bot Application, run inside the service's asyncio loop as an aiohttp cleanup context.

No `run_polling()`: it would own the loop and the signal handlers. The runner brings the bot up in a
background task that retries with capped, jittered backoff, so a Telegram outage at start (or later)
delays the adapter but never the service; python-telegram-bot's own polling loop backs off once running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Bot, BotCommand, BotCommandScopeChat, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, TypeHandler

from bot.core.outbox import Outbox, Policy
from bot.keys import CHAT_CORE, NOTIFIER
from bot.messages import Outgoing, Reply
from bot.telegram.adapter import ChatHandler, TelegramAdapter
from bot.telegram.delivery import NotReady, delivery_error
from bot.telegram.order import PerChatOrder
from bot.telegram.settings import TelegramSettings
from bot.telegram.webhook import handle_webhook

log = logging.getLogger(__name__)

ALLOWED_UPDATES = (Update.MESSAGE, Update.CALLBACK_QUERY)
DEFAULT_WEBHOOK_PATH = "/telegram/webhook"
# These log request URLs, and a Bot API URL contains the token (httpx at INFO, telegram at DEBUG).
_URL_LOGGERS = ("httpx", "httpcore", "telegram")

PTBApplication = Application[Any, Any, Any, Any, Any, Any]


def quiet_url_loggers() -> None:
    """Keep the loggers that print Bot API URLs (hence the token) at WARNING or above."""
    for name in _URL_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.WARNING:
            logger.setLevel(logging.WARNING)


def _file_url(settings: TelegramSettings) -> str | None:
    if settings.base_file_url:
        return settings.base_file_url
    base = settings.base_url
    # A self-hosted server serves files beside the API; never fall back to api.telegram.org with our token.
    if base and base.rstrip("/").endswith("/bot"):
        return base.rstrip("/")[: -len("/bot")] + "/file/bot"
    return None


def build_application(settings: TelegramSettings) -> PTBApplication:
    """The Application for these settings: rate-limited, polling unless a webhook URL is set."""
    if settings.token is None:
        raise ValueError("telegram.token is not set")
    quiet_url_loggers()
    builder = (
        ApplicationBuilder()
        .token(settings.token.get_secret_value())
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(PerChatOrder())  # a chat's updates in order, chats at once
    )
    if settings.base_url:
        builder = builder.base_url(settings.base_url)
    file_url = _file_url(settings)
    if file_url:
        builder = builder.base_file_url(file_url)
    if settings.webhook_url:
        builder = builder.updater(None)
    return builder.build()


def webhook_path(settings: TelegramSettings) -> str:
    """The local route the webhook URL's path maps to."""
    path = urlsplit(settings.webhook_url or "").path
    return path if path not in ("", "/") else DEFAULT_WEBHOOK_PATH


class TelegramRunner:
    """Owns the Application's lifecycle: bring-up with retries, polling or webhook, orderly shutdown."""

    def __init__(
        self,
        settings: TelegramSettings,
        handler: ChatHandler,
        *,
        retry_initial_sec: float = 1.0,
        retry_cap_sec: float = 60.0,
        commands: Mapping[str, Sequence[tuple[str, str]]] | None = None,
        admin_menus: Sequence[tuple[str, Sequence[tuple[str, str]]]] = (),
    ) -> None:
        self.settings = settings
        self.commands = dict(commands or {})  # language -> (command, description), for setMyCommands
        self.admin_menus = list(admin_menus)  # (admin's user id = their private chat, menu), chat-scoped
        self.application = build_application(settings)
        self.adapter = TelegramAdapter(handler, self.application.bot)
        self.application.add_handler(TypeHandler(Update, self.adapter.on_update))
        self.application.add_error_handler(self._on_error)
        configured = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        # We register the webhook ourselves, so without a configured secret a fresh random one will do.
        self.webhook_secret = configured or secrets.token_urlsafe(32)
        self._retry = (retry_initial_sec, retry_cap_sec)
        self._initialized = self._started = False
        self.receiving = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # notifications: retried on network errors, merged when several wait (the rate limiter paces)
        policy = Policy(backoff_sec=retry_initial_sec, backoff_max_sec=retry_cap_sec)
        self.outbox = Outbox("telegram", self._deliver, policy)

    @property
    def webhook_mode(self) -> bool:
        return self.settings.webhook_url is not None

    async def start(self) -> None:
        """Start bringing the bot up in the background; returns at once."""
        self._task = asyncio.create_task(self._bring_up_until_done(), name="telegram-bring-up")

    async def _bring_up_until_done(self) -> None:
        delay, cap = self._retry
        while True:
            try:
                await self._bring_up()
                log.info("telegram bot @%s receiving updates", self.application.bot.username)
                return
            except InvalidToken:
                log.error("telegram refused the token; the telegram adapter stays off")
                return
            except (TelegramError, OSError) as exc:
                wait = delay * (0.5 + random.random())  # noqa: S311 - jitter, not a secret
                log.warning("telegram not reachable (%s); retrying in %.1f s", exc, wait)
                await asyncio.sleep(wait)
                delay = min(cap, delay * 2)

    async def _bring_up(self) -> None:
        if not self._initialized:
            await self.application.initialize()  # getMe: fails while Telegram is down
            self._initialized = True
        if not self._started:
            await self.application.start()
            self._started = True
        await self._set_commands()
        if self.webhook_mode:
            await self.application.bot.set_webhook(
                str(self.settings.webhook_url),
                secret_token=self.webhook_secret,
                allowed_updates=list(ALLOWED_UPDATES),
            )
        else:
            updater = self.application.updater
            assert updater is not None  # noqa: S101 - built with one in polling mode
            await updater.start_polling(
                timeout=self.settings.poll_timeout_sec,
                allowed_updates=list(ALLOWED_UPDATES),
                error_callback=self._on_poll_error,
            )
        self.receiving.set()

    async def _set_commands(self) -> None:
        """The "/" menu in the user's language: one list per language code, English also as the default.

        A refusal only costs the menu, never the bot: logged and left.
        """
        for lang, commands in self.commands.items():
            menu = _menu(commands)
            try:
                await self.application.bot.set_my_commands(menu, language_code=lang)
                if lang == "en":
                    await self.application.bot.set_my_commands(menu)
            except TelegramError as exc:
                log.warning("telegram refused the %s command menu: %s", lang, exc)
        for user_id, commands in self.admin_menus:
            if not user_id.isdigit():
                continue  # not a Telegram user id: the gate would never admit it either
            menu = _menu(commands)
            try:
                # A user's private chat has the user's id: this menu shows there only, over the default.
                await self.application.bot.set_my_commands(menu, scope=BotCommandScopeChat(int(user_id)))
            except TelegramError as exc:
                log.warning("telegram refused an admin's command menu: %s", exc)

    def _on_poll_error(self, exc: TelegramError) -> None:
        # python-telegram-bot backs off by itself (up to 30 s); a short line, not a traceback per retry.
        log.warning("telegram polling failed: %s", exc)

    async def _on_error(self, update: object, context: Any) -> None:
        log.error("telegram update handling failed: %s", context.error, exc_info=context.error)

    async def stop(self) -> None:
        """Stop in the reverse order of start; safe at any stage of the bring-up."""
        await self.outbox.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        self.receiving.clear()
        if self._started:
            await self.application.stop()
        if self._initialized:
            await self.application.shutdown()
        self._started = self._initialized = False

    async def send(self, outgoing: Outgoing) -> None:
        """Send a message now (no queue); raises TelegramError."""
        if not self._initialized:
            raise NotReady("telegram adapter not connected yet")
        await self.adapter.send(outgoing)

    async def _deliver(self, chat: str, reply: Reply) -> None:
        try:
            await self.send(Outgoing(platform="telegram", chat_id=chat, reply=reply))
        except TelegramError as exc:
            raise delivery_error(exc) from None

    @property
    def bot(self) -> Bot:
        return self.application.bot

    async def feed(self, update: Update) -> None:
        """Queue an update received by the webhook."""
        await self.application.update_queue.put(update)


TELEGRAM = web.AppKey("telegram", TelegramRunner)
TELEGRAM_SETTINGS = web.AppKey("telegram_settings", TelegramSettings)


async def telegram_context(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: run the bot beside the service while `telegram.token` is set (else do nothing)."""
    settings = app[TELEGRAM_SETTINGS]
    if settings.token is None:
        yield
        return
    core = app[CHAT_CORE]
    runner = TelegramRunner(
        settings, core, commands=core.command_menus(), admin_menus=core.admin_menus("telegram")
    )
    app[TELEGRAM] = runner
    notifier = app.get(NOTIFIER)
    if notifier is not None:
        notifier.register("telegram", runner.outbox)
    await runner.start()
    yield
    await runner.stop()


async def _webhook(request: web.Request) -> web.Response:
    return await handle_webhook(request, request.app.get(TELEGRAM))


def setup_telegram(app: web.Application, settings: TelegramSettings) -> None:
    """Wire the adapter into the app at build time (routes cannot be added once it runs)."""
    if settings.token is None:
        return
    app[TELEGRAM_SETTINGS] = settings
    if settings.webhook_url:
        app.router.add_post(webhook_path(settings), _webhook, name="telegram-webhook")
    app.cleanup_ctx.append(telegram_context)


def _menu(commands: Sequence[tuple[str, str]]) -> list[BotCommand]:
    return [BotCommand(command, description[:256]) for command, description in commands]
