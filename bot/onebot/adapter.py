"""The OneBot adapter: serves the reverse WebSocket, feeds message events to the chat core, sends replies.

One socket carries both directions: events arrive from the implementation, and our actions go out on it
with an `echo` that its response carries back. Events are handled in a task per chat (order kept within a
chat, chats independent), so the read loop is always free to receive the responses our sends wait for.
Sending never raises into the event handling: a failed action is logged and the next reply still goes.
"""

from __future__ import annotations

import asyncio
import hmac
import itertools
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import WSMsgType, web

from bot.messages import FAILURE, ChatHandler, Outgoing, Reply
from bot.onebot.protocol import (
    GROUP_PREFIX,
    PLATFORM,
    Action,
    ActionRequest,
    ActionResponse,
    MessageEvent,
    MessageType,
    SendParams,
    chat_id,
    parse_frame,
    reply_segments,
    to_incoming,
)
from bot.onebot.settings import OneBotSettings
from mt5bridge.common.tasks import TaskSet

log = logging.getLogger(__name__)

REMEMBERED_IDS = 500  # sent message ids kept to recognise "a reply to the bot"
MAX_PENDING_PER_CHAT = 50  # a flooding chat loses its excess messages instead of memory
HEARTBEAT_SEC = 30.0


class OneBotError(Exception):
    """An action failed: the implementation refused it (retcode), timed out, or is not connected."""

    def __init__(self, message: str, *, retcode: int | None = None, action: str | None = None) -> None:
        super().__init__(message if retcode is None else f"{message} (retcode {retcode})")
        self.retcode = retcode
        self.action = action


class NotConnected(OneBotError):
    """No OneBot implementation is connected (or the socket closed under the action)."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where a message goes: a user's private chat or a group."""

    kind: MessageType
    id: int

    @classmethod
    def of(cls, chat: str) -> Target:
        """The target of one of our chat ids ("12345" private, "g67890" group)."""
        kind = MessageType.GROUP if chat.startswith(GROUP_PREFIX) else MessageType.PRIVATE
        number = chat.removeprefix(GROUP_PREFIX)
        if not number.isdigit():
            raise ValueError(f"not a QQ chat id: {chat!r}")
        return cls(kind, int(number))


class RecentIds:
    """The last `size` ids, for membership tests."""

    def __init__(self, size: int = REMEMBERED_IDS) -> None:
        self._order: deque[str] = deque()
        self._ids: set[str] = set()
        self._size = size

    def add(self, item: str) -> None:
        if item in self._ids:
            return
        self._order.append(item)
        self._ids.add(item)
        if len(self._order) > self._size:
            self._ids.discard(self._order.popleft())

    def __contains__(self, item: object) -> bool:
        return item in self._ids


class ChatQueues:
    """One worker per busy chat: items of a chat run in order, chats run concurrently."""

    def __init__(self, tasks: TaskSet, work: Callable[[MessageEvent], Awaitable[None]]) -> None:
        self._tasks = tasks
        self._work = work
        self._queues: dict[str, deque[MessageEvent]] = {}

    def put(self, key: str, item: MessageEvent) -> None:
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = deque()
            self._tasks.spawn(self._drain(key, queue), name=f"chat-{key}")
        if len(queue) >= MAX_PENDING_PER_CHAT:
            log.warning("qq chat %s: too many pending messages; message %s dropped", key, item.message_id)
            return
        queue.append(item)

    async def _drain(self, key: str, queue: deque[MessageEvent]) -> None:
        try:
            while queue:
                item = queue.popleft()
                try:
                    await self._work(item)
                except Exception:
                    log.exception("qq chat %s: handling message %s failed", key, item.message_id)
        finally:
            del self._queues[key]


class Connection:
    """One connected implementation: its socket and the actions waiting for their responses."""

    def __init__(self, ws: web.WebSocketResponse, self_id: str) -> None:
        self.ws = ws
        self.self_id = self_id
        self.pending: dict[str, asyncio.Future[ActionResponse]] = {}

    def resolve(self, response: ActionResponse) -> None:
        future = self.pending.pop(str(response.echo), None)
        if future is not None and not future.done():
            future.set_result(response)

    def fail_pending(self) -> None:
        for future in self.pending.values():
            if not future.done():
                future.set_exception(NotConnected("the OneBot connection closed"))
        self.pending.clear()

    async def call(self, request: ActionRequest, wait_sec: float) -> ActionResponse:
        future = asyncio.get_running_loop().create_future()
        self.pending[request.echo] = future
        try:
            await self.ws.send_str(request.model_dump_json(exclude_none=True))
            async with asyncio.timeout(wait_sec):
                return await future
        except ConnectionError as exc:
            raise NotConnected(f"the OneBot connection closed: {exc}", action=request.action) from exc
        except TimeoutError as exc:
            message = f"{request.action}: no response in {wait_sec:g} s"
            raise OneBotError(message, action=request.action) from exc
        finally:
            self.pending.pop(request.echo, None)


def _given_token(request: web.Request) -> str:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value:
        return value.strip()
    return request.query.get("access_token", "")


