"""A fake qyapi.weixin.qq.com on 127.0.0.1, and a client that plays WeCom posting encrypted callbacks.

The server answers like WeCom: HTTP 200 with `errcode`/`errmsg`; `access_token` required on every call
but gettoken; tokens expire on demand (`expire_token()`: the next call answers 42001 once) and the IP
check can be switched on (`ip_blocked = True`: every call answers 60020). Every call is recorded.
Like WeCom (send-message page, 90236), a message to a member beyond `member_limits` (30 a minute,
1,000 an hour) is answered "ok" and never shown: only `shown` holds what members really see.
`fail_next` answers the next sends with given errcodes (-1 busy, 45009, 45033). Group robots
(`/cgi-bin/webhook/send?key=`, 91770) check image md5s and lengths and answer 45009 past 20 a minute.
`CallbackClient` builds the XML WeCom sends, encrypts and signs it with the same WXBizMsgCrypt scheme.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web

from bot.wecom.crypto import WeComCrypto

CORP_ID = "ww0123456789abcdef"
SECRET = "app-secret-Zx81-DoNotLeak-9f2c"
AGENT_ID = 1000002
TOKEN = "cbToken-Q7mr2"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
JsonDict = dict[str, Any]


@dataclass
class Call:
    """One API request: the method path (e.g. "message/send"), its query (token removed) and body."""

    method: str
    query: dict[str, str]
    body: JsonDict = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    token: str = ""


def _answer(errcode: int = 0, errmsg: str = "ok", **extra: Any) -> web.Response:
    return web.json_response({"errcode": errcode, "errmsg": errmsg, **extra})


class FakeWeCom:
    """The server, its tokens and a record of every call."""

    def __init__(self, *, expires_in: int = 7200) -> None:
        self.calls: list[Call] = []
        self.tokens_issued: list[str] = []
        self.expires_in = expires_in
        self.ip_blocked = False
        self._expire_once = False
        self._valid: set[str] = set()
        self._media: dict[str, bytes] = {}
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.member_limits: list[tuple[int, float]] = [(30, 60.0), (1000, 3600.0)]
        self.shown: list[Call] = []  # the messages members see (the rest were silently dropped)
        self._member_times: dict[str, list[float]] = {}
        self.fail_next: list[int] = []
        self.http_fail_next = 0  # answer this many sends with HTTP 502 (a proxy in the way, a network blip)
        self.robot_keys: dict[str, str] = {}  # key -> robot name
        self.robot_limit: tuple[int, float] = (20, 60.0)
        self.robot_shown: dict[str, list[JsonDict]] = {}
        self._robot_times: dict[str, list[float]] = {}

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/cgi-bin/gettoken", self._gettoken)
        app.router.add_post("/cgi-bin/message/send", self._send)
        app.router.add_post("/cgi-bin/media/upload", self._upload)
        app.router.add_post("/cgi-bin/message/update_template_card", self._update_card)
        app.router.add_post("/cgi-bin/webhook/send", self._robot)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def expire_token(self) -> None:
        """The next authenticated call answers 42001 (access_token expired) and the token dies."""
        self._expire_once = True

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, wait_sec: float = 5.0) -> list[Call]:
        """Wait until `count` calls of `method` were recorded; returns them."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(self.of(method)) >= count), wait_sec)
        return self.of(method)

    async def _record(self, call: Call) -> None:
        self.calls.append(call)
        await self._notify()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def until(self, check: Callable[[], bool], wait_sec: float = 5.0) -> None:
        """Wait until `check()` holds (checked after every call the fake answers)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(check), wait_sec)

    # -- routes --------------------------------------------------------------------------------

    async def _gettoken(self, request: web.Request) -> web.Response:
        await self._record(Call("gettoken", {"corpid": request.query.get("corpid", "")}))
        if self.ip_blocked:
            return self._blocked()
        if request.query.get("corpid") != CORP_ID or request.query.get("corpsecret") != SECRET:
            return _answer(40001, "invalid credential")
        token = f"ACCESS-{secrets.token_hex(12)}"
        self._valid.add(token)
        self.tokens_issued.append(token)
        return _answer(access_token=token, expires_in=self.expires_in)

    def _blocked(self) -> web.Response:
        return _answer(
            60020, "not allow to access from your ip, hint: [1700000000_1_abc], from ip: 203.0.113.7"
        )

    def _auth(self, request: web.Request) -> web.Response | None:
        if self.ip_blocked:
            return self._blocked()
        token = request.query.get("access_token", "")
        if self._expire_once and token in self._valid:
            self._expire_once = False
            self._valid.discard(token)
            return _answer(42001, "access_token expired, hint: [1700000000_2_def]")
        if token not in self._valid:
            return _answer(40014, "invalid access_token")
        return None

    def _query(self, request: web.Request) -> dict[str, str]:
        return {k: v for k, v in request.query.items() if k != "access_token"}

    async def _send(self, request: web.Request) -> web.Response:
        body = await request.json()
        await self._record(
            Call("message/send", self._query(request), body, token=request.query.get("access_token", ""))
        )
        refused = self._auth(request)
        if refused is not None:
            return refused
        if body.get("agentid") != AGENT_ID or not body.get("touser"):
            return _answer(40056, "invalid agentid")
        msgtype = body.get("msgtype")
        if msgtype == "image" and body["image"].get("media_id") not in self._media:
            return _answer(40007, "invalid media_id")
        if msgtype == "text" and len(body["text"]["content"].encode()) > 2048:
            return _answer(44004, "text content too long")
        if self.http_fail_next:
            self.http_fail_next -= 1
            return web.Response(status=502, text="bad gateway")
        if self.fail_next:
            errcode = self.fail_next.pop(0)
            return _answer(
                errcode,
                {-1: "system busy", 45033: "api concurrent out of limit"}.get(
                    errcode, "api freq out of limit"
                ),
            )
        extra: JsonDict = {"msgid": f"msg{next(self._ids)}"}
        if msgtype == "template_card":
            extra["response_code"] = f"rc-sent-{next(self._ids)}"
        if self._within(self._member_times.setdefault(body["touser"], []), self.member_limits):
            self.shown.append(self.calls[-1])
            await self._notify()
        return _answer(invaliduser="", **extra)  # dropped or not: WeCom says "ok" either way

    @staticmethod
    def _within(times: list[float], limits: list[tuple[int, float]]) -> bool:
        """Count one more send at now against every (count, window); False when it is over one."""
        now = time.monotonic()
        times.append(now)
        return all(sum(1 for t in times if t > now - window) <= count for count, window in limits)

    def shown_texts(self, user: str) -> list[str]:
        """The text contents member `user` really received, in order."""
        return [
            c.body["text"]["content"] for c in self.shown if c.body["touser"] == user and "text" in c.body
        ]

    async def _robot(self, request: web.Request) -> web.Response:
        body = await request.json()
        key = request.query.get("key", "")
        await self._record(Call("webhook/send", {}, body))
        name = self.robot_keys.get(key)
        if name is None:
            return _answer(93000, "invalid webhook url")
        msgtype = body.get("msgtype")
        if msgtype == "image":
            raw = base64.b64decode(body["image"]["base64"])
            if hashlib.md5(raw).hexdigest() != body["image"]["md5"]:  # noqa: S324 - WeCom's own check
                return _answer(301019, "media md5 not match")
            if len(raw) > 2 * 1024 * 1024:
                return _answer(40009, "invalid image size")
        elif msgtype in ("text", "markdown"):
            limit = 2048 if msgtype == "text" else 4096
            if len(body[msgtype]["content"].encode()) > limit:
                return _answer(40058, "content exceed max length")
        else:
            return _answer(40008, "invalid message type")
        if not self._within(self._robot_times.setdefault(key, []), [self.robot_limit]):
            self._robot_times[key].pop()
            return _answer(45009, "api freq out of limit")
        self.robot_shown.setdefault(name, []).append(body)
        await self._notify()
        return _answer()

    async def _upload(self, request: web.Request) -> web.Response:
        files: dict[str, bytes] = {}
        reader = await request.multipart()
        async for part in reader:
            if isinstance(part, aiohttp.BodyPartReader) and part.name:
                files[part.name] = bytes(await part.read())
        call = Call(
            "media/upload", self._query(request), files=files, token=request.query.get("access_token", "")
        )
        await self._record(call)
        refused = self._auth(request)
        if refused is not None:
            return refused
        if request.query.get("type") != "image" or "media" not in files:
            return _answer(40004, "invalid media type")
        media_id = f"MEDIA-{next(self._ids)}"
        self._media[media_id] = files["media"]
        return _answer(type="image", media_id=media_id, created_at=str(int(time.time())))

    async def _update_card(self, request: web.Request) -> web.Response:
        body = await request.json()
        await self._record(
            Call(
                "message/update_template_card",
                self._query(request),
                body,
                token=request.query.get("access_token", ""),
            )
        )
        refused = self._auth(request)
        if refused is not None:
            return refused
        if not body.get("response_code"):
            return _answer(40058, "response_code missing")
        return _answer(invaliduser=[])


# -- callbacks ---------------------------------------------------------------------------------


def text_xml(user: str, content: str, msg_id: str, create_time: int | None = None) -> str:
    """The plain XML of a text message to the app."""
    return (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
        f"<CreateTime>{create_time or int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId><AgentID>{AGENT_ID}</AgentID></xml>"
    )


def media_xml(user: str, msg_type: str, msg_id: str) -> str:
    """The plain XML of a voice/image/file message (the fields of the receive-message page, 90239)."""
    extra = {
        "voice": "<MediaId><![CDATA[media-v]]></MediaId><Format><![CDATA[amr]]></Format>",
        "image": "<PicUrl><![CDATA[http://example.invalid/p.jpg]]></PicUrl><MediaId><![CDATA[media-i]]></MediaId>",
        "file": "<MediaId><![CDATA[media-f]]></MediaId><FileName><![CDATA[a.pdf]]></FileName>",
    }.get(msg_type, "")
    return (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>{extra}"
        f"<MsgId>{msg_id}</MsgId><AgentID>{AGENT_ID}</AgentID></xml>"
    )


def card_event_xml(
    user: str, key: str, task_id: str, response_code: str, create_time: int = 1700000000
) -> str:
    """The plain XML of a template_card_event (a button press)."""
    return (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
        f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[{key}]]></EventKey>"
        f"<TaskId><![CDATA[{task_id}]]></TaskId><CardType><![CDATA[button_interaction]]></CardType>"
        f"<ResponseCode><![CDATA[{response_code}]]></ResponseCode><AgentID>{AGENT_ID}</AgentID></xml>"
    )


class CallbackClient:
    """Plays WeCom against our callback URL: URL verification and encrypted, signed POSTs."""

    def __init__(self, url: str, crypto: WeComCrypto | None = None) -> None:
        self.url = url
        self.crypto = crypto or WeComCrypto(TOKEN, AES_KEY, CORP_ID)
        self.skew_sec = 0  # sign with a timestamp this far from now (a replayed or skewed request)

    def _query(self, encrypted: str, *, bad_signature: bool = False) -> dict[str, str]:
        timestamp, nonce = str(int(time.time()) + self.skew_sec), secrets.token_hex(5)
        signature = self.crypto.sign(timestamp, nonce, encrypted)
        if bad_signature:
            signature = ("0" if signature[0] != "0" else "1") + signature[1:]
        return {"msg_signature": signature, "timestamp": timestamp, "nonce": nonce}

    async def verify(self, echo: str, *, bad_signature: bool = False) -> tuple[int, str]:
        """The URL verification GET; returns (status, body)."""
        encrypted = self.crypto.encrypt(echo)
        query = {**self._query(encrypted, bad_signature=bad_signature), "echostr": encrypted}
        async with aiohttp.ClientSession() as session, session.get(f"{self.url}?{urlencode(query)}") as resp:
            return resp.status, await resp.text()

    async def post_plain(self, plain_xml: str, *, bad_signature: bool = False) -> tuple[int, str]:
        """Encrypt, sign and POST one callback; returns (status, body)."""
        encrypted = self.crypto.encrypt(plain_xml)
        return await self.post_encrypted(encrypted, bad_signature=bad_signature)

    async def post_encrypted(self, encrypted: str, *, bad_signature: bool = False) -> tuple[int, str]:
        envelope = (
            f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><AgentID><![CDATA[{AGENT_ID}]]></AgentID>"
            f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        )
        query = self._query(encrypted, bad_signature=bad_signature)
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"{self.url}?{urlencode(query)}", data=envelope.encode(), headers={"Content-Type": "text/xml"}
            ) as resp,
        ):
            return resp.status, await resp.text()

    async def text(self, user: str, content: str, msg_id: str | None = None) -> tuple[int, str]:
        return await self.post_plain(text_xml(user, content, msg_id or str(secrets.randbelow(10**18))))

    async def press(
        self, user: str, key: str, task_id: str, response_code: str = "rc-press-1"
    ) -> tuple[int, str]:
        return await self.post_plain(card_event_xml(user, key, task_id, response_code))


def dumps(value: Any) -> str:
    """JSON for assertion messages."""
    return json.dumps(value, ensure_ascii=False)


@pytest.fixture
async def fake() -> AsyncIterator[FakeWeCom]:
    """A started fake WeCom API, stopped after the test."""
    server = FakeWeCom()
    await server.start()
    yield server
    await server.stop()
