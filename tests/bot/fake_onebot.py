"""A stand-in for NapCat: a OneBot v11 implementation connecting to our reverse-WebSocket endpoint.

It connects with the headers a real implementation sends (`Authorization: Bearer`, `X-Self-ID`,
`X-Client-Role`), pushes message events (segment arrays or CQ-code strings), answers every action with
`{"status": "ok", "retcode": 0, "data": {"message_id": N}, "echo": ...}` (or a configured failure, or
not at all) and records the actions it received.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
from dataclasses import dataclass
from typing import Any

import aiohttp

BOT_QQ = 10001
TOKEN = "onebot-test-token"
PATH = "/onebot/v11/ws"
JsonDict = dict[str, Any]


@dataclass(frozen=True)
class ActionCall:
    """One action we received: its name, params and echo."""

    action: str
    params: JsonDict
    echo: Any

    @property
    def segments(self) -> list[JsonDict]:
        return list(self.params["message"])

    @property
    def text(self) -> str:
        return "".join(s["data"]["text"] for s in self.segments if s["type"] == "text")

    def of_type(self, kind: str) -> list[JsonDict]:
        return [s for s in self.segments if s["type"] == kind]

    @property
    def image(self) -> bytes | None:
        images = self.of_type("image")
        if not images:
            return None
        file = images[0]["data"]["file"]
        assert file.startswith("base64://")
        return base64.b64decode(file.removeprefix("base64://"))


def text(value: str) -> JsonDict:
    return {"type": "text", "data": {"text": value}}


def at(qq: int | str) -> JsonDict:
    return {"type": "at", "data": {"qq": str(qq)}}


def reply_to(message_id: int | str) -> JsonDict:
    return {"type": "reply", "data": {"id": str(message_id)}}


class FakeOneBot:
    """The client side of the reverse WebSocket, as NapCat would play it."""

    def __init__(self, url: str, *, token: str | None = TOKEN, self_id: int | str | None = BOT_QQ) -> None:
        self.url = url
        self.token = token
        self.self_id = self_id
        self.actions: list[ActionCall] = []
        self.failures: dict[str, tuple[int, str]] = {}  # action -> (retcode, message), answered as failed
        self.fail_once: dict[str, tuple[int, str]] = {}
        self.silent = False  # receive actions but never answer
        self.closed = asyncio.Event()
        self._ids = itertools.count(5000)
        self._event_ids = itertools.count(100)
        self._changed = asyncio.Condition()
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None

    def headers(self, *, query_token: bool = False) -> dict[str, str]:
        headers = {"X-Client-Role": "Universal", "User-Agent": "OneBot/11"}
        if self.self_id is not None:
            headers["X-Self-ID"] = str(self.self_id)
        if self.token is not None and not query_token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    async def connect(self, *, query_token: bool = False) -> None:
        """Open the socket; raises aiohttp.WSServerHandshakeError when refused (401/403)."""
        self._session = aiohttp.ClientSession()
        url = self.url
        if query_token and self.token is not None:
            url = f"{url}?access_token={self.token}"
        try:
            self._ws = await self._session.ws_connect(url, headers=self.headers(query_token=query_token))
        except BaseException:
            await self._session.close()
            raise
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for msg in self._ws:
                if msg.type is aiohttp.WSMsgType.TEXT:
                    await self._on_action(json.loads(msg.data))
        finally:
            self.closed.set()
            async with self._changed:
                self._changed.notify_all()

    async def _on_action(self, frame: JsonDict) -> None:
        call = ActionCall(frame["action"], frame.get("params", {}), frame.get("echo"))
        async with self._changed:
            self.actions.append(call)
            self._changed.notify_all()
        if self.silent:
            return
        failure = self.fail_once.pop(call.action, None) or self.failures.get(call.action)
        if failure is not None:
            retcode, message = failure
            answer = {
                "status": "failed",
                "retcode": retcode,
                "data": None,
                "message": message,
                "echo": call.echo,
            }
        else:
            answer = {
                "status": "ok",
                "retcode": 0,
                "data": {"message_id": next(self._ids)},
                "echo": call.echo,
            }
        assert self._ws is not None
        await self._ws.send_str(json.dumps(answer))

    async def wait_actions(self, count: int, wait_sec: float = 5.0) -> list[ActionCall]:
        """Wait until at least `count` actions arrived; returns them all."""
        async with asyncio.timeout(wait_sec), self._changed:
            await self._changed.wait_for(lambda: len(self.actions) >= count)
        return list(self.actions)

    async def send_raw(self, data: str) -> None:
        assert self._ws is not None
        await self._ws.send_str(data)

    async def send_event(self, event: JsonDict) -> None:
        await self.send_raw(json.dumps(event))

    def private(self, user_id: int, message: list[JsonDict] | str, *, nickname: str = "trader") -> JsonDict:
        """A private message event (segments or a CQ string)."""
        return self._message("private", user_id, message, nickname=nickname)

    def group(
        self, group_id: int, user_id: int, message: list[JsonDict] | str, *, nickname: str = "member"
    ) -> JsonDict:
        """A group message event."""
        return self._message("group", user_id, message, nickname=nickname, group_id=group_id)

    def _message(
        self,
        kind: str,
        user_id: int,
        message: list[JsonDict] | str,
        *,
        nickname: str,
        group_id: int | None = None,
    ) -> JsonDict:
        event: JsonDict = {
            "time": 1_700_000_000,
            "self_id": int(self.self_id or BOT_QQ),
            "post_type": "message",
            "message_type": kind,
            "sub_type": "normal" if kind == "group" else "friend",
            "message_id": next(self._event_ids),
            "user_id": user_id,
            "message": message,
            "raw_message": message if isinstance(message, str) else "",
            "font": 0,
            "sender": {"user_id": user_id, "nickname": nickname},
        }
        if group_id is not None:
            event["group_id"] = group_id
        return event

    def heartbeat(self) -> JsonDict:
        return {
            "time": 1_700_000_000,
            "self_id": int(self.self_id or BOT_QQ),
            "post_type": "meta_event",
            "meta_event_type": "heartbeat",
            "status": {"online": True, "good": True},
            "interval": 5000,
        }

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._session is not None:
            await self._session.close()