class OneBotAdapter:
    """Reverse-WebSocket server for one OneBot implementation; a new connection replaces the old one."""

    def __init__(self, settings: OneBotSettings, handler: ChatHandler) -> None:
        self._settings = settings
        self._handler = handler
        self._conn: Connection | None = None
        self._echo = itertools.count(1)
        self._tasks = TaskSet("onebot")
        self._queues = ChatQueues(self._tasks, self._process)
        self.sent = RecentIds()

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.ws.closed

    def _authorize(self, request: web.Request) -> str:
        """The connecting bot's QQ number (maybe ""); raises 401/403 before any upgrade."""
        token = self._settings.access_token
        expected = token.get_secret_value().encode() if token is not None else b""
        if not expected or not hmac.compare_digest(_given_token(request).encode(), expected):
            log.warning("onebot: connection from %s refused: wrong or missing access token", request.remote)
            raise web.HTTPUnauthorized(text="wrong or missing access token")
        self_id = request.headers.get("X-Self-ID", "").strip()
        if self._settings.self_id is not None and self_id != self._settings.self_id:
            log.warning("onebot: connection from %s refused: X-Self-ID %r", request.remote, self_id[:32])
            raise web.HTTPForbidden(text="unexpected X-Self-ID")
        return self_id

    async def ws_handler(self, request: web.Request) -> web.WebSocketResponse:
        """The aiohttp handler of the reverse-WebSocket route."""
        self_id = self._authorize(request)
        ws = web.WebSocketResponse(heartbeat=HEARTBEAT_SEC)
        await ws.prepare(request)
        old, conn = self._conn, Connection(ws, self_id)
        self._conn = conn
        if old is not None:
            log.info("onebot: a new connection replaces the previous one")
            old.fail_pending()
            await old.ws.close(message=b"replaced by a new connection")
        log.info("onebot: implementation connected (self id %s, role %s)", self_id or "?",
                 request.headers.get("X-Client-Role", "Universal"))  # fmt: skip
        try:
            await self._read(conn)
        finally:
            conn.fail_pending()
            if self._conn is conn:
                self._conn = None
            log.info("onebot: implementation disconnected (self id %s)", self_id or "?")
        return ws

    async def _read(self, conn: Connection) -> None:
        async for msg in conn.ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            frame = parse_frame(msg.data)
            if isinstance(frame, ActionResponse):
                conn.resolve(frame)
            elif isinstance(frame, MessageEvent):
                self._accept(frame)

    def _accept(self, event: MessageEvent) -> None:
        # Cheap filter before queueing: a group's chatter never reaches the core.
        incoming = to_incoming(event, self.sent)
        if incoming is None or (incoming.is_group and not incoming.addressed):
            return
        self._queues.put(chat_id(event), event)

    async def _process(self, event: MessageEvent) -> None:
        incoming = to_incoming(event, self.sent)
        if incoming is None:
            return
        try:
            replies = await self._handler.handle(incoming)
        except Exception:
            log.exception("the chat core failed on a qq message from user %s", incoming.user_id)
            replies = [FAILURE]
        quote = str(event.message_id) if incoming.is_group else None
        await self.deliver(Target.of(incoming.chat_id), replies, quote=quote)

    async def deliver(self, target: Target, replies: list[Reply], *, quote: str | None = None) -> None:
        """Send the replies in order; a failed one is logged and the rest still go out."""
        for reply in replies:
            try:
                await self._send(target, reply, quote)
            except NotConnected as exc:
                log.warning("qq delivery to %s %s stopped: %s", target.kind, target.id, exc)
                return
            except OneBotError as exc:
                log.warning("qq delivery to %s %s failed: %s", target.kind, target.id, exc)

    async def send(self, outgoing: Outgoing) -> None:
        """Deliver a notification (the notifier's callback); raises OneBotError so it counts the failure."""
        if outgoing.platform != PLATFORM:
            raise ValueError(f"not a qq message: platform {outgoing.platform!r}")
        await self._send(Target.of(outgoing.chat_id), outgoing.reply, None)

    async def _send(self, target: Target, reply: Reply, quote: str | None) -> None:
        # QQ cannot edit a sent message: an edit=True reply is simply a new message.
        for message in reply_segments(reply, quote=quote):
            if target.kind is MessageType.GROUP:
                params = SendParams(group_id=target.id, message=message)
                action = Action.SEND_GROUP_MSG
            else:
                params = SendParams(user_id=target.id, message=message)
                action = Action.SEND_PRIVATE_MSG
            response = await self.call(action, params)
            if response.message_id is not None:
                self.sent.add(response.message_id)

    async def call(self, action: Action, params: SendParams) -> ActionResponse:
        """Run one action on the connected implementation; raises OneBotError unless it succeeded."""
        conn = self._conn
        if conn is None or conn.ws.closed:
            raise NotConnected("no OneBot implementation is connected", action=action)
        request = ActionRequest(action=action, params=params, echo=f"mt5bot-{next(self._echo)}")
        response = await conn.call(request, self._settings.action_timeout_sec)
        if not response.ok:
            raise OneBotError(f"{action} failed: {response.reason}", retcode=response.retcode, action=action)
        return response

    async def close(self) -> None:
        """Close the socket and stop handling messages."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.fail_pending()
            await conn.ws.close(message=b"server shutdown")
        await self._tasks.close()
