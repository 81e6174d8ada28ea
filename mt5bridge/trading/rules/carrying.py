"""Carrying out one round's merged decisions, and what each answer does to its rule (docs/rules.md, "Runner").

A decision that went through is settled and reported on the bus (`RuleAction`); a definite refusal fails
the rule (paused at MAX_FAILURES, an equity guard never) and starts its back-off; nothing sent (terminal
unreachable, the request id busy) only backs off; a lost answer the core could not find is neither
settled nor failed (docs/rules.md, "Lost answers"). A rule that did not get through sends nothing more
in that round: its later stages wait for the earlier one.
"""

from __future__ import annotations

import asyncio
import logging

from mt5bridge.trading.events.bus import EventBus
from mt5bridge.trading.events.models import RuleActionKind
from mt5bridge.trading.rules import reporting
from mt5bridge.trading.rules.backoff import Backoff
from mt5bridge.trading.rules.carry import UNKNOWN, Answer, Sent, Verdict, carry
from mt5bridge.trading.rules.decisions import (
    CloseAll,
    CloseVolume,
    Decision,
    EquityWarning,
    Notice,
    PauseTrading,
    SetStopLoss,
)
from mt5bridge.trading.rules.models import Rule, RuleState
from mt5bridge.trading.rules.pausing import KeptPause
from mt5bridge.trading.rules.settle import MAX_FAILURES, fail, settle
from mt5bridge.trading.rules.snapshot import SnapshotSource
from mt5bridge.trading.rules.storing import Keeper
from mt5bridge.trading.service import TradingService

log = logging.getLogger(__name__)

SL_AT_ONCE = 16  # SL changes in flight at once
# MT5 refused a stop as inside the stops or freeze level: the symbol's levels are read again.
_LEVEL_RETCODES = frozenset({"TRADE_RETCODE_INVALID_STOPS", "TRADE_RETCODE_FROZEN", "10016", "10029"})


class Carrier:
    """Sends a round's decisions through the trading core, in order, and settles or fails their rules."""

    def __init__(
        self, trading: TradingService, bus: EventBus, keeper: Keeper, backoff: Backoff, kept_pause: KeptPause,
        snapshots: SnapshotSource,
    ) -> None:  # fmt: skip
        self.trading = trading
        self.bus = bus
        self.keeper = keeper
        self.backoff = backoff
        self.kept_pause = kept_pause
        self.snapshots = snapshots

    async def carry_out(self, decisions: list[Decision], rules: dict[int, Rule]) -> int:
        """The merged decisions: warnings, pauses and closes one after the other, in order; then the SL
        changes (one per position after the merge) together, their answers judged in order. A rule whose
        action failed or went unanswered sends nothing more this round (its later stages wait for the
        earlier one). `rules`: the deciding rules as stored before sending. Returns how many decisions
        went to the trading core."""
        blocked: set[int] = set()
        touched: dict[int, Rule] = {}
        stops: list[SetStopLoss] = []
        sent = 0
        for d in decisions:
            rule = touched.get(d.rule_id) or rules.get(d.rule_id)
            if rule is None or d.rule_id in blocked:
                continue
            if isinstance(d, SetStopLoss):
                stops.append(d)
                continue
            if isinstance(d, CloseVolume | CloseAll):
                answer = await carry(self.trading, rule, d)
                sent += 1
                touched[rule.id] = self._judged(rule, d, answer)
                if answer.verdict is not Verdict.DONE:
                    blocked.add(rule.id)
            else:
                touched[rule.id] = await self._local(rule, d)
        stops = [d for d in stops if d.rule_id not in blocked]
        answers = await self._modify(stops, touched, rules)
        for d, answer in zip(stops, answers, strict=True):
            rule = touched.get(d.rule_id) or rules[d.rule_id]
            touched[rule.id] = self._judged(rule, d, answer)
        await self.keeper.after_sending(touched.values())
        return sent + len(stops)

    async def _modify(
        self, stops: list[SetStopLoss], touched: dict[int, Rule], rules: dict[int, Rule]
    ) -> list[Answer]:
        """Send the SL changes together, at most `SL_AT_ONCE` in flight: each is another position, and
        the trading core's database writes are shared (SQLite's group commit) when they overlap."""
        gate = asyncio.Semaphore(SL_AT_ONCE)

        async def one(d: SetStopLoss) -> Answer:
            async with gate:
                return await carry(self.trading, touched.get(d.rule_id) or rules[d.rule_id], d)

        return list(await asyncio.gather(*(one(d) for d in stops)))

    async def _local(self, rule: Rule, d: EquityWarning | Notice | PauseTrading) -> Rule:
        """A warning or notice goes out as an event; a pause pauses the trading core (and is kept)."""
        if isinstance(d, PauseTrading):
            await self.kept_pause.pause(d.rule_id)
            self.bus.publish(reporting.trading_paused(d))
        elif isinstance(d, EquityWarning):
            self.bus.publish(reporting.warned(d))
        else:
            self.bus.publish(reporting.noticed(d))
        return settle(rule, d)

    def _judged(self, rule: Rule, d: Sent, answer: Answer) -> Rule:
        """The rule after the trading core's answer (docs/rules.md, "Runner": failures and lost answers)."""
        if answer.verdict is Verdict.DONE:
            self.backoff.succeeded(rule.id)
            self.bus.publish(
                reporting.sl_moved(d, answer) if isinstance(d, SetStopLoss) else reporting.closed(d, answer)
            )
            return settle(rule, d)
        wait = self.backoff.failed(rule.id) if answer.verdict is not Verdict.UNCLEAR else 0.0
        if answer.verdict is Verdict.NOT_SENT:
            log.info("rules: rule %d: nothing sent (%s); again in %.0f s", rule.id, answer.error, wait)
            return rule  # nothing was decided: the same request (a close: the same id) goes again
        if answer.verdict is Verdict.UNCLEAR:
            return self._unclear(rule, d, answer)
        if answer.error in _LEVEL_RETCODES:
            self.snapshots.forget(getattr(d, "symbol", None))
        failed = fail(rule, answer.error or "failed")
        then = "paused" if failed.state is RuleState.PAUSED else f"again in {wait:.0f} s"
        log.warning("rules: rule %d: %s failed (%s), %d in a row; %s", rule.id, d.kind, answer.error,
                    failed.failures, then)  # fmt: skip
        if failed.state is RuleState.PAUSED:
            error = failed.last_error or ""
            self.bus.publish(reporting.stopped(failed, RuleActionKind.RULE_PAUSED, error, answer.request_id))
        return failed

    def _unclear(self, rule: Rule, d: Sent, answer: Answer) -> Rule:
        """A lost answer the core could not find: neither settled nor failed. An SL is decided again from
        the terminal's SL; a close of the scope is safe to decide again after MAX_FAILURES tries; a stage is
        not (it could close twice): the rule is paused, its close kept pending for a human to check."""
        tries = self.backoff.unclear(rule.id)
        log.warning("rules: rule %d: outcome of %s unknown (try %d)", rule.id, answer.request_id, tries)
        if tries < MAX_FAILURES or isinstance(d, SetStopLoss):
            return rule
        if isinstance(d, CloseAll):
            return fail(rule, UNKNOWN)
        update = {"state": RuleState.PAUSED, "paused_reason": UNKNOWN, "last_error": UNKNOWN}
        paused = rule.model_copy(update=update)
        self.bus.publish(reporting.stopped(paused, RuleActionKind.UNCLEAR, UNKNOWN, answer.request_id))
        return paused
