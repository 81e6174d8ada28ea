"""The read routes that encode the terminal's structures (api/encoded.py) answer what the typed models do."""

from __future__ import annotations

from types import SimpleNamespace

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.clock import SERVER_CLOCK
from api.encoded import LastAnswers, deal_bytes, position_bytes, position_json
from api.jsonio import ok, ok_list
from api.keys import CLIENT, HEARTBEAT, TRADING
from api.schemas_out import (
    AccountOut,
    DealOut,
    DealsOut,
    PositionOut,
    SymbolDetailOut,
    SymbolOut,
    TickOut,
    WindowOut,
)
from mt5bridge.terminal import constants as C
from mt5bridge.terminal.enums import PositionSide, Reason, mt5_value
from mt5bridge.terminal.models import Position
from mt5bridge.terminal.structs import TradeDeal, TradePosition
from mt5bridge.trading.periods import Period
from tests.api.conftest import Api
from tests.api.rest_helpers import call, market, ok_data

EPOCHS = st.integers(0, 4_102_444_800)  # 1970..2100 on the server scale
PRICES = st.one_of(st.just(0.0), st.floats(1e-5, 1e6, allow_nan=False))


@given(
    ticket=st.integers(1, 2**63 - 1), side=st.sampled_from(list(PositionSide)),
    reason=st.sampled_from(list(Reason)), volume=st.floats(0.01, 1000), sl=PRICES, tp=PRICES,
    price=st.floats(1e-5, 1e6), profit=st.floats(-1e9, 1e9), swap=st.floats(-1e6, 1e6),
    magic=st.integers(0, 2**63 - 1), comment=st.text(max_size=31), symbol=st.text(min_size=1, max_size=31),
    opened=EPOCHS, updated=EPOCHS, offset=st.integers(-14 * 3600, 14 * 3600),
)  # fmt: skip
def test_the_fast_path_equals_the_typed_one(
    ticket: int, side: PositionSide, reason: Reason, volume: float, sl: float, tp: float, price: float,
    profit: float, swap: float, magic: int, comment: str, symbol: str, opened: int, updated: int, offset: int,
) -> None:  # fmt: skip
    raw = SimpleNamespace(
        ticket=ticket, time=opened, time_msc=opened * 1000, time_update=updated, time_update_msc=updated * 1000,
        type=mt5_value(side), magic=magic, identifier=ticket, reason=mt5_value(reason), volume=volume,
        price_open=price, sl=sl, tp=tp, price_current=price, swap=swap, profit=profit, symbol=symbol,
        comment=comment, external_id="",
    )  # fmt: skip
    if opened - offset < 0 or updated - offset < 0:
        return  # before 1970 UTC: not a time a terminal reports
    typed = PositionOut.build(Position.from_mt5(raw, offset)).model_dump(mode="json")
    fast = position_json(raw, offset)
    assert fast == typed and list(fast) == list(typed)


def test_an_unknown_type_is_refused_like_the_typed_path() -> None:
    raw = SimpleNamespace(type=9, reason=0)
    with pytest.raises(ValueError, match="unknown"):
        position_json(raw, 0)


async def test_the_route_is_unchanged_for_clients(api: Api) -> None:
    for magic in (7, 8, 7):
        market(api, "XAUUSD", C.ORDER_TYPE_BUY, 0.10, magic=magic)
    market(api, "EURUSD", C.ORDER_TYPE_SELL, 0.20, magic=7)
    rows = ok_data(*await call(api, "GET", "/positions"))
    assert [r["magic"] for r in rows] == [7, 8, 7, 7] and [r["type"] for r in rows][-1] == "sell"
    assert [r["ticket"] for r in rows] == sorted(r["ticket"] for r in rows)  # oldest first
    only = ok_data(*await call(api, "GET", "/positions?symbol=XAUUSD&magic=7"))
    assert len(only) == 2 and {r["symbol"] for r in only} == {"XAUUSD"}
    assert set(rows[0]) == set(PositionOut.model_fields)


