"""A trade on all accounts ("所有账户平仓黄金", "close gold on all accounts"): previewed per account and
confirmed twice.

The first confirmation shows each account's part (what it would close or open, and the accounts where
nothing happens and why); the second, extra one lists the accounts it will trade on. Only then is each
account's part sent, each under its own request id derived from the first confirmation's id, so a retry
of either tap or a lost answer never trades twice. The command must be complete: no questions are asked
across accounts (which position? on which account?).
"""

from __future__ import annotations

import asyncio

from bot.core.auth import Permission, Principal
from bot.core.confirm import AccountPart, Confirmation, ConfirmState, TradeRequest
from bot.core.context import Deps
from bot.core.questions import next_need
from bot.core.render import Rendered, joined
from bot.core.step import Note, Step
from bot.core.trade import (
    TradeFlow,
    Unsupported,
    denied_role,
    missing_fields,
    to_request,
    unsupported_step,
)
from mt5bridge.common.errors import ErrorKind, MT5BotError
from mt5bridge.remote.directory import AccountEntry
from mt5bridge.remote.errors import BridgeUnreachable
from mt5bridge.remote.resolve import execute_resolving
from mt5bridge.trading.models import Actor
from nlu import Command, Intent
from storage.models import Outcome

PART_TIMEOUT_SEC = 10.0  # a preview per account; a bridge slower than that is a part that does not trade


class SymbolNotAllowed(MT5BotError):
    """The account's part would touch a symbol the user may not trade (it is left out)."""

    kind = ErrorKind.FORBIDDEN
    code = "symbol_not_allowed"

    def __init__(self, symbol: str) -> None:
        super().__init__(f"{symbol} is not on your list of symbols")


