"""The WeCom server API (qyapi.weixin.qq.com/cgi-bin) on aiohttp: token, messages, media, cards.

Every answer is checked: WeCom reports errors as HTTP 200 with a non-zero `errcode`. The access token
is cached until five minutes before it expires; an "invalid/expired token" answer (40014/42001)
refreshes it and retries the call once. The secret and the token travel in query strings, so nothing
here logs a URL with its query, and transport errors are re-raised without the URL they carry.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import aiohttp

from bot.text import Unit, split_text
from bot.wecom.settings import WeComSettings

log = logging.getLogger(__name__)

TOKEN_MARGIN_SEC = 300.0  # refresh this long before `expires_in` runs out
TEXT_MAX_BYTES = 2000  # WeCom truncates text above 2048 bytes; keep a margin
CARD_MAX_BUTTONS = 6


class ErrCode(IntEnum):
    """The WeCom error codes this client reacts to."""

    OK = 0
    INVALID_TOKEN = 40014
    TOKEN_EXPIRED = 42001
    IP_NOT_TRUSTED = 60020
    TRANSPORT = -9001  # ours: no usable answer (network, HTTP status, not JSON)
    NOT_DELIVERED = -9002  # ours: accepted, but the user is listed in `invaliduser`


TOKEN_ERRORS = frozenset({ErrCode.INVALID_TOKEN, ErrCode.TOKEN_EXPIRED})


class WeComError(Exception):
    """An API call failed: WeCom's `errcode`/`errmsg`, or ErrCode.TRANSPORT for no usable answer."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"wecom error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


@dataclass(frozen=True, slots=True)
class CardButton:
    """One button of a button_interaction card: `key` comes back as the callback's EventKey."""

    text: str
    key: str


@dataclass(frozen=True, slots=True)
class Card:
    """A button_interaction template card."""

    task_id: str
    title: str
    body: str
    buttons: tuple[CardButton, ...]
    desc: str = ""


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    expires_at: float


Json = dict[str, Any]


def card_payload(card: Card) -> Json:
    """The `template_card` object for message/send."""
    if not 1 <= len(card.buttons) <= CARD_MAX_BUTTONS:
        raise ValueError(f"a button_interaction card holds 1 to {CARD_MAX_BUTTONS} buttons")
    payload: Json = {
        "card_type": "button_interaction",
        "main_title": {"title": card.title},
        "task_id": card.task_id,
        "button_list": [{"text": b.text, "style": 1, "key": b.key} for b in card.buttons],
    }
    if card.desc:
        payload["main_title"]["desc"] = card.desc
    if card.body:
        payload["sub_title_text"] = card.body
    return payload


