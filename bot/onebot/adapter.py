"""The OneBot adapter: serves the reverse WebSocket, feeds message events to the chat core, sends replies.

Each bot account connects one Universal socket or an Event and an API socket (see `connections`).
Events are handled in a task per (account, chat): order is kept within a chat, chats are independent,
and the read loops stay free to receive the responses our actions wait for. A reply goes out through
the account that received the message; a notification through the account its chat last wrote to.
Sending never raises into the event handling: a failed action is logged and the next reply still goes.
"""

from __future__ import annotations

import hmac
import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import WSMsgType, web

from bot.core.outbox import DeliveryError, Outbox
from bot.lanes import ChatLanes
from bot.messages import FAILURE, ChatHandler, Outgoing, Reply
from bot.onebot.connections import Accounts, AccountState, Connection, NotConnected, OneBotError, Routes
from bot.onebot.pacing import pieces, policy, rates_for
from bot.onebot.protocol import (
    GROUP_PREFIX,
    PLATFORM,
    Action,
    ActionRequest,
    ActionResponse,
    GetMsgParams,
    MessageEvent,
    MessageType,
    MetaEvent,
    Role,
    SendParams,
    parse_frame,
    replied_id,
    reply_segments,
    to_incoming,
)
from bot.onebot.replies import BotMessages
from bot.onebot.settings import OneBotSettings

log = logging.getLogger(__name__)

MAX_PENDING_PER_CHAT = 50  # a flooding chat loses its excess messages instead of memory
HEARTBEAT_SEC = 30.0
GET_MSG_WAIT_SEC = 3.0  # a reply check holds its chat's queue: never as long as a send may take

__all__ = ["FAILURE", "AccountState", "NotConnected", "OneBotAdapter", "OneBotError", "Target"]


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


def _given_token(request: web.Request) -> str:
    # `Bearer` is the spec's scheme (communication/authorization.md); nonebot also accepts `Token`.
    # The spec defines no query-string token for reverse WebSocket, and one would end up in access logs.
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() in ("bearer", "token") and value.strip():
        return value.strip()
    return ""


