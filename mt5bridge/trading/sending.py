"""Step 8 of an action: send each leg of a confirmed plan once and say what became of it.

Kept apart from the service, which decides whether and what to send; this module only sends. A lost
answer is settled by the client from the terminal's history; an outcome that stays unclear stops the
remaining legs rather than acting on a guess. Nothing is ever sent twice.
"""

from __future__ import annotations

from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.errors import MT5Error, OrderOutcomeUnknown, TradeRejected
from mt5bridge.terminal.models import TradeResult
from mt5bridge.trading.models import Action, ActionResult, Leg, LegOutcome, Preview
from mt5bridge.trading.records import leg_tag


async def send_legs(client: MT5Client, request_id: str, action: Action, preview: Preview) -> ActionResult:
    """Send the preview's legs in order, each tagged `mb:<leg_tag>`; one outcome per leg sent."""
    outcomes = []
    for index, leg in enumerate(preview.legs):
        try:
            sent = await client.order_send(leg.request, tag=leg_tag(request_id, index))
        except OrderOutcomeUnknown as unknown:
            outcomes.append(
                LegOutcome(ticket=leg.ticket, symbol=leg.symbol, ok=False, unknown=True, message=str(unknown))
            )
            break  # the terminal's state is unclear: stop here rather than act on a guess
        except (TradeRejected, MT5Error) as rejected:
            outcomes.append(
                LegOutcome(
                    ticket=leg.ticket,
                    symbol=leg.symbol,
                    ok=False,
                    retcode=rejected.mt5_code,
                    retcode_name=rejected.mt5_name,
                    message=rejected.message,
                )
            )
            continue
        outcomes.append(done_outcome(leg, sent))
    ok = bool(outcomes) and all(o.ok for o in outcomes) and len(outcomes) == len(preview.legs)
    return ActionResult(request_id=request_id, action=action, ok=ok, preview=preview, outcomes=outcomes)


def done_outcome(leg: Leg, result: TradeResult) -> LegOutcome:
    """A leg that went through: the terminal's answer, or the record a lost answer was settled from."""
    return LegOutcome(
        ticket=leg.ticket, symbol=leg.symbol, ok=True, retcode=result.retcode,
        retcode_name=result.retcode_name, message=result.comment, order=result.order, deal=result.deal,
        volume=result.volume, price=result.price,
    )  # fmt: skip
