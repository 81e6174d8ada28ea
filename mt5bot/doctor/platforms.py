"""Each configured chat platform and the LLM, asked with its credentials through the project's own clients.

Telegram `getMe` (python-telegram-bot), WeCom `gettoken` and the official QQ bot's token (the adapters'
API classes on aiohttp), the LLM's `models` list (openai). Every probe has a short timeout. OneBot is not
probed: the implementation connects to the service (reverse WebSocket), so a standalone doctor has no
connection to ask; its line says so. Secrets may appear in library errors; the runner masks them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import aiohttp

from bot.onebot.settings import OneBotSettings
from bot.qqbot.api import QQBotAPI, QQBotError
from bot.qqbot.settings import QQBotSettings
from bot.telegram.settings import TelegramSettings
from bot.wecom.api import WeComAPI, WeComError
from bot.wecom.settings import WeComSettings
from mt5bot.config import Settings
from mt5bot.doctor.model import Check, fail, ok, skip, warn
from nlu.settings import LLMSettings

TIMEOUT_SEC = 5.0
WECOM_IP_NOT_TRUSTED = 60020
DEFAULT_BOT_API = "https://api.telegram.org/bot"


async def telegram(settings: TelegramSettings, wait_sec: float = TIMEOUT_SEC) -> Check:
    """`getMe` with the configured token, at `telegram.base_url` when set."""
    from telegram import Bot  # only when Telegram is configured
    from telegram.error import InvalidToken, TelegramError
    from telegram.request import HTTPXRequest

    from bot.telegram.app import quiet_url_loggers

    assert settings.token is not None  # noqa: S101 - the runner only calls this when it is set
    quiet_url_loggers()  # httpx logs request URLs, and a Bot API URL holds the token
    request = HTTPXRequest(
        connect_timeout=wait_sec, read_timeout=wait_sec, write_timeout=wait_sec, pool_timeout=wait_sec
    )
    base_url = settings.base_url or DEFAULT_BOT_API
    bot = Bot(settings.token.get_secret_value(), base_url=base_url, request=request)
    try:
        await bot.initialize()  # calls getMe
        me = bot.bot
    except InvalidToken:
        return fail(
            "telegram",
            "the Bot API refused the token (401 Unauthorized)",
            "copy the token again from @BotFather",
        )
    except TelegramError as exc:
        return fail(
            "telegram", f"getMe failed: {exc}", "check this machine's internet access (or telegram.base_url)"
        )
    finally:
        await bot.shutdown()
    return ok("telegram", f"@{me.username} (id {me.id})")


async def llm(settings: LLMSettings, wait_sec: float = TIMEOUT_SEC) -> Check:
    """The endpoint's `models` list answers to the key and names the configured model."""
    import openai  # only when the LLM is configured: 0.4-0.7 s to import

    assert settings.api_key is not None  # noqa: S101 - the runner only calls this when configured
    client = openai.AsyncOpenAI(
        base_url=settings.base_url,
        api_key=settings.api_key.get_secret_value(),
        timeout=wait_sec,
        max_retries=0,
    )
    try:
        models = [m.id async for m in client.models.list()]
    except openai.AuthenticationError:
        return fail(
            "llm",
            f"{settings.base_url}: the API key was refused (401)",
            "check llm.api_key (MT5BOT_LLM__API_KEY)",
        )
    except openai.NotFoundError:
        return warn(
            "llm",
            f"{settings.base_url}: lists no models (404); the key was not checked",
            "check llm.base_url ends with /v1",
        )
    except openai.APIError as exc:
        return fail(
            "llm",
            f"{settings.base_url}: {type(exc).__name__}: {exc}",
            "check llm.base_url and this machine's access to it",
        )
    finally:
        await client.close()
    if settings.model not in models:
        return warn(
            "llm",
            f"{settings.base_url}: model {settings.model} is not among the {len(models)} listed",
            "check llm.model (some providers do not list every model they serve)",
        )
    return ok("llm", f"{settings.base_url}: key accepted, model {settings.model} listed")


async def wecom(settings: WeComSettings, wait_sec: float = TIMEOUT_SEC) -> Check:
    """`gettoken` with the app's corp_id and Secret."""
    quick = settings.model_copy(update={"timeout_sec": wait_sec})
    async with aiohttp.ClientSession() as http:
        try:
            await WeComAPI(quick, http).access_token()
        except WeComError as exc:
            hint = (
                "add this server's IP to the app's trusted IPs (企业可信IP)"
                if exc.errcode == WECOM_IP_NOT_TRUSTED
                else "check wecom.corp_id and wecom.secret (the app's Secret), and the network"
            )
            return fail("wecom", f"gettoken: {exc}", hint)
    return ok("wecom", f"gettoken answered for {settings.corp_id}, agent {settings.agent_id}")


async def qqbot(settings: QQBotSettings, wait_sec: float = TIMEOUT_SEC) -> Check:
    """getAppAccessToken with the bot's AppID and AppSecret."""
    quick = settings.model_copy(update={"timeout_sec": wait_sec})
    async with aiohttp.ClientSession() as http:
        try:
            await QQBotAPI(quick, http).access_token()
        except QQBotError as exc:
            return fail(
                "qqbot", f"getAppAccessToken: {exc}", "check qqbot.app_id and qqbot.secret (开发设置)"
            )
    return ok("qqbot", f"access token issued for app {settings.app_id}")


def onebot(settings: OneBotSettings) -> Check:
    """OneBot cannot be asked from here: the implementation is the one that connects."""
    return skip(
        "onebot",
        "not probed: the OneBot implementation connects to the running service (reverse WebSocket); "
        "look for 'onebot: account N connected' in the service's log, or send the bot a message",
    )


async def platform_checks(settings: Settings) -> list[Check]:
    """One line per configured platform (probed concurrently), one line saying so when none is."""
    probes: dict[str, Callable[[], Awaitable[Check]]] = {}
    if settings.telegram.token is not None:
        probes["telegram"] = lambda: telegram(settings.telegram)
    if settings.wecom.configured:
        probes["wecom"] = lambda: wecom(settings.wecom)
    if settings.qqbot.configured:
        probes["qqbot"] = lambda: qqbot(settings.qqbot)
    if settings.llm.configured:
        probes["llm"] = lambda: llm(settings.llm)
    answers = await asyncio.gather(*(probe() for probe in probes.values()), return_exceptions=True)
    found = [as_check(name, answer) for name, answer in zip(probes, answers, strict=True)]
    if settings.onebot.access_token is not None:
        found.append(onebot(settings.onebot))
    if not found:
        found.append(skip("platforms", "no chat platform and no LLM configured"))
    return found


def as_check(name: str, answer: Check | BaseException) -> Check:
    """A probe's answer; an unexpected error becomes that platform's failed line, not a crash that
    would hide every other check."""
    if isinstance(answer, Check):
        return answer
    if not isinstance(answer, Exception):
        raise answer
    return fail(
        name, f"unexpected {type(answer).__name__}: {answer}", "check the platform's settings and URL"
    )
