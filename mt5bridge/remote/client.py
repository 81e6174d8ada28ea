"""`RemoteTrading`: one remote bridge's REST API as the trading core's own methods, models and errors.

The front of several accounts (issue 17) talks to each terminal's bridge (`mt5bot serve`) through one of
these. The methods mirror the `TradingService` methods the chat core calls, return the same models
(parsed back from the bridge's JSON by `convert`) and raise the same exceptions (`errors.error_of`, one
table). Every order carries an `Idempotency-Key` (the request id, a fresh one when none is given): if its
answer is lost the client raises `BridgeOutcomeUnknown` with that id and never re-sends by itself; the
same request with the same id is the safe retry, answered from the bridge's store.
"""

from __future__ import annotations

import contextlib
import re
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote as url_quote
from zoneinfo import ZoneInfo

import aiohttp
from yarl import URL

from mt5bridge.common.errors import MT5BotError
from mt5bridge.remote import convert
from mt5bridge.remote.errors import (
    BridgeOutcomeUnknown,
    BridgeUnreachable,
    Failure,
    error_of,
)
from mt5bridge.remote.settings import BridgeSettings
from mt5bridge.terminal.errors import TerminalUnavailable
from mt5bridge.terminal.models import Account, Deal, Order, Position, PositionSide, SymbolSpec, Tick
from mt5bridge.trading.errors import Forbidden, InvalidOrder
from mt5bridge.trading.models import (
    ActionResult,
    Actor,
    CancelRequest,
    CloseRequest,
    ModifyRequest,
    OpenRequest,
    OrderKind,
    Preview,
)
from mt5bridge.trading.periods import Period, Window
from mt5bridge.trading.pnl import PnLReport
from mt5bridge.trading.selectors import AmbiguousSelection, CloseFilter, target_positions
from mt5bridge.trading.service import TradeRequestModel

API = "/api/v1"
IDEMPOTENCY_HEADER = "Idempotency-Key"
_KEY_RE = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
Json = dict[str, Any]


class Answer:
    """One HTTP answer: its status and decoded envelope (None when the body was not the envelope)."""

    __slots__ = ("envelope", "status")

    def __init__(self, status: int, envelope: Json | None) -> None:
        self.status = status
        self.envelope = envelope

    @property
    def ok(self) -> bool:
        return self.envelope is not None and self.envelope.get("success") is True

    def failure(self) -> Failure:
        """The refusal; a body that is not the envelope (a proxy's page) becomes `http_<status>`."""
        env = self.envelope
        if env is None or "code" not in env:
            return Failure(status=self.status, code=f"http_{self.status}", error=f"HTTP {self.status}")
        return Failure.model_validate({**env, "status": self.status})


