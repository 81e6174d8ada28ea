"""The error table (`mt5bridge.remote.errors.error_of`): every refusal of the bridge's core, sent through
the bridge's own error edge (api/envelope.py), comes back as the same exception type with the same code,
message, kind and details; then the same on a live bridge, through `RemoteTrading`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.envelope import error_response
from mt5bridge.common.errors import ErrorKind, MT5BotError
from mt5bridge.remote import BridgeRefusal, BridgeUnauthorized, RemoteTrading
from mt5bridge.remote.errors import Failure, error_of
from mt5bridge.terminal import constants as C
from mt5bridge.terminal.errors import (
    CallTimeout,
    OrderOutcomeUnknown,
    TerminalFailure,
    TerminalUnavailable,
    TradeRejected,
)
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.errors import (
    Forbidden,
    IdempotencyConflict,
    InvalidOrder,
    PreviewChanged,
    RequestInProgress,
    RiskRefused,
    UnknownSymbol,
)
from mt5bridge.trading.indicators.models import IndicatorError
from mt5bridge.trading.models import Action, Actor, CloseRequest, OpenRequest, Preview
from mt5bridge.trading.periods import PeriodError
from mt5bridge.trading.refusals import Refusal, ReplayedRefusal
from mt5bridge.trading.selectors import AmbiguousSelection, SelectionCode, SelectionError
from tests.api.conftest import READ_ONLY_TOKEN, Api, start_api
from tests.api.rest_helpers import market
from tests.remote.conftest import ADMIN, settings_of

PREVIEW = Preview(action=Action.OPEN, symbol="XAUUSD", volume=0.01, price=2000.2, currency="USD", legs=[])

# (what the bridge's core raises, the type the client raises for it)
SAME_TYPE: list[MT5BotError] = [
    InvalidOrder("price_required", "a pending order needs a price"),
    UnknownSymbol("NOPE"),
    RiskRefused("max_order_volume", "2 lots is over the limit of 1"),
    IdempotencyConflict("key-1"),
    RequestInProgress("key-1"),
    Forbidden("viewer", "open"),
    PreviewChanged(PREVIEW, "price_moved"),
    PreviewChanged(PREVIEW, "plan_changed"),
    SelectionError(SelectionCode.NO_MATCH, "no position matches"),
    SelectionError(SelectionCode.TICKET_NOT_FOUND, "no position 7"),
    SelectionError(SelectionCode.VOLUME_EXCEEDS, "0.5 lots is more than the 0.1 held"),
    PeriodError("the range ends before it starts"),
    TradeRejected("no_money", "No money", mt5_code=10019, mt5_name="TRADE_RETCODE_NO_MONEY"),
    TradeRejected("market_closed", "Market closed", mt5_code=10018, mt5_name="TRADE_RETCODE_MARKET_CLOSED"),
    TerminalUnavailable("terminal_disconnected", "terminal not connected; nothing sent"),
    CallTimeout("call_timeout", "the terminal did not answer within 10 s"),
    TerminalFailure("auth_failed", "authorization failed", mt5_code=-6, mt5_name="RES_E_AUTH_FAILED"),
    OrderOutcomeUnknown("mb:1234abcd-0", "no answer and nothing found"),
]
# Refusals of the bridge's other parts, or the edge's own: same code, message, kind, details.
OTHERS: list[tuple[MT5BotError, type[MT5BotError]]] = [
    (SelectionError(SelectionCode.INVALID_VOLUME, "0.015 is off the step"), InvalidOrder),
    (IndicatorError("period must be at least 1", code="invalid_parameter"), InvalidOrder),
    (
        ReplayedRefusal(
            Refusal(code="risk_paused", message="paused", kind=ErrorKind.REJECTED, details={"rule": "paused"})
        ),
        RiskRefused,
    ),
    (ReplayedRefusal(Refusal(code="something_new", message="?", kind=ErrorKind.CONFLICT)), BridgeRefusal),
]


def _over_the_wire(exc: MT5BotError) -> MT5BotError:
    """`exc` as the bridge's edge answers it, and back through the client's table."""
    response = error_response(exc)
    assert response is not None and response.body is not None
    body = json.loads(bytes(response.body))  # type: ignore[arg-type]
    return error_of("main", Failure.model_validate({**body, "status": response.status}))


def _same(got: MT5BotError, sent: MT5BotError) -> None:
    assert (got.code, got.message, got.kind) == (sent.code, sent.message, sent.kind)
    assert got.details() == sent.details()


@pytest.mark.parametrize("sent", SAME_TYPE, ids=lambda e: f"{type(e).__name__}-{e.code}")
def test_each_refusal_of_the_core_comes_back_as_itself(sent: MT5BotError) -> None:
    got = _over_the_wire(sent)
    assert type(got) is type(sent)
    _same(got, sent)
    if isinstance(sent, PreviewChanged):
        assert isinstance(got, PreviewChanged) and got.fresh == sent.fresh and got.reason == sent.reason
    if isinstance(sent, RiskRefused):
        assert isinstance(got, RiskRefused) and got.rule == sent.rule
    if isinstance(sent, TradeRejected):
        assert isinstance(got, TradeRejected) and (got.mt5_code, got.mt5_name) == (
            sent.mt5_code,
            sent.mt5_name,
        )


@pytest.mark.parametrize(
    ("sent", "kind_of"), OTHERS, ids=lambda v: getattr(v, "code", getattr(v, "__name__", ""))
)
def test_other_refusals_keep_code_message_kind_and_details(sent: MT5BotError, kind_of: type) -> None:
    got = _over_the_wire(sent)
    assert isinstance(got, kind_of)
    _same(got, sent)


def test_the_edges_own_answers_map_by_status() -> None:
    def failure(status: int, code: str) -> MT5BotError:
        return error_of("main", Failure(status=status, code=code, error="m"))

    assert isinstance(failure(401, "unauthorized"), BridgeUnauthorized)
    assert isinstance(failure(400, "invalid_request"), InvalidOrder)
    assert failure(404, "not_found").kind is ErrorKind.INVALID
    assert failure(429, "rate_limited").kind is ErrorKind.UNAVAILABLE
    assert failure(500, "internal_error").kind is ErrorKind.FAILED
    assert isinstance(failure(503, "http_503"), TerminalUnavailable)


# --- live -------------------------------------------------------------------------------------------
async def test_refusals_of_a_live_bridge(bridge: Api, remote: RemoteTrading) -> None:
    with pytest.raises(UnknownSymbol):
        await remote.symbol("NOSUCH")  # a 404 on the path
    with pytest.raises(UnknownSymbol):
        await remote.positions(symbol="NOSUCH")  # a 400 in the query
    with pytest.raises(TradeRejected) as money:  # order_check: far more than the margin
        await remote.preview(OpenRequest(symbol="XAUUSD", side=PositionSide.BUY, volume=9))
    assert money.value.code == "no_money" and money.value.mt5_code == 10019
    with pytest.raises(InvalidOrder) as step:
        await remote.preview(OpenRequest(symbol="XAUUSD", side=PositionSide.BUY, volume=0.015))
    assert step.value.code == "invalid_volume"
    with pytest.raises(SelectionError) as none:
        await remote.preview(CloseRequest(symbol="XAUUSD"))
    assert none.value.code == "no_match"
    first = market(bridge, "XAUUSD", C.ORDER_TYPE_BUY, 0.01)
    second = market(bridge, "XAUUSD", C.ORDER_TYPE_BUY, 0.02)
    with pytest.raises(AmbiguousSelection) as ambiguous:  # as the core: the candidates are positions
        await remote.execute(CloseRequest(symbol="XAUUSD"), ADMIN)
    assert [p.ticket for p in ambiguous.value.candidates] == [first, second]
    assert ambiguous.value.details() == {"candidates": [first, second]}
    viewer = Actor(platform="front", user_id="v", role="viewer")
    with pytest.raises(Forbidden):  # refused here, as the core refuses before anything
        await remote.execute(CloseRequest(ticket=first), viewer)
    assert bridge.sim.positions_total() == 2


async def test_a_read_only_token_may_preview_but_not_trade(bridge: Api) -> None:
    remote = RemoteTrading(settings_of(bridge, token=READ_ONLY_TOKEN))
    try:
        await remote.preview(OpenRequest(symbol="XAUUSD", side=PositionSide.BUY, volume=0.01))
        with pytest.raises(Forbidden) as refused:
            await remote.execute(OpenRequest(symbol="XAUUSD", side=PositionSide.BUY, volume=0.01), ADMIN)
        assert refused.value.code == "forbidden_role" and refused.value.kind is ErrorKind.FORBIDDEN
        assert bridge.sim.positions_total() == 0
    finally:
        await remote.close()


async def test_a_wrong_token_is_unauthorized(bridge: Api) -> None:
    remote = RemoteTrading(settings_of(bridge, token="not-the-token-0123456789"))
    try:
        with pytest.raises(BridgeUnauthorized) as refused:
            await remote.account()
        assert refused.value.kind is ErrorKind.FAILED and refused.value.code == "bridge_unauthorized"
    finally:
        await remote.close()


async def test_a_risk_rule_of_the_bridge_is_risk_refused(tmp_path: Path) -> None:
    bridge = await start_api(tmp_path / "risky", risk={"max_order_volume": 1.0})
    remote = RemoteTrading(settings_of(bridge))
    try:
        with pytest.raises(RiskRefused) as refused:
            await remote.execute(OpenRequest(symbol="EURUSD", side=PositionSide.BUY, volume=2.0), ADMIN,
                                 request_id="big")  # fmt: skip
        assert refused.value.rule == "max_order_volume" and refused.value.code == "risk_max_order_volume"
        with pytest.raises(RiskRefused):  # the refusal is the id's answer: replayed the same
            await remote.execute(OpenRequest(symbol="EURUSD", side=PositionSide.BUY, volume=2.0), ADMIN,
                                 request_id="big")  # fmt: skip
        assert bridge.sim.positions_total() == 0
    finally:
        await remote.close()
        await bridge.runner.cleanup()