class AllAccountsTrade:
    """The flow of a trading command whose account is `*`."""

    def __init__(self, deps: Deps, flow: TradeFlow) -> None:
        self.d = deps
        self.flow = flow

    async def start(self, p: Principal, cmd: Command) -> Step:
        """Preview the trade on each of the user's accounts and offer the first confirmation."""
        if not p.may(Permission.TRADE):
            return denied_role(self.d, p, cmd)
        if missing_fields(cmd) or next_need(cmd) is not None or cmd.intent is Intent.LOCK:
            return Step(
                [self.d.reply(p, "accounts", "all_needs_detail")],
                [Note(p, "trade", Outcome.REFUSED, command=cmd, error_code="all_accounts_incomplete")],
            )
        try:
            request = to_request(cmd)
        except Unsupported as unsupported:
            return unsupported_step(self.d, p, cmd, unsupported)
        mine = self.d.accounts.mine(p.entry)
        parts = list(await asyncio.gather(*(self._part(p, cmd, request, e) for e in mine)))
        if not any(part.preview for part in parts):
            shown = [self.d.render(p, "accounts", "all_nothing"), *self._skipped(p, parts)]
            return Step(
                [joined(shown).reply()],
                [Note(p, "preview", Outcome.REFUSED, command=cmd, error_code="nothing_on_any_account")],
            )
        conf = self.d.confirmations.create(p.owner, p.role, cmd, p.raw, request, None, parts=parts)
        for part in parts:
            part.request_id = f"{conf.id}.{part.account}"
        ready = [part for part in parts if part.preview is not None]
        sections = [
            self.d.render(p, "accounts", "all_preview", count=len(ready), skipped=len(parts) - len(ready))
        ]
        ttl = self.d.settings.chat.confirm_ttl_sec
        for part in ready:
            assert part.preview is not None  # noqa: S101 - filtered above
            digits = await self.d.digits({leg.symbol for leg in part.preview.legs}, part.command)
            sections.append(
                self.d.render(p, "accounts", "heading", name=part.shown).then(
                    self.d.render(p, "trade", "preview", p=part.preview, ttl=ttl, digits=digits)
                )
            )
        sections += self._skipped(p, parts)
        buttons = self.flow.confirm_buttons(p, conf.id)
        notes = [
            Note(p, "preview", Outcome.PENDING, command=part.command,
                 preview=part.preview.model_dump(mode="json"), confirmation=part.request_id)
            for part in ready if part.preview is not None
        ]  # fmt: skip
        return Step([joined(sections).reply(buttons, confirmation_id=conf.id)], notes)

    async def _part(
        self, p: Principal, cmd: Command, request: TradeRequest, entry: AccountEntry
    ) -> AccountPart:
        """One account's preview, or why it does not trade (refused, nothing there, not answering)."""
        sub = cmd.model_copy(update={"account": entry.name})
        part = AccountPart(entry.name, entry.shown, sub, None)
        if cmd.symbol and not await self.flow.symbols_ok(p, {cmd.symbol}, sub):
            part.skipped = SymbolNotAllowed(cmd.symbol)
            return part
        try:
            preview = await asyncio.wait_for(entry.port.preview(request), PART_TIMEOUT_SEC)
        except TimeoutError:
            part.skipped = BridgeUnreachable(entry.name, f"no preview within {PART_TIMEOUT_SEC:g} s")
            return part
        except MT5BotError as refused:
            part.skipped = refused
            return part
        outside = await self.flow.outside_symbol(p, preview, sub)
        if outside is not None:
            part.skipped = SymbolNotAllowed(outside)
            return part
        part.preview = preview
        return part

    def _skipped(self, p: Principal, parts: list[AccountPart]) -> list[Rendered]:
        rendered = []
        for part in parts:
            if part.skipped is not None:
                heading = self.d.render(p, "accounts", "heading", name=part.shown)
                rendered.append(heading.then(self.d.error_text(p, part.skipped)))
        return rendered

    async def confirmed(self, p: Principal, conf: Confirmation) -> Step:
        """A tap on "confirm": the first asks the extra confirmation, the second trades on each account."""
        assert conf.parts is not None  # noqa: S101 - the caller checked
        assert conf.request is not None  # noqa: S101
        ready = [part for part in conf.parts if part.preview is not None]
        if conf.stage == 1:
            names = [part.shown for part in ready]
            extra = self.d.confirmations.create(
                p.owner, p.role, conf.command, conf.raw, conf.request, None, parts=conf.parts, stage=2
            )
            reply = self.d.render(p, "accounts", "all_confirm", names=names).reply(
                self.flow.confirm_buttons(p, extra.id), edit=True, confirmation_id=extra.id
            )
            self.d.confirmations.finish(conf, ConfirmState.DONE, reply)
            asked = Note(p, "confirm", Outcome.PENDING, command=conf.command, confirmation=extra.id)
            return Step([reply], [asked])
        actor = Actor(platform=p.platform, user_id=p.user_id, chat_id=p.chat_id, role=p.role, raw_input=p.raw)
        done = await asyncio.gather(*(self._send(p, conf.request, part, actor) for part in ready))
        sections = [section for section, _ in done]
        reply = joined(sections).reply(edit=True)
        self.d.confirmations.finish(conf, ConfirmState.DONE, reply)
        return Step([reply], [note for _, note in done])

    async def _send(
        self, p: Principal, request: TradeRequest, part: AccountPart, actor: Actor
    ) -> tuple[Rendered, Note]:
        """One account's part under its own request id; its result or its refusal, as a section."""
        heading = self.d.render(p, "accounts", "heading", name=part.shown)
        port = self.d.accounts.entry(part.command).port
        try:
            result = await execute_resolving(
                port, request, actor, request_id=part.request_id, expected=part.preview
            )
        except MT5BotError as refused:
            note = Note(p, "confirm", Outcome.REFUSED, command=part.command, confirmation=part.request_id,
                        error_code=str(refused.code))  # fmt: skip
            return heading.then(self.d.error_text(p, refused)), note
        digits = await self.d.digits({o.symbol for o in result.outcomes}, part.command)
        outcome = Outcome.OK if result.ok else Outcome.FAILED
        note = Note(p, "confirm", outcome, command=part.command, confirmation=part.request_id)
        return heading.then(self.d.render(p, "trade", "result", r=result, digits=digits)), note