class WeComAPI:
    """One app's API client; `session` is owned by the caller (closed at shutdown by app.py)."""

    def __init__(
        self,
        settings: WeComSettings,
        session: aiohttp.ClientSession,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not settings.configured or settings.secret is None or settings.agent_id is None:
            raise ValueError("wecom is not configured (corp_id, secret, agent_id)")
        self._settings = settings
        self._session = session
        self._base = settings.base_url.rstrip("/") + "/cgi-bin"
        self._timeout = aiohttp.ClientTimeout(total=settings.timeout_sec)
        self._clock = clock
        self._token: _Token | None = None
        self._token_lock = asyncio.Lock()
        self.agent_id: int = settings.agent_id

    # -- token ---------------------------------------------------------------------------------

    async def access_token(self) -> str:
        """A valid access token: the cached one, or a fresh one from gettoken."""
        token = self._token
        if token is not None and self._clock() < token.expires_at:
            return token.value
        async with self._token_lock:  # concurrent callers share one gettoken
            token = self._token
            if token is not None and self._clock() < token.expires_at:
                return token.value
            return await self._fetch_token()

    async def _fetch_token(self) -> str:
        settings = self._settings
        assert settings.secret is not None  # noqa: S101 - checked in __init__
        params = {"corpid": settings.corp_id or "", "corpsecret": settings.secret.get_secret_value()}
        data = await self._checked("GET", "/gettoken", params=params)
        value = data.get("access_token")
        expires_in = data.get("expires_in")
        if not isinstance(value, str) or not value or not isinstance(expires_in, int | float):
            raise WeComError(ErrCode.TRANSPORT, "gettoken answered without access_token/expires_in")
        lifetime = max(float(expires_in) - TOKEN_MARGIN_SEC, 0.0)
        self._token = _Token(value, self._clock() + lifetime)
        log.info("wecom access token refreshed (valid %.0f s)", lifetime)
        return value

    def _forget_token(self, used: str) -> None:
        if self._token is not None and self._token.value == used:
            self._token = None

    # -- transport -----------------------------------------------------------------------------

    async def _request(self, method: str, path: str, params: dict[str, str], **kwargs: Any) -> Json:
        url = self._base + path
        try:
            async with self._session.request(
                method, url, params=params, timeout=self._timeout, **kwargs
            ) as resp:
                if resp.status != 200:
                    raise WeComError(ErrCode.TRANSPORT, f"HTTP {resp.status} on {path}")
                data = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            # aiohttp's messages carry the full URL (token, secret): keep only the path.
            raise WeComError(ErrCode.TRANSPORT, f"{type(exc).__name__} on {path}") from None
        if not isinstance(data, dict):
            raise WeComError(ErrCode.TRANSPORT, f"answer on {path} is not a JSON object")
        return data

    async def _checked(self, method: str, path: str, params: dict[str, str], **kwargs: Any) -> Json:
        data = await self._request(method, path, params, **kwargs)
        errcode = data.get("errcode", 0)
        if errcode != 0:
            errmsg = str(data.get("errmsg", ""))
            for secret in self._secrets():
                errmsg = errmsg.replace(secret, "***")
            if errcode == ErrCode.IP_NOT_TRUSTED:
                log.error(
                    "wecom refused %s: this server's IP is not in the app's trusted IP list "
                    "(企业可信IP; WeCom console -> the app -> 企业可信IP): %s",
                    path,
                    errmsg,
                )
            raise WeComError(int(errcode), errmsg)
        return data

    def _secrets(self) -> list[str]:
        found = [self._token.value] if self._token is not None else []
        if self._settings.secret is not None:
            found.append(self._settings.secret.get_secret_value())
        return [s for s in found if s]

    async def call(
        self,
        path: str,
        *,
        json: Json | None = None,
        form: Callable[[], aiohttp.FormData] | None = None,
        params: dict[str, str] | None = None,
    ) -> Json:
        """POST `path` with the access token; refresh and retry once on a token error.

        `form` builds a multipart body per attempt (aiohttp consumes a FormData once).
        """
        for attempt in (1, 2):
            token = await self.access_token()
            query = {**(params or {}), "access_token": token}
            body = {"data": form()} if form is not None else {"json": json}
            try:
                return await self._checked("POST", path, query, **body)
            except WeComError as exc:
                if exc.errcode not in TOKEN_ERRORS or attempt == 2:
                    raise
                log.info("wecom token rejected on %s (%s); refreshing and retrying once", path, exc.errcode)
                self._forget_token(token)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- messages ------------------------------------------------------------------------------

    async def _send(self, user: str, msgtype: str, content: Json) -> Json:
        body = {"touser": user, "msgtype": msgtype, "agentid": self.agent_id, msgtype: content}
        data = await self.call("/message/send", json=body)
        if data.get("invaliduser"):
            raise WeComError(ErrCode.NOT_DELIVERED, f"wecom did not deliver to {data['invaliduser']}")
        return data

    async def send_text(self, user: str, text: str) -> None:
        """Send `text` to `user`, split into messages of at most 2000 bytes on line boundaries."""
        for part in split_text(text, TEXT_MAX_BYTES, unit=Unit.BYTES):
            await self._send(user, "text", {"content": part})

    async def upload_image(self, png: bytes, filename: str = "image.png") -> str:
        """Upload a PNG as temporary media (3 days); returns its media_id."""

        def form() -> aiohttp.FormData:
            built = aiohttp.FormData()
            built.add_field("media", png, filename=filename, content_type="image/png")
            return built

        data = await self.call("/media/upload", params={"type": "image"}, form=form)
        media_id = data.get("media_id")
        if not isinstance(media_id, str) or not media_id:
            raise WeComError(ErrCode.TRANSPORT, "media/upload answered without media_id")
        return media_id

    async def send_image(self, user: str, media_id: str) -> None:
        """Send an uploaded image to `user`."""
        await self._send(user, "image", {"media_id": media_id})

    async def send_card(self, user: str, card: Card) -> None:
        """Send a button_interaction template card to `user`."""
        await self._send(user, "template_card", card_payload(card))

    async def update_card_buttons(self, user: str, response_code: str, replace_name: str) -> None:
        """After a press: turn the card's buttons into one grey, unclickable `replace_name` label."""
        body = {
            "userids": [user],
            "agentid": self.agent_id,
            "response_code": response_code,
            "button": {"replace_name": replace_name},
        }
        await self.call("/message/update_template_card", json=body)
