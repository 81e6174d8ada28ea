"""Account, positions, pending orders, deal history and P&L (read-only routes)."""

from __future__ import annotations

from functools import partial

from aiohttp import web

from api.clock import SERVER_CLOCK
from api.encoded import LastAnswers, account_bytes, deal_bytes, position_bytes
from api.jsonio import dumps, ok, ok_encoded, ok_list
from api.keys import CLIENT, HEARTBEAT, TRADING
from api.routing import Endpoint, parse_query
from api.schemas import OrdersQuery, PositionsQuery, WindowQuery
from api.schemas_out import AccountOut, DealsOut, OrderOut, PnLOut, PositionOut, WindowOut, instant
from mt5bridge.terminal.errors import typed
from mt5bridge.trading.periods import Period, Window, range_window

LAST_POSITIONS, LAST_DEALS = LastAnswers(), LastAnswers()


async def account(request: web.Request) -> web.Response:
    """GET /account: balance, equity, margin, the server's clock and since when the link is up."""
    trading, client = request.app[TRADING], request.app[CLIENT]
    raw = await trading.account_tuple()
    now = await request.app[SERVER_CLOCK].now(client)
    since = request.app[HEARTBEAT].connected_since
    return ok_encoded(typed(partial(account_bytes, raw, now, client.server_utc_offset, since)))


async def positions(request: web.Request) -> web.Response:
    """GET /positions?symbol=&magic=: open positions, oldest first."""
    q = parse_query(request, PositionsQuery)
    trading = request.app[TRADING]
    # Straight from the terminal's tuples: a thousand positions were two models each (~75 ms a request).
    rows = await trading.position_tuples(symbol=q.symbol, magic=q.magic)
    offset = trading.server_utc_offset
    encode = partial(position_bytes, offset=offset)
    return ok_list(LAST_POSITIONS.joined((q.symbol, q.magic, offset), rows, encode))


async def pending_orders(request: web.Request) -> web.Response:
    """GET /orders/pending?symbol=: active pending orders."""
    q = parse_query(request, OrdersQuery)
    found = await request.app[TRADING].orders(symbol=q.symbol)
    return ok([OrderOut.build(o).model_dump(mode="json") for o in found])


async def _window(request: web.Request, q: WindowQuery) -> Window:
    """The query's window: a named period (default today), or from/to (`to` defaults to now)."""
    trading = request.app[TRADING]
    if q.start is None:
        return await trading.window(q.period or Period.TODAY)
    offset = trading.server_utc_offset
    end = q.end if q.end is not None else instant(await trading.server_now() + 1, offset)
    return range_window(q.start, end, tz=trading.timezone, server_utc_offset=offset)


async def deals(request: web.Request) -> web.Response:
    """GET /history/deals?period=|from=&to=&symbol=&magic=: deals in the window, oldest first."""
    q = parse_query(request, WindowQuery)
    trading = request.app[TRADING]
    window = await _window(request, q)
    found = await trading.deal_tuples(window, symbol=q.symbol, magic=q.magic)
    offset = trading.server_utc_offset
    head = dumps(WindowOut.build(window, offset).model_dump(mode="json"))
    deals = LAST_DEALS.joined((q.symbol, q.magic, offset), found, partial(deal_bytes, offset=offset))
    # DealsOut's keys in its order, each deal encoded once (docs/api.md, "Performance").
    return ok_encoded(b'{"window":' + head + b',"deals":[' + deals + b"]}")


async def pnl(request: web.Request) -> web.Response:
    """GET /pnl?period=|from=&to=&symbol=&magic=: realised and floating P&L by symbol and magic."""
    q = parse_query(request, WindowQuery)
    trading = request.app[TRADING]
    report = await trading.pnl(await _window(request, q), symbol=q.symbol, magic=q.magic)
    return ok(PnLOut.build(report, trading.server_utc_offset).model_dump(mode="json"))


ENDPOINTS = (
    Endpoint("GET", "/account", account, "Account summary", "account", AccountOut, errors=(503,)),
    Endpoint("GET", "/positions", positions, "Open positions", "account", PositionOut, True, PositionsQuery),
    Endpoint(
        "GET", "/orders/pending", pending_orders, "Pending orders", "account", OrderOut, True, OrdersQuery
    ),
    Endpoint("GET", "/history/deals", deals, "Deal history", "history", DealsOut, query=WindowQuery),
    Endpoint("GET", "/pnl", pnl, "Profit and loss", "history", PnLOut, query=WindowQuery),
)
