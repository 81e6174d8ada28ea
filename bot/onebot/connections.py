"""The reverse-WebSocket connections of the bot accounts, keyed by (self id, role), and their online state.

A OneBot implementation connects either one `Universal` socket (events and actions) or, the spec's
default, an `Event` and an `API` socket to the same URL (communication/ws-reverse.md). Events are read
from Event/Universal sockets; actions go out on the API socket, or the Universal one when there is no
API socket. Each bot account (`X-Self-ID`) has its own sockets; a second socket of the same account and
role replaces the first. A heartbeat with `status.online: false` marks an account offline although
its sockets are up: sends to it raise NotConnected until a heartbeat or lifecycle event says online.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass

from aiohttp import web

from bot.onebot.protocol import ActionRequest, ActionResponse, Role

log = logging.getLogger(__name__)

REMEMBERED_ROUTES = 10_000  # chats whose account is remembered; the oldest are forgotten first


class OneBotError(Exception):
    """An action failed: the implementation refused it (retcode), timed out, or is not connected."""

    def __init__(self, message: str, *, retcode: int | None = None, action: str | None = None) -> None:
        super().__init__(message if retcode is None else f"{message} (retcode {retcode})")
        self.retcode = retcode
        self.action = action


class NotConnected(OneBotError):
    """The bot account cannot send now: no socket for actions, or QQ reports it offline."""


class Connection:
    """One socket of one account: the actions sent on it wait here for their responses."""

    def __init__(self, ws: web.WebSocketResponse, self_id: str, role: Role) -> None:
        self.ws = ws
        self.self_id = self_id
        self.role = role
        self.pending: dict[str, asyncio.Future[ActionResponse]] = {}

    @property
    def open(self) -> bool:
        return not self.ws.closed

    def resolve(self, response: ActionResponse) -> None:
        future = self.pending.pop(str(response.echo), None)
        if future is not None and not future.done():
            future.set_result(response)

    def fail_pending(self, reason: str) -> None:
        for future in self.pending.values():
            if not future.done():
                future.set_exception(NotConnected(f"the OneBot connection closed: {reason}"))
        self.pending.clear()

    async def close(self, reason: str) -> None:
        self.fail_pending(reason)
        await self.ws.close(message=reason.encode()[:120])  # a close reason must fit in 123 bytes

    async def call(self, request: ActionRequest, wait_sec: float) -> ActionResponse:
        """Send the action and wait for the response carrying its echo."""
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


@dataclass(frozen=True, slots=True)
class AccountState:
    """A read-only view of one bot account: which sockets are up and whether QQ reports it online."""

    self_id: str
    roles: frozenset[Role]
    online: bool

    @property
    def can_send(self) -> bool:
        """Actions can go out now: a socket for actions is up and the account is online."""
        return self.online and any(role.carries_actions for role in self.roles)

    @property
    def can_receive(self) -> bool:
        """Events can come in: an Event or Universal socket is up."""
        return any(role.carries_events for role in self.roles)


class _Account:
    def __init__(self, self_id: str) -> None:
        self.self_id = self_id
        self.sockets: dict[Role, Connection] = {}
        self.online = True  # until a heartbeat says otherwise

    def action_socket(self) -> Connection | None:
        for role in (Role.API, Role.UNIVERSAL):
            conn = self.sockets.get(role)
            if conn is not None and conn.open:
                return conn
        return None

    def state(self) -> AccountState:
        roles = frozenset(role for role, conn in self.sockets.items() if conn.open)
        return AccountState(self.self_id, roles, self.online)


class Accounts:
    """The connected bot accounts, in the order they first connected."""

    def __init__(self) -> None:
        self._accounts: dict[str, _Account] = {}

    def attach(self, conn: Connection) -> Connection | None:
        """Register a socket; returns the socket of the same account and role that it replaces."""
        account = self._accounts.get(conn.self_id)
        if account is None:
            account = self._accounts[conn.self_id] = _Account(conn.self_id)
        elif not account.state().roles:
            account.online = True  # every socket had closed: a fresh session starts online
        old = account.sockets.get(conn.role)
        account.sockets[conn.role] = conn
        return old

    def detach(self, conn: Connection) -> None:
        """Forget a closed socket (unless a newer one already replaced it)."""
        account = self._accounts.get(conn.self_id)
        if account is not None and account.sockets.get(conn.role) is conn:
            del account.sockets[conn.role]

    def set_online(self, self_id: str, online: bool) -> None:
        """Record what a heartbeat or lifecycle event said; a change is logged once."""
        account = self._accounts.get(self_id)
        if account is None or account.online == online:
            return
        account.online = online
        if online:
            log.info("qq account %s is online again", self_id)
        else:
            log.warning(
                "qq account %s is offline (heartbeat online=false): sends wait until it is back", self_id
            )

    def states(self) -> list[AccountState]:
        """Every account seen since start, in the order they first connected."""
        return [account.state() for account in self._accounts.values()]

    def sockets(self) -> list[Connection]:
        """Every registered socket."""
        return [conn for account in self._accounts.values() for conn in account.sockets.values()]

    def action_socket(self, self_id: str) -> Connection:
        """The socket to send `self_id`'s actions on; raises NotConnected when it cannot send now."""
        account = self._accounts.get(self_id)
        conn = account.action_socket() if account is not None else None
        if account is None or conn is None:
            raise NotConnected(f"qq account {self_id} has no API or Universal connection")
        if not account.online:
            raise NotConnected(f"qq account {self_id} is offline (its last heartbeat said online=false)")
        return conn

    def first_sender(self) -> str:
        """The first-connected account that can send now; raises NotConnected when none can."""
        for account in self._accounts.values():
            if account.state().can_send:
                return account.self_id
        raise NotConnected("no qq account is connected and online")


class Routes:
    """Which bot account each chat last wrote to (bounded; the least recently used is forgotten)."""

    def __init__(self, size: int = REMEMBERED_ROUTES) -> None:
        self._routes: OrderedDict[str, str] = OrderedDict()
        self._size = size

    def remember(self, chat: str, self_id: str) -> None:
        self._routes[chat] = self_id
        self._routes.move_to_end(chat)
        if len(self._routes) > self._size:
            self._routes.popitem(last=False)

    def get(self, chat: str) -> str | None:
        return self._routes.get(chat)
