"""Market data: symbols, one symbol with its tick, bars (by count or by range) and indicators.

Bars are turned into JSON column by column (numpy formats the times, orjson the rest), see docs/api.md
"Performance". A bar range longer than 1,000 bars is streamed piece by piece, encoded off the event loop
(api/bulk.py).
"""

from __future__ import annotations

from collections.abc import Awaitable
from functools import partial
from typing import TypeVar

import numpy as np
from aiohttp import web
from pydantic import TypeAdapter, ValidationError

from api.barcache import BAR_CACHE, bars_json, encode_rates, iso_seconds
from api.bulk import PIECE_BARS, pieces, stream_rates
from api.encoded import LastAnswers, symbol_bytes, symbol_detail_bytes
from api.envelope import ApiError
from api.jsonio import JSON_TYPE, ok, ok_encoded, ok_list
from api.keys import CLIENT, TRADING
from api.routing import Endpoint, parse_query, query_dict
from api.schemas import IndicatorQuery, RangeQuery, RatesQuery, Symbol, SymbolsQuery, server_epoch
from api.schemas_out import IndicatorOut, RatesOut, SymbolDetailOut, SymbolOut
from mt5bridge.terminal.errors import ClientCode, InvalidRequest, typed
from mt5bridge.trading.errors import UnknownSymbol
from mt5bridge.trading.indicators import IndicatorRequest, bars_needed, compute
from mt5bridge.trading.service import TradingService

T = TypeVar("T")
MAX_RANGE_BARS = 100_000
LAST_SYMBOLS = LastAnswers()
_SYMBOL = TypeAdapter(Symbol)


def _valid(name: str) -> None:
    """A path parameter that cannot be a symbol name is a 400."""
    try:
        _SYMBOL.validate_python(name)
    except ValidationError:
        raise ApiError(400, "invalid_symbol", f"{name[:40]!r} is not a symbol name") from None


async def _known(name: str, read: Awaitable[T]) -> T:
    """`read`'s value; a symbol the terminal does not have is a 404 (the resource does not exist)."""
    try:
        return await read
    except (UnknownSymbol, InvalidRequest) as exc:
        if isinstance(exc, InvalidRequest) and exc.code != ClientCode.UNKNOWN_SYMBOL:
            raise
        raise ApiError(404, "unknown_symbol", f"no symbol {name!r} on this terminal") from None


async def _resolve(trading: TradingService, name: str) -> str:
    """The broker's name of the symbol in a path parameter: malformed is 400, unknown 404."""
    _valid(name)
    return await _known(name, trading.symbol_name(name))


async def symbols(request: web.Request) -> web.Response:
    """GET /symbols?group=: the terminal's symbols, optionally by an MT5 group mask."""
    q = parse_query(request, SymbolsQuery)
    offset = request.app[CLIENT].server_utc_offset
    found = await request.app[TRADING].symbol_tuples(q.group)
    return ok_list(LAST_SYMBOLS.joined((q.group, offset), found, partial(symbol_bytes, offset=offset)))


async def symbol(request: web.Request) -> web.Response:
    """GET /symbol/{name}: the specification and the current tick (aliases accepted)."""
    trading, wanted = request.app[TRADING], request.match_info["name"]
    info, tick = await _known(wanted, trading.symbol_and_tick(await _resolve(trading, wanted)))
    return ok_encoded(typed(partial(symbol_detail_bytes, info, tick, trading.server_utc_offset)))


async def rates(request: web.Request) -> web.Response:
    """GET /rates/{symbol}?tf=&count=: the last `count` bars, oldest first (the last may be unfinished)."""
    q = parse_query(request, RatesQuery)
    trading = request.app[TRADING]
    wanted = request.match_info["symbol"]
    name = await _resolve(trading, wanted)
    bars = await _known(wanted, trading.rates_from_pos(name, q.tf.mt5, 0, q.count))
    cache = request.app[BAR_CACHE]
    body = encode_rates(cache, name, q.tf.value, q.tf.mt5, bars, trading.server_utc_offset)
    return web.Response(body=body, content_type=JSON_TYPE)


async def rates_range(request: web.Request) -> web.StreamResponse:
    """GET /rates/{symbol}/range?tf=&from=&to=: bars opened in [from, to] (long ranges streamed)."""
    q = parse_query(request, RangeQuery)
    trading = request.app[TRADING]
    offset = trading.server_utc_offset
    lo, hi = server_epoch(q.start, offset), server_epoch(q.end, offset)
    if hi <= lo:
        raise ApiError(400, "invalid_range", "'to' must be after 'from'")
    if (hi - lo) // q.tf.seconds > MAX_RANGE_BARS:
        raise ApiError(400, "range_too_large", f"the range spans more than {MAX_RANGE_BARS} {q.tf} bars")
    name = await _resolve(trading, request.match_info["symbol"])
    parts = pieces(lo, hi, PIECE_BARS * q.tf.seconds)
    if len(parts) > 1:  # long ranges are read, encoded and sent a piece at a time (api/bulk.py)

        async def fetch(a: int, b: int) -> np.ndarray:
            return await trading.rates_range(name, q.tf.mt5, a, b)

        return await stream_rates(request, {"symbol": name, "tf": q.tf.value}, fetch, parts, offset)
    bars = await trading.rates_range(name, q.tf.mt5, lo, hi)
    data = bars_json(bars, offset)
    return ok({"symbol": name, "tf": q.tf.value, "count": len(data), "rates": data})


async def indicators(request: web.Request) -> web.Response:
    """GET /indicators/{symbol}?tf=&name=&count=&<params>: values as MT5's built-in indicator shows."""
    given = query_dict(request)
    own = {k: v for k, v in given.items() if k in IndicatorQuery.model_fields}
    q = IndicatorQuery.model_validate(own)
    params = {k: v for k, v in given.items() if k not in own}
    ind = IndicatorRequest.from_query(q.name, params)
    trading = request.app[TRADING]
    wanted = request.match_info["symbol"]
    name = await _resolve(trading, wanted)
    bars = await _known(wanted, trading.rates_from_pos(name, q.tf.mt5, 0, bars_needed(ind, q.count)))
    result = compute(bars, ind, q.count)
    offset = trading.server_utc_offset
    times = np.asarray(result.times, dtype=np.int64)
    out = {
        "symbol": name,
        "tf": q.tf.value,
        "name": result.name.value,
        "params": result.params.model_dump(mode="json"),
        "times": [t + "Z" for t in iso_seconds(times - offset)],
        "times_server": iso_seconds(times),
        "values": result.values,
    }
    return ok(out)


_PATH_ERRORS = (400, 404, 503)
ENDPOINTS = (
    Endpoint("GET", "/symbols", symbols, "Symbols (optionally by group mask)", "market", SymbolOut, True,
             SymbolsQuery),
    Endpoint("GET", "/symbol/{name}", symbol, "One symbol with its tick", "market", SymbolDetailOut,
             errors=_PATH_ERRORS),
    Endpoint("GET", "/rates/{symbol}", rates, "The last bars", "market", RatesOut, query=RatesQuery,
             errors=_PATH_ERRORS),
    Endpoint("GET", "/rates/{symbol}/range", rates_range, "Bars in a time range", "market", RatesOut,
             query=RangeQuery, errors=_PATH_ERRORS),
    Endpoint("GET", "/indicators/{symbol}", indicators, "An indicator's values", "market", IndicatorOut,
             query=IndicatorQuery, errors=_PATH_ERRORS, open_query=True,
             description="Other query parameters are the indicator's own (period, method, "
             "applied_price, shift, ...); see docs/indicators.md."),
)  # fmt: skip