class RemoteTrading:
    """One bridge's trading core over its REST API (`TradingService`'s methods the chat core uses).

    `session` may be shared by several bridges (the front's one `ClientSession`); without one the client
    opens its own and `close()` closes it.
    """

    def __init__(self, settings: BridgeSettings, session: aiohttp.ClientSession | None = None) -> None:
        self.settings = settings
        self._session = session
        self._own_session = session is None
        self._tz = ZoneInfo(settings.timezone) if settings.timezone else None
        self._offset: int | None = None
        self._timeout = aiohttp.ClientTimeout(
            total=settings.read_timeout, sock_connect=settings.connect_timeout
        )
        self.last_latency: float | None = None  # seconds, of the last answer

    @property
    def name(self) -> str:
        return self.settings.name

    @property
    def timezone(self) -> ZoneInfo | None:
        """The bridge's reporting zone, as configured for it here (the API does not say)."""
        return self._tz

    @property
    def server_utc_offset(self) -> int:
        """The bridge's trade server clock minus UTC (seconds), as last seen (0 before any answer)."""
        return self._offset or 0

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
            self._own_session = True
        return self._session

    async def close(self) -> None:
        """Close the session if this client opened it."""
        if self._own_session and self._session is not None:
            await self._session.close()

    # --- transport -------------------------------------------------------------------------------
    async def send(
        self, method: str, path: str, *, params: Json | None = None, body: Json | None = None,
        key: str | None = None, auth: bool = True,
    ) -> Answer:  # fmt: skip
        """One request to `/api/v1<path>`; network errors propagate as aiohttp's (callers classify)."""
        headers = {"Authorization": f"Bearer {self.settings.token.get_secret_value()}"} if auth else {}
        if key is not None:
            headers[IDEMPOTENCY_HEADER] = key
        query = {k: str(v) for k, v in (params or {}).items() if v is not None}
        started = time.perf_counter()
        async with self._http().request(
            method, self.settings.base + API + path, params=query, json=body, headers=headers,
            timeout=self._timeout,
        ) as response:  # fmt: skip
            try:
                envelope = await response.json(content_type=None)
            except ValueError:
                envelope = None
        self.last_latency = time.perf_counter() - started
        return Answer(response.status, envelope if isinstance(envelope, dict) else None)

    async def read(self, path: str, params: Json | None = None) -> Any:
        """A read's `data`; a failure raises the core's exception, the network `BridgeUnreachable`."""
        try:
            answer = await self.send("GET", path, params=params)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise BridgeUnreachable(self.name, _describe(exc)) from exc
        if not answer.ok:
            raise error_of(self.name, answer.failure())
        assert answer.envelope is not None  # noqa: S101 - `ok` checked it
        return answer.envelope["data"]

    # --- queries ---------------------------------------------------------------------------------
    async def account(self) -> Account:
        data = await self.read("/account")
        self._offset = int(data["server_utc_offset"])
        return convert.account(data)

    async def positions(
        self, *, symbol: str | None = None, magic: int | None = None, side: PositionSide | None = None
    ) -> list[Position]:
        """Open positions, oldest first, filtered by symbol (aliases resolve on the bridge), magic, side."""
        found = [
            convert.position(p) for p in await self.read("/positions", {"symbol": symbol, "magic": magic})
        ]
        return [p for p in found if side is None or p.side is side]

    async def orders(self, *, symbol: str | None = None) -> list[Order]:
        return [convert.order(o) for o in await self.read("/orders/pending", {"symbol": symbol})]

    async def symbols(self, group: str | None = None) -> list[SymbolSpec]:
        return [convert.symbol(s) for s in await self.read("/symbols", {"group": group})]

    async def _symbol_detail(self, name: str) -> Json:
        data: Json = await self.read(f"/symbol/{url_quote(name, safe='')}")
        return data

    async def symbol(self, name: str) -> SymbolSpec:
        """One symbol by canonical name, alias or broker name."""
        return convert.symbol((await self._symbol_detail(name))["symbol"])

    async def quote(self, symbol: str) -> Tick:
        """The current tick of a symbol by canonical name, alias or broker name."""
        tick = (await self._symbol_detail(symbol))["tick"]
        if tick is None:
            raise TerminalUnavailable("no_quote", f"{self.name}: no quote for {symbol} yet")
        return convert.tick(tick)

    async def window(self, period: Period) -> Window:
        """The named period's window on the bridge's calendar (its clock and timezone)."""
        data = await self.read("/pnl", {"period": Period(period).value})
        self._note_offset(data["window"])
        return convert.window(data["window"])

    async def pnl(self, window: Window, *, symbol: str | None = None, magic: int | None = None) -> PnLReport:
        """Realized and floating P&L of the window, by symbol and magic (the bridge's `pnl`)."""
        data = await self.read("/pnl", {**await self._range(window), "symbol": symbol, "magic": magic})
        report = convert.pnl(data)
        return PnLReport(window, report.total, report.by_symbol, report.by_magic)

    async def deals(
        self, window: Window, *, symbol: str | None = None, magic: int | None = None
    ) -> list[Deal]:
        """The window's deals of every type, oldest first, filtered as `pnl` filters them."""
        data = await self.read(
            "/history/deals", {**await self._range(window), "symbol": symbol, "magic": magic}
        )
        return [convert.deal(d) for d in data["deals"]]

    async def _range(self, window: Window) -> Json:
        """`from`/`to` as exact UTC instants, so the bridge reads the very window given."""
        if self._offset is None:
            await self.account()
        offset = self.server_utc_offset
        return {"from": convert.instant(window.start, offset), "to": convert.instant(window.end, offset)}

    def _note_offset(self, window: Json) -> None:
        """The server's offset from a window: its start on the server's clock minus the same in UTC."""
        utc = int(datetime.fromisoformat(window["start"]).timestamp())
        self._offset = convert.server_epoch(window["start_server"]) - utc

    # --- trading ---------------------------------------------------------------------------------
    async def preview(self, req: TradeRequestModel) -> Preview:
        """What `execute(req)` would send now, without sending anything (the bridge's `preview`)."""
        path, body = await self._order(req, None)
        body["action"] = path.removeprefix("/order/")
        try:
            answer = await self.send("POST", "/order/preview", body=body)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise BridgeUnreachable(self.name, _describe(exc)) from exc
        if not answer.ok:
            raise await self._refusal(answer.failure())
        assert answer.envelope is not None  # noqa: S101
        return Preview.model_validate(answer.envelope["data"])

    async def execute(
        self, req: TradeRequestModel, actor: Actor, *, request_id: str | None = None,
        confirmation: str | None = None, expected: Preview | None = None,
    ) -> ActionResult:  # fmt: skip
        """Run a trading action on the bridge once per request id (its `Idempotency-Key`).

        As `TradingService.execute`: `Forbidden` before anything for a role that may not trade, the
        result (also a rejected or unknown leg: `ok` False), or the core's refusal; `expected` is sent as
        `expected_preview`, so a moved plan raises `PreviewChanged` with the fresh one. A lost answer
        raises `BridgeOutcomeUnknown` carrying the id. `confirmation` is the front's to audit; the
        bridge audits the call under its token.
        """
        if not actor.may_trade:
            raise Forbidden(actor.role, _action_of(req))
        rid = request_id or uuid.uuid4().hex
        if not _KEY_RE.fullmatch(rid):
            raise InvalidOrder("invalid_request_id", "a request id is 1-128 of letters, digits and . _ : -")
        path, body = await self._order(req, expected)
        if expected is not None:
            body["expected_preview"] = expected.model_dump(mode="json")
        try:
            answer = await self.send("POST", path, body=body, key=rid)
        except aiohttp.ClientConnectorError as exc:  # no connection was made: nothing went out
            raise BridgeUnreachable(self.name, _describe(exc)) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise BridgeOutcomeUnknown(self.name, rid, _describe(exc)) from exc
        return await self._result(answer, rid)

    async def _result(self, answer: Answer, rid: str) -> ActionResult:
        if answer.ok:
            assert answer.envelope is not None  # noqa: S101
            return ActionResult.model_validate(answer.envelope["data"])
        failure = answer.failure()
        if "result" in failure.extra:  # a rejected or unknown leg: the core answers a result, not an error
            return ActionResult.model_validate(failure.extra["result"])
        if answer.envelope is None and answer.status >= 500:  # not the bridge's answer (a proxy's)
            raise BridgeOutcomeUnknown(self.name, rid, f"HTTP {answer.status} without the bridge's envelope")
        raise await self._refusal(failure)

    async def _refusal(self, failure: Failure) -> MT5BotError:
        """The exception for a refusal; `ambiguous` carries its candidates as positions, as the core's."""
        if failure.code == "ambiguous" and "candidates" in failure.extra:
            wanted = list(failure.extra["candidates"])
            held = {p.ticket: p for p in await self.positions()}
            return AmbiguousSelection([held[t] for t in wanted if t in held])
        return error_of(self.name, failure)

    async def _order(self, req: TradeRequestModel, expected: Preview | None) -> tuple[str, Json]:
        """The route and body of a core request."""
        if isinstance(req, OpenRequest):
            return "/order/open", convert.open_body(req, await self._kind(req, expected))
        if isinstance(req, CloseRequest):
            return "/order/close", convert.close_body(req)
        if isinstance(req, ModifyRequest):
            return "/order/modify", convert.modify_body(await self._modify_target(req))
        if isinstance(req, CancelRequest):
            return "/order/cancel", convert.cancel_body(req)
        raise TypeError(f"not a trading request: {type(req).__name__}")

    async def _modify_target(self, req: ModifyRequest) -> ModifyRequest:
        """The request by ticket: the API modifies one ticket, the chat may name positions by filter.

        The bridge's positions are selected with the core's own `target_positions` (same refusals:
        `no_match`, `ticket_not_found`, `ambiguous`). Several targets, which the core would modify in
        one action, are `AmbiguousSelection` here: the caller asks for one ticket.
        """
        if req.ticket is not None:
            return req
        name = (await self.symbol(req.symbol)).name if req.symbol else None
        flt = CloseFilter(symbol=name, side=req.side, magic=req.magic, selector=req.selector)
        targets = target_positions(await self.positions(symbol=name), flt)
        if len(targets) > 1:
            raise AmbiguousSelection(targets)
        return ModifyRequest(ticket=targets[0].ticket, sl=req.sl, tp=req.tp, price=req.price)

    async def _kind(self, req: OpenRequest, expected: Preview | None) -> OrderKind:
        """The order kind; `pending` becomes limit or stop as the core decides it (`orders.pending_type`):
        from the confirmed preview when it says, else from where the price sits against the quote now."""
        if req.order_type is not OrderKind.PENDING or req.price is None:
            return req.order_type
        if expected is not None and expected.order_type in (OrderKind.LIMIT, OrderKind.STOP):
            return expected.order_type
        tick = await self.quote(req.symbol)
        buy = req.side is PositionSide.BUY
        below = req.price < (tick.ask if buy else tick.bid)
        return OrderKind.LIMIT if below == buy else OrderKind.STOP

    # --- raw relaying (the front's `?account=` routing, api/front_proxy.py) ------------------------
    @contextlib.asynccontextmanager
    async def forward(
        self, method: str, path: str, *, query: str = "", body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> AsyncIterator[aiohttp.ClientResponse]:  # fmt: skip
        """One request relayed as is to `/api/v1<path>?<query>` (`path` and `query` already
        percent-encoded) under this bridge's bearer token (any `Authorization` given is dropped); yields
        aiohttp's response with its body unread, on this client's session and timeout.

        Network errors propagate as aiohttp's (`ClientConnectorError`: no connection was made, so nothing
        was sent; anything later: the request may have arrived), so the caller decides what a loss means.
        """
        url = URL(self.settings.base + API + path + (f"?{query}" if query else ""), encoded=True)
        sent = {k: v for k, v in (headers or {}).items() if k.lower() != "authorization"}
        sent["Authorization"] = f"Bearer {self.settings.token.get_secret_value()}"
        started = time.perf_counter()
        async with self._http().request(
            method, url, data=body, headers=sent, timeout=self._timeout, allow_redirects=False
        ) as response:
            self.last_latency = time.perf_counter() - started
            yield response

    async def connect_ws(self) -> aiohttp.ClientWebSocketResponse:
        """A WebSocket to this bridge's `/api/v1/ws` under its bearer token (the caller closes it).

        aiohttp's errors propagate: `ClientConnectorError` when no connection could be made,
        `WSServerHandshakeError` (with its `status`) when the bridge refused the upgrade.
        """
        headers = {"Authorization": f"Bearer {self.settings.token.get_secret_value()}"}
        return await self._http().ws_connect(
            self.settings.base + API + "/ws", headers=headers, autoping=True, max_msg_size=0,
            timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=5.0),
        )  # fmt: skip


def _action_of(req: TradeRequestModel) -> str:
    names = {OpenRequest: "open", CloseRequest: "close", ModifyRequest: "modify", CancelRequest: "cancel"}
    return names[type(req)]


def _describe(exc: BaseException) -> str:
    """A network error in a few words (aiohttp's messages can be empty)."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
