"""A stand-in for NapCat: a OneBot v11 implementation connecting to our reverse-WebSocket endpoint.

It connects as the spec describes (communication/ws-reverse.md): one `Universal` socket, or with
`split=True` an `API` and an `Event` socket to the same URL, each with `X-Self-ID`, `X-Client-Role`
and `Authorization: Bearer <token>` (or `Token <token>`). Several instances with different self ids
play several bot accounts at once. It pushes events (message events on the Event/Universal socket,
heartbeats with `status.online` true or false, lifecycle `connect` on connecting), answers every action
on the socket it came on with `{"status": "ok", "retcode": 0, "data": {"message_id": N}, "echo": ...}`
(or `status: "async"`, a configured failure, or nothing), answers `get_msg` from its message history
in the spec's shape (api/public.md), and records the actions it received.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

BOT_QQ = 10001
TOKEN = "onebot-test-token"
PATH = "/onebot/v11/ws"
JsonDict = dict[str, Any]
# get_msg of an unknown id: the action throws, and a throwing action is answered with retcode 1200
# (LLOneBot src/onebot11/connect/ws.ts; NapCat's GetMsg.ts throws "消息不存在").
NOT_FOUND = (1200, "消息不存在")


@dataclass(frozen=True)
class ActionCall:
    """One action we received: its name, params, echo and the role of the socket it came on."""

    action: str
    params: JsonDict
    echo: Any
    role: str = "Universal"
    at: float = field(default_factory=time.monotonic, compare=False)  # when it arrived

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
    """The client side of the reverse WebSocket, as NapCat would play it, for one bot account.

    `history` maps message ids to stored messages (what get_msg answers); pass one dict to two fakes
    to play an implementation that outlives our restart.
    """

    def __init__(
        self,
        url: str,
        *,
        token: str | None = TOKEN,
        self_id: int | str | None = BOT_QQ,
        split: bool = False,
        scheme: str = "Bearer",
        history: dict[int, JsonDict] | None = None,
        first_message_id: int = 5000,
    ) -> None:
        self.url = url
        self.token = token
        self.self_id = self_id
        self.split = split
        self.scheme = scheme
        self.history: dict[int, JsonDict] = {} if history is None else history
        self.actions: list[ActionCall] = []
        self.failures: dict[str, tuple[int, str]] = {}  # action -> (retcode, message), answered as failed
        self.fail_once: dict[str, tuple[int, str]] = {}
        self.async_actions: set[str] = set()  # answered {"status": "async", "retcode": 1, "data": null}
        self.silent = False  # receive actions but never answer
        self.silent_actions: set[str] = set()  # these actions are never answered
        self.close_reasons: dict[str, str] = {}  # role -> the reason our server gave for closing it
        self.closed = asyncio.Event()  # set when any of its sockets closed
        self._ids = itertools.count(first_message_id)
        self._event_ids = itertools.count(first_message_id - 4900)
        self._changed = asyncio.Condition()
        self._session: aiohttp.ClientSession | None = None
        self._sockets: dict[str, aiohttp.ClientWebSocketResponse] = {}
        self._readers: list[asyncio.Task[None]] = []

    @property
    def roles(self) -> tuple[str, ...]:
        """The sockets it opens: API then Event (the spec's default), or one Universal."""
        return ("API", "Event") if self.split else ("Universal",)

    def headers(self, role: str = "Universal", *, query_token: bool = False) -> dict[str, str]:
        headers = {"X-Client-Role": role, "User-Agent": "OneBot/11"}
        if self.self_id is not None:
            headers["X-Self-ID"] = str(self.self_id)
        if self.token is not None and not query_token:
            headers["Authorization"] = f"{self.scheme} {self.token}"
        return headers

    async def connect(self, *, query_token: bool = False, roles: tuple[str, ...] | None = None) -> None:
        """Open its sockets (or only `roles`; call again for more); raises aiohttp.WSServerHandshakeError
        when refused (400/401/403). Like NapCat, it announces itself with a lifecycle `connect` event."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        url = self.url
        if query_token and self.token is not None:
            url = f"{url}?access_token={self.token}"
        opening = self.roles if roles is None else roles
        try:
            for role in opening:
                ws = await self._session.ws_connect(url, headers=self.headers(role, query_token=query_token))
                self._sockets[role] = ws
                self._readers.append(asyncio.create_task(self._read(role, ws)))
        except BaseException:
            await self.close()
            raise
        if any(role != "API" for role in opening):
            await self.send_event(self.lifecycle("connect"))

    async def _read(self, role: str, ws: aiohttp.ClientWebSocketResponse) -> None:
        try:
            while True:
                msg = await ws.receive()
                if msg.type is aiohttp.WSMsgType.TEXT:
                    await self._on_action(role, ws, json.loads(msg.data))
                elif msg.type is aiohttp.WSMsgType.CLOSE:
                    self.close_reasons[role] = str(msg.extra or "")
                    await ws.close()
                    break
                elif msg.type in (
                    aiohttp.WSMsgType.CLOSED,
                    aiohttp.WSMsgType.CLOSING,
                    aiohttp.WSMsgType.ERROR,
                ):
                    break
        finally:
            self.closed.set()
            async with self._changed:
                self._changed.notify_all()

    async def _on_action(self, role: str, ws: aiohttp.ClientWebSocketResponse, frame: JsonDict) -> None:
        call = ActionCall(frame["action"], frame.get("params", {}), frame.get("echo"), role)
        async with self._changed:
            self.actions.append(call)
            self._changed.notify_all()
        if not self.silent and call.action not in self.silent_actions:
            await ws.send_str(json.dumps(self._answer(call)))

    def _answer(self, call: ActionCall) -> JsonDict:
        failure = self.fail_once.pop(call.action, None) or self.failures.get(call.action)
        if call.action == "get_msg" and failure is None:
            stored = self.history.get(int(call.params["message_id"]))
            if stored is not None:
                return {"status": "ok", "retcode": 0, "data": stored, "echo": call.echo}
            failure = NOT_FOUND
        if failure is not None:
            retcode, message = failure
            return {
                "status": "failed",
                "retcode": retcode,
                "data": None,
                "message": message,
                "echo": call.echo,
            }
        if call.action in self.async_actions:
            # Spec (communication/http.md): accepted for later, retcode 1, data always null.
            return {"status": "async", "retcode": 1, "data": None, "echo": call.echo}
        message_id = next(self._ids)
        if call.action in ("send_private_msg", "send_group_msg"):
            kind = "group" if call.action == "send_group_msg" else "private"
            self._store(message_id, kind, self._self_number(), call.params["message"])
        return {"status": "ok", "retcode": 0, "data": {"message_id": message_id}, "echo": call.echo}

    def _store(self, message_id: int, kind: str, sender: int, message: Any) -> None:
        # get_msg's response data (spec: api/public.md): time, message_type, message_id, real_id,
        # sender (as in message events), message.
        self.history[message_id] = {
            "time": 1_700_000_000,
            "message_type": kind,
            "message_id": message_id,
            "real_id": message_id,
            "sender": {"user_id": sender, "nickname": "bot" if sender == self._self_number() else "member"},
            "message": message,
        }

    def _self_number(self) -> int:
        return int(self.self_id or BOT_QQ)

    async def wait_actions(self, count: int, wait_sec: float = 5.0) -> list[ActionCall]:
        """Wait until at least `count` actions arrived; returns them all."""
        async with asyncio.timeout(wait_sec), self._changed:
            await self._changed.wait_for(lambda: len(self.actions) >= count)
        return list(self.actions)

    async def send_raw(self, data: str) -> None:
        """Send a text frame on the socket that carries events (Event or Universal)."""
        await self._sockets["Event" if self.split else "Universal"].send_str(data)

    async def send_raw_on(self, role: str, data: str) -> None:
        """Send a text frame on the socket of `role` (to check what each socket may carry)."""
        await self._sockets[role].send_str(data)

    async def send_event(self, event: JsonDict) -> None:
        if event.get("post_type") == "message" and "message_id" in event:
            self._store(
                event["message_id"],
                event.get("message_type", ""),
                event.get("user_id", 0),
                event.get("message"),
            )
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
            "self_id": self._self_number(),
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

    def heartbeat(self, *, online: bool | None = True) -> JsonDict:
        """A heartbeat meta event (spec: event/meta.md); `status` as get_status (online, good)."""
        return {
            "time": 1_700_000_000,
            "self_id": self._self_number(),
            "post_type": "meta_event",
            "meta_event_type": "heartbeat",
            "status": {"online": online, "good": bool(online)},
            "interval": 5000,
        }

    def lifecycle(self, sub_type: str = "connect") -> JsonDict:
        """A lifecycle meta event (spec: event/meta.md): enable, disable or connect."""
        return {
            "time": 1_700_000_000,
            "self_id": self._self_number(),
            "post_type": "meta_event",
            "meta_event_type": "lifecycle",
            "sub_type": sub_type,
        }

    async def close_role(self, role: str) -> None:
        """Close one of its sockets (the other stays up)."""
        ws = self._sockets.pop(role)
        await ws.close()

    def is_open(self, role: str) -> bool:
        ws = self._sockets.get(role)
        return ws is not None and not ws.closed

    async def close(self) -> None:
        for ws in list(self._sockets.values()):
            await ws.close()
        self._sockets.clear()
        for reader in self._readers:
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        self._readers.clear()
        if self._session is not None:
            await self._session.close()