class OneBotAdapter:
    """Reverse-WebSocket server for the bot accounts of one or more OneBot implementations."""

    def __init__(
        self, settings: OneBotSettings, handler: ChatHandler, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._settings = settings
        self._handler = handler
        self._accounts = Accounts()
        self._routes = Routes()
        self._messages = BotMessages(self._get_msg)
        self._echo = itertools.count(1)
        self._queues: ChatLanes[MessageEvent] = ChatLanes(
            "qq", self._process, max_pending=MAX_PENDING_PER_CHAT
        )
        self.outbox = Outbox(
            PLATFORM,
            self._deliver,
            policy(settings),
            split=pieces,
            rates_for=rates_for(settings),
            clock=clock,
        )

    @property
    def connected(self) -> bool:
        """Some account can send now."""
        return any(state.can_send for state in self._accounts.states())

    def accounts(self) -> list[AccountState]:
        """Every bot account seen since start: its connected roles and whether QQ reports it online."""
        return self._accounts.states()

    def _authorize(self, request: web.Request) -> tuple[str, Role]:
        """The connecting account's QQ number and role; raises 401/403/400 before any upgrade."""
        token = self._settings.access_token
        expected = token.get_secret_value().encode() if token is not None else b""
        if not expected or not hmac.compare_digest(_given_token(request).encode(), expected):
            log.warning("onebot: connection from %s refused: wrong or missing access token", request.remote)
            raise web.HTTPUnauthorized(text="wrong or missing access token")
        self_id = request.headers.get("X-Self-ID", "").strip()
        allowed = self._settings.allowed_ids
        if not self_id.isdigit() or (allowed and self_id not in allowed):
            log.warning("onebot: connection from %s refused: X-Self-ID %r", request.remote, self_id[:32])
            raise web.HTTPForbidden(text="missing or unexpected X-Self-ID")
        role = Role.parse(request.headers.get("X-Client-Role", ""))
        if role is None:
            log.warning("onebot: connection from %s refused: X-Client-Role %r", request.remote,
                        request.headers.get("X-Client-Role", "")[:32])  # fmt: skip
            raise web.HTTPBadRequest(text="X-Client-Role must be API, Event or Universal")
        return self_id, role

    async def ws_handler(self, request: web.Request) -> web.WebSocketResponse:
        """The aiohttp handler of the reverse-WebSocket route."""
        self_id, role = self._authorize(request)
        ws = web.WebSocketResponse(heartbeat=HEARTBEAT_SEC)
        await ws.prepare(request)
        conn = Connection(ws, self_id, role)
        old = self._accounts.attach(conn)
        if old is not None:
            log.info("onebot: a new %s connection of account %s replaces the previous one", role, self_id)
            await old.close(f"replaced by a new {role} connection of account {self_id}")
        log.info("onebot: account %s connected (role %s)", self_id, role)
        self.outbox.wake()  # what waited for QQ to come back goes now
        try:
            await self._read(conn)
        finally:
            conn.fail_pending("the socket closed")
            self._accounts.detach(conn)
            log.info("onebot: account %s disconnected (role %s)", self_id, role)
        return ws

    async def _read(self, conn: Connection) -> None:
        async for msg in conn.ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            frame = parse_frame(msg.data)
            if isinstance(frame, ActionResponse):
                conn.resolve(frame)
            elif not conn.role.carries_events:
                continue  # an API socket carries no events (spec: communication/ws-reverse.md)
            elif isinstance(frame, MessageEvent):
                self._accept(conn, frame)
            elif isinstance(frame, MetaEvent):
                self._on_meta(conn, frame)

    def _on_meta(self, conn: Connection, event: MetaEvent) -> None:
        online = event.online
        if online is not None and event.self_id in (None, int(conn.self_id)):
            self._accounts.set_online(conn.self_id, online)
            if online:
                self.outbox.wake()

    def _accept(self, conn: Connection, event: MessageEvent) -> None:
        # Cheap filter before queueing: a group's chatter never reaches the core.
        if str(event.self_id) != conn.self_id:
            log.debug("onebot: event for account %s on a socket of %s dropped", event.self_id, conn.self_id)
            return
        incoming = to_incoming(event)
        if incoming is None:
            return
        self._routes.remember(incoming.chat_id, conn.self_id)
        if incoming.is_group and not incoming.addressed and replied_id(event) is None:
            return
        self._queues.put(f"{conn.self_id}/{incoming.chat_id}", event)

    async def _process(self, event: MessageEvent) -> None:
        self_id = str(event.self_id)
        replied = replied_id(event)
        # Runs in the chat's own task: a get_msg here holds up only this chat.
        to_bot = replied is not None and await self._messages.is_own(self_id, replied)
        incoming = to_incoming(event, reply_to_bot=to_bot)
        if incoming is None or (incoming.is_group and not incoming.addressed):
            return
        try:
            replies = await self._handler.handle(incoming)
        except Exception:
            log.exception("the chat core failed on a qq message from user %s", incoming.user_id)
            replies = [FAILURE]
        quote = str(event.message_id) if incoming.is_group else None
        for reply in replies:  # through the outbox: paced, retried, held while the account is offline
            self.outbox.post(
                incoming.chat_id, reply.model_copy(update={"reply_to": quote}) if quote else reply
            )

    async def _deliver(self, chat: str, piece: Reply) -> None:
        """The outbox's way out: one piece (see `pieces`); QQ's failures as DeliveryErrors."""
        try:
            await self.send(Outgoing(platform=PLATFORM, chat_id=chat, reply=piece))
        except NotConnected as exc:
            raise DeliveryError("not_connected", str(exc), offline=True) from None
        except OneBotError as exc:
            # no retcode: the action timed out, so the implementation may be stuck; try again later
            raise DeliveryError(f"retcode_{exc.retcode}", str(exc), retryable=exc.retcode is None) from None

    async def send(self, outgoing: Outgoing) -> None:
        """Send now through the account its chat last wrote to (else the first connected); no queue.

        Raises NotConnected when that account cannot send now, OneBotError when the send failed.
        """
        if outgoing.platform != PLATFORM:
            raise ValueError(f"not a qq message: platform {outgoing.platform!r}")
        target = Target.of(outgoing.chat_id)
        self_id = self._routes.get(outgoing.chat_id) or self._accounts.first_sender()
        await self._send(self_id, target, outgoing.reply, outgoing.reply.reply_to)

    async def _send(self, self_id: str, target: Target, reply: Reply, quote: str | None) -> None:
        # QQ cannot edit a sent message: an edit=True reply is simply a new message.
        for message in reply_segments(reply, quote=quote):
            if target.kind is MessageType.GROUP:
                params = SendParams(group_id=target.id, message=message)
                action = Action.SEND_GROUP_MSG
            else:
                params = SendParams(user_id=target.id, message=message)
                action = Action.SEND_PRIVATE_MSG
            response = await self.call(self_id, action, params)
            if response.message_id is not None:
                self._messages.remember(self_id, response.message_id)

    async def call(
        self,
        self_id: str,
        action: Action,
        params: SendParams | GetMsgParams,
        *,
        wait_sec: float | None = None,
    ) -> ActionResponse:
        """Run one action as account `self_id`; raises OneBotError unless it succeeded or was accepted."""
        conn = self._accounts.action_socket(self_id)
        request = ActionRequest(action=action, params=params, echo=f"mt5bot-{next(self._echo)}")
        response = await conn.call(request, wait_sec or self._settings.action_timeout_sec)
        if not response.ok:
            raise OneBotError(f"{action} failed: {response.reason}", retcode=response.retcode, action=action)
        return response

    async def _get_msg(self, self_id: str, message_id: int) -> ActionResponse:
        wait_sec = min(self._settings.action_timeout_sec, GET_MSG_WAIT_SEC)
        return await self.call(
            self_id, Action.GET_MSG, GetMsgParams(message_id=message_id), wait_sec=wait_sec
        )

    async def drain(self) -> None:
        """Wait until every received message has been handled and every reply sent (tests, shutdown)."""
        await self._queues.join()
        await self.outbox.drain()

    async def close(self) -> None:
        """Close every socket, stop handling messages; what is still queued is logged as not delivered."""
        for conn in self._accounts.sockets():
            await conn.close("server shutdown")
        await self._queues.close()
        await self.outbox.close()
