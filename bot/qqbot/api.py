"""The QQ bot OpenAPI (api.sgroup.qq.com) on aiohttp: access token, passive replies, image upload.

The token comes from getAppAccessToken (POST appId + clientSecret; `expires_in` is a string of seconds)
and travels as `Authorization: QQBot <token>`. It is cached until 50 s before it expires: the platform
hands out a new token only in the last 60 s of the old one's life. A 401 or a token error code refreshes
it and retries the call once. Errors are `{"code", "message"}` (with a non-2xx status, and sometimes with
2xx: 201/202 carry a body to check). Nothing here logs the secret or a token.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any
from urllib.parse import quote

import aiohttp

from bot.qqbot.settings import QQBotSettings

log = logging.getLogger(__name__)

TOKEN_MARGIN_SEC = 50.0
Json = dict[str, Any]


class ErrCode(IntEnum):
    """The codes this client reacts to (the platform's, and ours below zero)."""

    OK = 0
    TOKEN_MISSING = 11241
    TOKEN_CHECK_FAILED = 11242  # "retry once"
    TOKEN_NOT_PASS = 11243
    RATE_LIMITED = 22009  # msg limit exceed
    MSG_EXPIRE = 304027  # the message replied to is too old
    ASYNC_PUSH_OK = 304023  # accepted, awaiting manual review
    ASYNC_REPLY_OK = 304024
    TRANSPORT = -1  # ours: no usable answer (network, status, not JSON)
    NO_REPLY_WINDOW = -2  # ours: no recent message of that chat to answer (see adapter.py)


TOKEN_ERRORS = frozenset({ErrCode.TOKEN_MISSING, ErrCode.TOKEN_CHECK_FAILED, ErrCode.TOKEN_NOT_PASS})
ACCEPTED = frozenset({ErrCode.OK, ErrCode.ASYNC_PUSH_OK, ErrCode.ASYNC_REPLY_OK})


class QQBotError(Exception):
    """A call failed: the platform's `code`/`message`, or one of our negative codes."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"qqbot error {code}: {message}")
        self.code = code
        self.message = message


class Scene(StrEnum):
    """Where a message goes: a private chat (C2C) or a group."""

    C2C = "users"
    GROUP = "groups"


@dataclass(frozen=True, slots=True)
class Target:
    """A private chat (the user's openid) or a group (its group_openid)."""

    scene: Scene
    openid: str

    @property
    def path(self) -> str:
        return f"/v2/{self.scene.value}/{quote(self.openid, safe='')}"


@dataclass(frozen=True, slots=True)
class PassiveRef:
    """The message a reply answers and this reply's number among its answers (1, 2, ...)."""

    msg_id: str
    msg_seq: int


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    expires_at: float


def _expires_in(value: Any) -> float | None:
    try:
        seconds = float(value)  # a string of seconds ("7200"); accept a number too
    except (TypeError, ValueError):
        return None
    return seconds if seconds > 0 else None


def _code_of(data: Any) -> int:
    """The answer's `code` as a number (the docs show it as a string too); 0 when there is none."""
    raw = data.get("code", 0) if isinstance(data, dict) else 0
    if raw in (None, ""):
        return 0
    try:
        return int(raw)
    except (TypeError, ValueError):
        return ErrCode.TRANSPORT


class QQBotAPI:
    """One bot's API client; `session` is owned by the caller (closed at shutdown by app.py)."""

    def __init__(
        self,
        settings: QQBotSettings,
        session: aiohttp.ClientSession,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not settings.configured or settings.secret is None:
            raise ValueError("qqbot is not configured (app_id, secret)")
        self._settings = settings
        self._secret = settings.secret.get_secret_value()
        self._session = session
        self._base = settings.api_base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=settings.timeout_sec)
        self._clock = clock
        self._token: _Token | None = None
        self._token_lock = asyncio.Lock()

    # -- token ---------------------------------------------------------------------------------

    async def access_token(self) -> str:
        """A valid access token: the cached one, or a fresh one from getAppAccessToken."""
        token = self._token
        if token is not None and self._clock() < token.expires_at:
            return token.value
        async with self._token_lock:  # concurrent callers share one fetch
            token = self._token
            if token is not None and self._clock() < token.expires_at:
                return token.value
            return await self._fetch_token()

    async def _fetch_token(self) -> str:
        body = {"appId": self._settings.app_id or "", "clientSecret": self._secret}
        data = await self._checked("POST", self._settings.token_url, "getAppAccessToken", json=body)
        value, lifetime = data.get("access_token"), _expires_in(data.get("expires_in"))
        if not isinstance(value, str) or not value or lifetime is None:
            raise QQBotError(ErrCode.TRANSPORT, "getAppAccessToken answered without access_token/expires_in")
        usable = max(lifetime - TOKEN_MARGIN_SEC, 0.0)
        self._token = _Token(value, self._clock() + usable)
        log.info("qqbot access token refreshed (valid %.0f s)", usable)
        return value

    def _forget_token(self, used: str) -> None:
        if self._token is not None and self._token.value == used:
            self._token = None

    # -- transport -----------------------------------------------------------------------------

    async def _checked(self, method: str, url: str, name: str, **kwargs: Any) -> Json:
        try:
            async with self._session.request(method, url, timeout=self._timeout, **kwargs) as resp:
                status = resp.status
                data = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            # Keep aiohttp's text out: it may carry request details; the name says enough.
            raise QQBotError(ErrCode.TRANSPORT, f"{type(exc).__name__} on {name}") from None
        code = _code_of(data)
        if not isinstance(data, dict) or (status >= 300 and not code):
            raise QQBotError(ErrCode.TRANSPORT if status < 300 else status, f"HTTP {status} on {name}")
        if code not in ACCEPTED:
            raise QQBotError(code, self._scrub(str(data.get("message", ""))))
        if code:
            log.info("qqbot %s accepted for review (%s)", name, code)
        return data

    def _scrub(self, text: str) -> str:
        for secret in (self._secret, self._token.value if self._token else ""):
            if secret:
                text = text.replace(secret, "***")
        return text[:300]

    async def call(self, path: str, body: Json) -> Json:
        """POST `path` (under api_base_url) with the token; refresh and retry once on a token error."""
        for attempt in (1, 2):
            token = await self.access_token()
            headers = {"Authorization": f"QQBot {token}", "X-Union-Appid": self._settings.app_id or ""}
            try:
                return await self._checked("POST", self._base + path, path, json=body, headers=headers)
            except QQBotError as exc:
                if (exc.code not in TOKEN_ERRORS and exc.code != 401) or attempt == 2:
                    raise
                log.info("qqbot token refused on %s (%s); refreshing and retrying once", path, exc.code)
                self._forget_token(token)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- messages ------------------------------------------------------------------------------

    async def send_text(self, target: Target, text: str, ref: PassiveRef) -> str:
        """A passive text reply; returns the sent message's id."""
        body: Json = {"content": text, "msg_type": 0, "msg_id": ref.msg_id, "msg_seq": ref.msg_seq}
        return str((await self.call(f"{target.path}/messages", body)).get("id", ""))

    async def upload_image(self, target: Target, png: bytes) -> str:
        """Upload a PNG for `target` without sending it (srv_send_msg false); returns its file_info."""
        body: Json = {
            "file_type": 1,
            "srv_send_msg": False,
            "file_data": base64.b64encode(png).decode(),
        }
        data = await self.call(f"{target.path}/files", body)
        file_info = data.get("file_info")
        if not isinstance(file_info, str) or not file_info:
            raise QQBotError(ErrCode.TRANSPORT, "files answered without file_info")
        return file_info

    async def send_image(self, target: Target, file_info: str, ref: PassiveRef) -> str:
        """A passive rich-media reply (msg_type 7) with an uploaded image."""
        # The docs: with msg_type 7 `content` must hold something, e.g. one space.
        body: Json = {
            "content": " ",
            "msg_type": 7,
            "media": {"file_info": file_info},
            "msg_id": ref.msg_id,
            "msg_seq": ref.msg_seq,
        }
        return str((await self.call(f"{target.path}/messages", body)).get("id", ""))
