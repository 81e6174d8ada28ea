"""A fake QQ bot platform on 127.0.0.1: the token endpoint and api.sgroup.qq.com, plus a client that
signs callbacks with ed25519 as the platform does and posts them to our webhook.

The server answers like the platform: errors as `{"code", "message"}` with a non-2xx status. It knows
every message the client delivered (by msg_id) and enforces passive replies: a msg_id is required (no
proactive push), must be one it delivered to that chat, within the window (group 5 min, C2C 60 min, on
its own clock that tests can advance), at most 5 replies each, with a distinct msg_seq. Every call is
recorded. The codes for a missing msg_id and a repeated msg_seq are the fake's own choice (the platform's
tables do not list them); the others are the documented ones.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import itertools
import json
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.qqbot.signing import Signer

APP_ID = "102000042"
SECRET = "qqbot-Secret-DoNotLeak-x7Q2"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
WINDOWS = {"users": 3600.0, "groups": 300.0}
BUDGET = 5
JsonDict = dict[str, Any]

NO_MSG_ID = 40034101  # the fake's: proactive messages are no longer offered (since 2025-04-21)
UNKNOWN_MSG = 40034102  # the fake's: msg_id is not a message of this chat
SEQ_REPEATED = 40054005  # the fake's: same msg_id + msg_seq sent before
RATE_LIMITED = 22009  # documented: msg limit exceed
MSG_EXPIRE = 304027  # documented: the message replied to expired
TOKEN_NOT_PASS = 11243  # documented: token check did not pass


@dataclass
class Call:
    """One API request: `kind` ("token", "message", "file"), the scene and openid, the body, the token."""

    kind: str
    scene: str = ""
    openid: str = ""
    body: JsonDict = field(default_factory=dict)
    token: str = ""
    status: int = 200


@dataclass
class Delivered:
    """A message the platform delivered to the bot: what replies may reference."""

    scene: str
    openid: str
    at: float
    seqs: set[int] = field(default_factory=set)


def _error(status: int, code: int, message: str) -> web.Response:
    return web.json_response(
        {"code": code, "message": message, "trace_id": secrets.token_hex(8)}, status=status
    )


class FakeQQBot:
    """The server, its tokens, the delivered messages and a record of every call."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.tokens_issued: list[str] = []
        self.delivered: dict[str, Delivered] = {}
        self.offset = 0.0  # added to the fake's clock: advance() ages every delivered message
        self._valid: set[str] = set()
        self._files: dict[str, tuple[str, str]] = {}
        self._expire_once = False
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/app/getAppAccessToken"

    def now(self) -> float:
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        """Let time pass on the platform's side."""
        self.offset += seconds

    def expire_token(self) -> None:
        """The next authenticated call answers 401 / 11243 and the token dies."""
        self._expire_once = True

    async def start(self) -> None:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_post("/app/getAppAccessToken", self._token)
        app.router.add_post("/v2/{scene:users|groups}/{openid}/messages", self._message)
        app.router.add_post("/v2/{scene:users|groups}/{openid}/files", self._file)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def of(self, kind: str) -> list[Call]:
        return [c for c in self.calls if c.kind == kind]

    def sent(self) -> list[Call]:
        """The messages the platform accepted."""
        return [c for c in self.of("message") if c.status == 200]

    async def wait_for(self, kind: str, count: int = 1, wait_sec: float = 5.0) -> list[Call]:
        """Wait until `count` calls of `kind` were recorded; returns them."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(self.of(kind)) >= count), wait_sec)
        return self.of(kind)

    def deliver(self, msg_id: str, scene: str, openid: str) -> None:
        """Remember a message handed to the bot (the callback client calls this)."""
        self.delivered.setdefault(msg_id, Delivered(scene, openid, self.now()))

    async def _record(self, call: Call, response: web.Response) -> web.Response:
        call.status = response.status
        self.calls.append(call)
        async with self._changed:
            self._changed.notify_all()
        return response

    # -- routes --------------------------------------------------------------------------------

    async def _token(self, request: web.Request) -> web.Response:
        body = await request.json()
        call = Call("token", body={"appId": body.get("appId")})
        if body.get("appId") != APP_ID or body.get("clientSecret") != SECRET:
            return await self._record(call, _error(400, 100016, "invalid appid or secret"))
        token = f"QQTOKEN-{secrets.token_hex(12)}"
        self._valid.add(token)
        self.tokens_issued.append(token)
        return await self._record(call, web.json_response({"access_token": token, "expires_in": "7200"}))

    def _auth(self, request: web.Request) -> tuple[str, web.Response | None]:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != "QQBot" or token not in self._valid:
            return token, _error(401, TOKEN_NOT_PASS, "token not pass")
        if self._expire_once:
            self._expire_once = False
            self._valid.discard(token)
            return token, _error(401, TOKEN_NOT_PASS, "token not pass (expired)")
        return token, None

    async def _message(self, request: web.Request) -> web.Response:
        scene, openid = request.match_info["scene"], request.match_info["openid"]
        body = await request.json()
        token, refused = self._auth(request)
        call = Call("message", scene, openid, body, token)
        return await self._record(call, refused or self._check_message(scene, openid, body))

    def _check_message(self, scene: str, openid: str, body: JsonDict) -> web.Response:
        msg_type, content = body.get("msg_type"), body.get("content")
        if msg_type not in (0, 7) or not isinstance(content, str) or (msg_type == 0 and not content.strip()):
            return _error(400, 40034006, "invalid msg_type or content")
        if msg_type == 7 and self._files.get(body.get("media", {}).get("file_info", "")) != (scene, openid):
            return _error(400, 40034007, "invalid media file_info")
        msg_id, seq = body.get("msg_id"), body.get("msg_seq", 1)
        if not msg_id:
            return _error(400, NO_MSG_ID, "主动消息已不再提供 (proactive messages are not offered)")
        origin = self.delivered.get(msg_id)
        if origin is None or (origin.scene, origin.openid) != (scene, openid):
            return _error(400, UNKNOWN_MSG, "msg_id is not a message of this chat")
        if self.now() - origin.at > WINDOWS[scene]:
            return _error(400, MSG_EXPIRE, "MSG_EXPIRE")
        if seq in origin.seqs:
            return _error(400, SEQ_REPEATED, "消息被去重，请检查请求msgseq")
        if len(origin.seqs) >= BUDGET:
            return _error(400, RATE_LIMITED, "msg limit exceed")
        origin.seqs.add(seq)
        return web.json_response({"id": f"BOTMSG-{next(self._ids)}", "timestamp": int(time.time())})

    async def _file(self, request: web.Request) -> web.Response:
        scene, openid = request.match_info["scene"], request.match_info["openid"]
        body = await request.json()
        token, refused = self._auth(request)
        call = Call("file", scene, openid, body, token)
        if refused is not None:
            return await self._record(call, refused)
        try:
            data = base64.b64decode(body.get("file_data", ""), validate=True)
        except (binascii.Error, TypeError):
            data = b""
        if (
            body.get("file_type") != 1
            or body.get("srv_send_msg") is not False
            or not data.startswith(PNG_MAGIC)
        ):
            return await self._record(call, _error(400, 850012, "bad file"))
        file_info = f"FILEINFO-{secrets.token_hex(6)}"
        self._files[file_info] = (scene, openid)
        answer = {"file_uuid": secrets.token_hex(8), "file_info": file_info, "ttl": 3600}
        return await self._record(call, web.json_response(answer))


# -- callbacks ---------------------------------------------------------------------------------


class CallbackClient:
    """Plays the platform against our webhook: signs every body with the bot's ed25519 key and posts it."""

    def __init__(self, url: str, fake: FakeQQBot | None = None, *, secret: str = SECRET) -> None:
        self.url = url
        self.fake = fake
        self.signer = Signer(secret)
        self._seq = itertools.count(1)

    async def post(
        self,
        body: bytes,
        *,
        timestamp: str | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
        signed: bool = True,
    ) -> tuple[int, Any]:
        """POST `body`, signed unless told otherwise; returns (status, JSON or text)."""
        ts = timestamp or str(int(time.time()))
        sent = {"Content-Type": "application/json", "User-Agent": "QQBot-Callback", "X-Bot-Appid": APP_ID}
        if signed:
            sent["X-Signature-Timestamp"] = ts
            sent["X-Signature-Ed25519"] = signature or self.signer.sign_callback(ts, body)
            sent["X-Signature-Method"] = "Ed25519"
        sent.update(headers or {})
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url, data=body, headers=sent) as resp,
        ):
            text = await resp.text()
            try:
                return resp.status, json.loads(text)
            except ValueError:
                return resp.status, text

    def dispatch(self, event_type: str, data: JsonDict, event_id: str | None = None) -> bytes:
        """The body of an op 0 dispatch."""
        payload = {"op": 0, "id": event_id or f"{event_type}:{secrets.token_hex(8)}", "d": data,
                   "s": next(self._seq), "t": event_type}  # fmt: skip
        return json.dumps(payload, ensure_ascii=False).encode()

    def c2c_body(self, user: str, content: str, msg_id: str, event_id: str | None = None) -> bytes:
        if self.fake is not None:
            self.fake.deliver(msg_id, "users", user)
        data = {"author": {"user_openid": user}, "content": content, "id": msg_id,
                "timestamp": "2026-12-05T17:00:00+08:00"}  # fmt: skip
        return self.dispatch("C2C_MESSAGE_CREATE", data, event_id)

    def group_body(
        self, group: str, member: str, content: str, msg_id: str, event_id: str | None = None
    ) -> bytes:
        if self.fake is not None:
            self.fake.deliver(msg_id, "groups", group)
        data = {"author": {"member_openid": member}, "content": content, "group_openid": group, "id": msg_id,
                "timestamp": "2026-12-05T17:00:00+08:00"}  # fmt: skip
        return self.dispatch("GROUP_AT_MESSAGE_CREATE", data, event_id)

    async def c2c(self, user: str, content: str, msg_id: str | None = None) -> tuple[int, Any]:
        """A private message from `user`."""
        return await self.post(self.c2c_body(user, content, msg_id or new_msg_id()))

    async def group_at(
        self, group: str, member: str, content: str, msg_id: str | None = None
    ) -> tuple[int, Any]:
        """A group message that @-mentions the bot (content keeps the platform's leading space)."""
        return await self.post(self.group_body(group, member, " " + content, msg_id or new_msg_id()))

    async def validation(self, plain_token: str, event_ts: str, *, signed: bool = False) -> tuple[int, Any]:
        """The op 13 URL validation (the platform's example sends it without signature headers)."""
        body = json.dumps({"d": {"plain_token": plain_token, "event_ts": event_ts}, "op": 13}).encode()
        return await self.post(body, signed=signed)


def new_msg_id() -> str:
    return f"ROBOT1.0_{secrets.token_urlsafe(24)}"


@pytest.fixture
async def fake() -> AsyncIterator[FakeQQBot]:
    """A started fake platform, stopped after the test."""
    server = FakeQQBot()
    await server.start()
    yield server
    await server.stop()