def test_encoded_items_make_the_same_envelope_as_ok() -> None:
    rows = [
        TradePosition(1, 1764590000, 1764590000123, 1764590000, 1764590000123, 0, 7, 1, 0, 0.1, 1.1, 0.0, 1.2,
                      1.1001, -0.5, 12.34, "EURUSD", "grid #1", ""),
        TradePosition(2, 1764590100, 1764590100456, 1764590200, 1764590200456, 1, 8, 2, 3, 0.2, 2650.5, 2700.0,
                      0.0, 2650.1, 0.0, -3.0, "XAUUSD", "", ""),
    ]  # fmt: skip
    expected = ok([position_json(p, 7200) for p in rows]).body
    assert ok_list(b",".join([position_bytes(p, 7200) for p in rows])).body == expected
    assert ok_list(b"").body == ok([]).body
    assert position_bytes(rows[0], 7200) is position_bytes(rows[0], 7200)  # remembered by value


async def test_remembered_reads_answer_what_the_typed_path_builds(api: Api) -> None:
    """Account, symbols, a symbol and a month of deals: the cached bytes decode to the typed answers."""
    trading, client = api.app[TRADING], api.app[CLIENT]
    offset = client.server_utc_offset
    for magic in (0, 5):
        market(api, "XAUUSD", C.ORDER_TYPE_BUY, 0.10, magic=magic)
    for _ in range(2):  # the second time from the caches
        account = ok_data(*await call(api, "GET", "/account"))
        now = await api.app[SERVER_CLOCK].now(client)
        since = api.app[HEARTBEAT].connected_since
        assert account == AccountOut.build(await trading.account(), now, offset, since).model_dump(
            mode="json"
        )
        symbols = ok_data(*await call(api, "GET", "/symbols?group=*USD*"))
        typed = [SymbolOut.build(s, offset).model_dump(mode="json") for s in await trading.symbols("*USD*")]
        assert symbols == typed and len(symbols) > 5
        one = ok_data(*await call(api, "GET", "/symbol/gold"))  # an alias
        spec = await trading.symbol("gold")
        tick = await trading.tick(spec.name)
        expected = SymbolDetailOut(symbol=SymbolOut.build(spec, offset), tick=TickOut.build(tick))
        assert one == expected.model_dump(mode="json")
        deals = ok_data(*await call(api, "GET", "/history/deals?period=month"))
        window = await trading.window(Period.MONTH)
        found = await trading.deals(window)
        built = DealsOut(window=WindowOut.build(window, offset), deals=[DealOut.build(d) for d in found])
        assert deals == built.model_dump(mode="json") and len(deals["deals"]) >= 3
    assert list(deals) == ["window", "deals"]


def test_a_deal_is_encoded_again_when_its_value_differs_under_the_same_ticket() -> None:
    """Kept by ticket but checked by value: another terminal (or a corrected deal) never gets old bytes."""
    fields = dict.fromkeys(TradeDeal._fields, 0)
    fields.update(ticket=77, order=5, time=1764590000, time_msc=1764590000123, type=0, entry=0, position_id=5,
                  volume=0.1, price=1.1, profit=0.0, symbol="EURUSD", comment="", external_id="")  # fmt: skip
    first = TradeDeal(**fields)
    again = TradeDeal(**fields)  # equal, another object
    other = first._replace(profit=12.5)
    assert deal_bytes(first, 0) is deal_bytes(again, 0)
    assert orjson.loads(deal_bytes(other, 0))["profit"] == 12.5
    assert orjson.loads(deal_bytes(first, 3600))["time"] != orjson.loads(deal_bytes(first, 0))["time"]
    with pytest.raises(ValueError, match="unknown DealType"):
        deal_bytes(first._replace(ticket=78, type=99), 0)  # a type MT5 never had: the typed path refuses it


def test_a_remembered_list_is_rebuilt_when_any_row_differs() -> None:
    built: list[int] = []

    def item(row: tuple[int, float]) -> bytes:
        built.append(row[0])
        return orjson.dumps({"n": row[0], "profit": row[1]})

    last = LastAnswers(size=2)
    rows = [(1, 0.5), (2, -1.0)]
    first = last.joined("q", rows, item)
    assert last.joined("q", list(rows), item) is first and built == [1, 2]  # equal rows: no rebuild
    moved = last.joined("q", [(1, 0.5), (2, -1.5)], item)
    assert orjson.loads(b"[" + moved + b"]")[1]["profit"] == -1.5 and built == [1, 2, 1, 2]
    last.joined("other", rows, item)
    last.joined("third", rows, item)  # the oldest query ("q") leaves: at most `size` kept
    last.joined("q", [(1, 0.5), (2, -1.5)], item)
    assert built[-2:] == [1, 2] and len(built) == 10
