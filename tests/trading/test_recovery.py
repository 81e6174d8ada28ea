"""Claims a crash left open are settled from the terminal's records at the next start, never resent.

Each test leaves the database and the terminal exactly as a crash at that point would: the claim taken with
its plan, and the legs sent (with the tags `execute` writes) or not, but never settled.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from mt5bridge.trading.models import CloseRequest, ModifyRequest, OpenRequest, Preview
from mt5bridge.trading.records import leg_tag
from mt5bridge.trading.recovery import ABANDONED, RECOVERED
from mt5bridge.trading.service import TradeRequestModel
from storage.models import ClaimState, Outcome
from storage.tables import request_ids
from tests.trading.conftest import ACTOR, Core
from tests.trading.test_service import BUY, open_

LATER = timedelta(seconds=5)


async def _crash_after(core: Core, rid: str, req: TradeRequestModel, legs_sent: int) -> Preview:
    """Claim `rid` for `req` as execute() does, send the first `legs_sent` legs, then "crash"."""
    preview = await core.service.preview(req)
    claim = await core.db.requests.begin(rid, "fp-" + rid, f"{ACTOR.platform}:{ACTOR.user_id}",
                                         plan=preview.model_dump(mode="json"))  # fmt: skip
    assert claim.state is ClaimState.NEW
    for index, leg in enumerate(preview.legs[:legs_sent]):
        sent = await core.client.order_send(leg.request, tag=leg_tag(rid, index))
        assert sent.retcode == 10009
    return preview


async def _settle(core: Core) -> int:
    return await core.service.settle_open_claims(created_before=datetime.now(UTC) + LATER)


async def _stored(core: Core, rid: str) -> dict[str, object] | None:
    claim = await core.db.requests.lookup(rid, "fp-" + rid, f"{ACTOR.platform}:{ACTOR.user_id}")
    return None if claim is None else (claim.result or {})


async def test_an_executed_open_is_recorded_as_recovered_and_audited(core: Core) -> None:
    await _crash_after(core, "r-open", OpenRequest(symbol="XAUUSD", side=BUY, volume=0.01), legs_sent=1)
    assert await _settle(core) == 1
    result = await _stored(core, "r-open")
    assert result is not None and result["ok"] is True and result["recovered"] is True
    [position] = core.sim.positions_get()
    assert result["outcomes"][0]["order"] == position.ticket  # type: ignore[index]
    [entry] = await core.db.audit.for_request("r-open")
    assert (entry.outcome, entry.error_code, entry.tickets) == (Outcome.OK, RECOVERED, [position.ticket])
    assert await _settle(core) == 0  # settled once
    assert len(core.sim.positions_get()) == 1  # and nothing was sent again


async def test_a_request_that_never_went_out_is_released_and_audited(core: Core) -> None:
    req = OpenRequest(symbol="XAUUSD", side=BUY, volume=0.01)
    await _crash_after(core, "r-none", req, legs_sent=0)
    assert await _settle(core) == 1
    assert await _stored(core, "r-none") is None
    [entry] = await core.db.audit.for_request("r-none")
    assert (entry.outcome, entry.error_code) == (Outcome.FAILED, ABANDONED)
    assert core.sim.positions_get() == ()


async def test_a_close_cut_between_legs_keeps_the_sent_leg_and_says_the_rest_was_not_sent(core: Core) -> None:
    first = await open_(core, "XAUUSD", BUY, 0.01)
    second = await open_(core, "XAUUSD", BUY, 0.01)
    await _crash_after(core, "r-close", CloseRequest(symbol="XAUUSD", selector="all"), legs_sent=1)
    assert await _settle(core) == 1
    result = await _stored(core, "r-close")
    assert result is not None and result["ok"] is False
    outcomes = result["outcomes"]
    assert [(o["ticket"], o["ok"], o["unknown"]) for o in outcomes] == [
        (first, True, False),
        (second, False, False),
    ]  # type: ignore[union-attr,index]
    assert [p.ticket for p in core.sim.positions_get()] == [second]  # the unsent leg stays unsent


async def test_a_modification_leaves_no_tagged_record_so_its_outcome_is_unknown(core: Core) -> None:
    ticket = await open_(core, "XAUUSD", BUY, 0.01)
    bid = core.sim.symbol_info_tick("XAUUSD.m").bid
    await _crash_after(core, "r-mod", ModifyRequest(ticket=ticket, sl=round(bid - 20, 2)), legs_sent=1)
    assert await _settle(core) == 1
    result = await _stored(core, "r-mod")
    assert result is not None and result["ok"] is False
    assert result["outcomes"][0]["unknown"] is True  # type: ignore[index]
    [entry] = await core.db.audit.for_request("r-mod")
    assert entry.outcome is Outcome.FAILED


async def test_a_claim_from_days_ago_is_searched_back_to_its_own_time(core: Core) -> None:
    await _crash_after(core, "r-old", OpenRequest(symbol="XAUUSD", side=BUY, volume=0.01), legs_sent=1)
    [position] = core.sim.positions_get()
    # The service stayed down for three days, and the position was closed meanwhile (only history has the
    # tagged deal now); the claim carries the moment it was taken.
    closed = await core.client.order_send(
        {"action": 1, "symbol": position.symbol, "volume": position.volume, "type": 1, "position": position.ticket,
         "type_filling": 1, "deviation": 50, "price": core.sim.symbol_info_tick(position.symbol).bid},
        tag="manual",
    )  # fmt: skip
    assert closed.retcode == 10009
    core.sim.advance(3 * 86400)
    deal_time = position.time
    async with core.db.connector.write() as conn:
        await conn.execute(
            sa.update(request_ids)
            .where(request_ids.c.request_id == "r-old")
            .values(created_at=datetime.fromtimestamp(deal_time, UTC))
        )
    assert await _settle(core) == 1
    result = await _stored(core, "r-old")
    assert result is not None and result["ok"] is True


async def test_a_replay_after_recovery_returns_the_recovered_result(core: Core) -> None:
    req = OpenRequest(symbol="XAUUSD", side=BUY, volume=0.01)
    preview = await core.service.preview(req)
    # The real fingerprint: claim through execute's own path, by crashing it after the send.
    from mt5bridge.trading.service import _fingerprint

    actor_key = f"{ACTOR.platform}:{ACTOR.user_id}"
    fingerprint = _fingerprint(preview.action, req)
    await core.db.requests.begin("r-replay", fingerprint, actor_key, plan=preview.model_dump(mode="json"))
    await core.client.order_send(preview.legs[0].request, tag=leg_tag("r-replay", 0))
    assert await _settle(core) == 1
    again = await core.service.execute(req, ACTOR, request_id="r-replay")
    assert (again.replayed, again.recovered, again.ok) == (True, True, True)
    assert len(core.sim.positions_get()) == 1
