"""Wiring: the callback routes and the adapter's lifetime inside the service's aiohttp app.

The routes authenticate every request themselves (msg_signature, receive id), so the API's
bearer-token guard must skip the route named "wecom-callback".
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from bot.core.outbox import Outbox, Rate
from bot.keys import CHAT_CORE, NOTIFIER
from bot.settings import UserEntry
from bot.wecom.adapter import PLATFORM, WeComAdapter, policy
from bot.wecom.api import WeComAPI
from bot.wecom.callback import handle_get, handle_post
from bot.wecom.crypto import WeComCrypto
from bot.wecom.robot import PER_MINUTE as ROBOT_PER_MINUTE
from bot.wecom.robot import PLATFORM as ROBOT
from bot.wecom.robot import RobotClient
from bot.wecom.robot import pieces as robot_pieces
from bot.wecom.settings import WeComSettings
from mt5bridge.common.roles import Role

log = logging.getLogger(__name__)

WECOM = web.AppKey("wecom", WeComAdapter)
WECOM_SETTINGS = web.AppKey("wecom_settings", WeComSettings)
ROUTE_NAME = "wecom-callback"


def build_crypto(settings: WeComSettings) -> WeComCrypto:
    """The callback crypto for these settings (configured ones: the validator checked completeness)."""
    if settings.corp_id is None or settings.token is None or settings.encoding_aes_key is None:
        raise ValueError("wecom.corp_id, token and encoding_aes_key are needed")
    return WeComCrypto(
        settings.token.get_secret_value(), settings.encoding_aes_key.get_secret_value(), settings.corp_id
    )


async def wecom_context(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: HTTP session, the app's adapter and the group robots, each with its outbox
    registered with the notifier ("wecom" for members, "wecom_robot" for groups)."""
    settings = app[WECOM_SETTINGS]
    core = app[CHAT_CORE]
    notifier = app.get(NOTIFIER)
    session = aiohttp.ClientSession()
    adapter: WeComAdapter | None = None
    robots: Outbox | None = None
    try:
        if settings.configured:
            no_cards = frozenset(u.id for u in core.users_of(PLATFORM) if not u.buttons)
            api = WeComAPI(settings, session)
            adapter = WeComAdapter(core, api, build_crypto(settings), settings, no_cards=no_cards)
            app[WECOM] = adapter
            if notifier is not None:
                notifier.register(PLATFORM, adapter.outbox, buttons=False)
            log.info("wecom adapter ready (agent %s, callback %s)", settings.agent_id, settings.callback_path)
        if settings.robots:
            robots = robot_outbox(settings, session)
            if notifier is not None:
                notifier.register(ROBOT, robots, buttons=False, recipients=robot_recipients(settings))
            log.info("wecom group robots ready: %s", ", ".join(sorted(settings.robots)))
        yield
    finally:
        if adapter is not None:
            await adapter.close()
        if robots is not None:
            await robots.close()
        await session.close()


ROBOT_RATE = Rate(ROBOT_PER_MINUTE, 60.0)


def robot_outbox(settings: WeComSettings, session: aiohttp.ClientSession, rate: Rate = ROBOT_RATE) -> Outbox:
    """The robots' outbox: one lane per robot, at most 20 messages a minute each."""
    keys = {name: key.get_secret_value() for name, key in settings.robots.items()}
    client = RobotClient(settings.base_url, keys, session, timeout_sec=settings.timeout_sec)
    markdown = settings.robot_markdown
    pacing = policy(settings, (rate,), merge_max_chars=1300 if markdown else 600)  # 4,000 or 2,000 bytes
    return Outbox(
        ROBOT, client.deliver, pacing, split=lambda _name, reply: robot_pieces(reply, markdown=markdown)
    )


def robot_recipients(settings: WeComSettings) -> tuple[UserEntry, ...]:
    """The robots as send-only recipients of reports and alerts (viewers: no trade buttons)."""
    return tuple(
        UserEntry(platform=ROBOT, id=name, role=Role.VIEWER, lang=settings.robot_lang)
        for name in settings.robots
    )


def _adapter(request: web.Request) -> WeComAdapter:
    adapter = request.app.get(WECOM)
    if adapter is None:
        raise web.HTTPServiceUnavailable(text="wecom adapter not running")
    return adapter


async def _get(request: web.Request) -> web.Response:
    return await handle_get(request, _adapter(request))


async def _post(request: web.Request) -> web.Response:
    return await handle_post(request, _adapter(request))


def setup_wecom(app: web.Application, settings: WeComSettings) -> None:
    """Wire the app's callback and the robots in at build time (routes cannot be added once it runs)."""
    if not settings.configured and not settings.robots:
        return
    app[WECOM_SETTINGS] = settings
    if settings.configured:
        app.router.add_get(settings.callback_path, _get, name=ROUTE_NAME, allow_head=False)
        app.router.add_post(settings.callback_path, _post, name=ROUTE_NAME)
    app.cleanup_ctx.append(wecom_context)
