"""The trading flow: command -> (questions, one at a time) -> preview -> confirmation -> execute -> result.

Nothing executes without a claimed confirmation unless the user's mode is `never`. At the tap the
trading core takes the preview once more (`execute(expected=...)`): a price that moved beyond the
order's deviation, or positions that changed, raise `PreviewChanged`, and its fresh preview is offered
as a new confirmation instead of an execution.
"""

from __future__ import annotations

from pydantic import ValidationError

from bot.core.auth import Permission, Principal, symbol_allowed
from bot.core.confirm import Confirmation, ConfirmState, TradeRequest, Verdict, new_id
from bot.core.context import Deps
from bot.core.dialog import Press, Question, confirm_action, typed_choice
from bot.core.questions import Questions, asked_fields, complete, next_need
from bot.core.step import Note, Step
from bot.messages import Button
from bot.settings import ConfirmMode
from mt5bridge.common.errors import MT5BotError
from mt5bridge.remote.resolve import execute_resolving
from mt5bridge.terminal.errors import MT5Error
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.errors import PreviewChanged, UnknownSymbol
from mt5bridge.trading.models import (
    Actor,
    CancelRequest,
    CloseRequest,
    ModifyRequest,
    OpenRequest,
    OrderKind,
    Preview,
)
from mt5bridge.trading.selectors import AmbiguousSelection, CloseFilter, select_positions
from mt5bridge.trading.selectors import Selector as CoreSelector
from nlu import Command, Intent, Need, Selector
from storage.models import Outcome


class Unsupported(Exception):
    """The command cannot be turned into a request that does exactly what was said."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def missing_fields(cmd: Command) -> list[str]:
    """What the user must still say (besides a side or a position, which are asked with buttons)."""
    match cmd.intent:
        case Intent.OPEN:
            return [name for name in ("symbol", "volume") if getattr(cmd, name) is None]
        case Intent.MODIFY:
            return ["levels"] if cmd.sl is None and cmd.tp is None and cmd.price is None else []
        case Intent.CANCEL:
            return [] if cmd.ticket or cmd.symbol or cmd.selector is Selector.ALL else ["target"]
    return []


def to_request(cmd: Command) -> TradeRequest:
    """The trading core's request for a complete trading command."""
    selector = CoreSelector(cmd.selector) if cmd.selector else None
    side = PositionSide(cmd.side) if cmd.side else None
    match cmd.intent:
        case Intent.OPEN:
            if side is None or cmd.symbol is None or cmd.volume is None:
                raise Unsupported("incomplete")
            kind = OrderKind(cmd.order_type) if cmd.order_type else None
            if kind is OrderKind.MARKET and cmd.price is not None:
                raise Unsupported("market_with_price")
            kind = kind or (OrderKind.PENDING if cmd.price is not None else OrderKind.MARKET)
            return OpenRequest(
                symbol=cmd.symbol, side=side, volume=cmd.volume, order_type=kind, price=cmd.price,
                sl=cmd.sl, tp=cmd.tp, magic=cmd.magic or 0,
            )  # fmt: skip
        case Intent.CLOSE:
            if cmd.volume is not None and cmd.fraction is not None:
                raise Unsupported("volume_and_fraction")
            return CloseRequest(
                ticket=cmd.ticket, symbol=cmd.symbol, side=side, magic=cmd.magic, selector=selector,
                volume=cmd.volume, fraction=cmd.fraction,
            )  # fmt: skip
        case Intent.MODIFY:
            return ModifyRequest(
                ticket=cmd.ticket, symbol=cmd.symbol, side=side, magic=cmd.magic, selector=selector,
                sl=cmd.sl, tp=cmd.tp, price=cmd.price,
            )  # fmt: skip
        case Intent.CANCEL:
            # side, kind (limit/stop) and magic narrow the cancel; a selector other than "all" cannot
            kind = OrderKind(cmd.order_type) if cmd.order_type else None
            if selector not in (None, CoreSelector.ALL) or kind in (OrderKind.MARKET, OrderKind.PENDING):
                raise Unsupported("cancel_filter")
            everything = cmd.ticket is None and cmd.symbol is None
            return CancelRequest(
                ticket=cmd.ticket, symbol=cmd.symbol, all=everything, side=side, order_type=kind,
                magic=cmd.magic,
            )  # fmt: skip
    raise Unsupported("not_trading")


class TradeFlow:
    """Trading commands from chat, through questions and confirmations, to the trading core."""

    def __init__(self, deps: Deps) -> None:
        self.d = deps
        self._allowed: dict[tuple[str, ...], set[str]] = {}
        self.questions = Questions(deps, self.symbols_ok)

    async def start(self, p: Principal, cmd: Command, *, edit: bool = False) -> Step:
        """A trading command: refuse, ask what is missing (one thing at a time), or offer a confirmation."""
        if not p.may(Permission.TRADE):  # before any question: a viewer is never asked anything
            return denied_role(self.d, p, cmd)
        if cmd.symbol and not await self.symbols_ok(p, {cmd.symbol}, cmd):
            return self._deny_symbol(p, cmd, cmd.symbol)
        missing = [name for name in missing_fields(cmd) if name not in asked_fields(cmd)]
        if missing:
            return Step([self.d.reply(p, "trade", "incomplete", intent=cmd.intent.value, missing=missing)])
        need = next_need(cmd)
        if need is not None:
            return await self.questions.ask(p, cmd, need, edit=edit)
        if cmd.intent is Intent.LOCK:
            return await self._lock(p, cmd, edit=edit)
        if await self._hedged_share(cmd):  # "平一半黄金" with buys and sells: half of which side?
            return await self.questions.ask(p, cmd, Need.SIDE, edit=edit)
        try:
            request = to_request(cmd)
        except Unsupported as unsupported:
            return unsupported_step(self.d, p, cmd, unsupported)
        return await self.propose(p, cmd, request, edit=edit)

    async def _hedged_share(self, cmd: Command) -> bool:
        """A share of a holding, no side or ticket named, and the holding has both buys and sells."""
        if cmd.intent is not Intent.CLOSE or cmd.fraction is None or cmd.side or cmd.ticket:
            return False
        held = await self.d.port(cmd).positions(symbol=cmd.symbol, magic=cmd.magic)
        return len({pos.side for pos in held}) > 1

    async def propose(self, p: Principal, cmd: Command, request: TradeRequest, *, edit: bool = False) -> Step:
        """Preview the request and offer it for confirmation (or run it at once in `never` mode)."""
        try:
            preview = await self.d.port(cmd).preview(request)
        except AmbiguousSelection as ambiguous:
            return await self.questions.ticket(p, cmd, ambiguous.candidates, ambiguous=True, edit=edit)
        except MT5BotError as refused:
            return Step(
                [self.d.error(p, refused, edit=edit, cmd=cmd)],
                [Note(p, "preview", Outcome.REFUSED, command=cmd, error_code=str(refused.code))],
            )
        if p.confirm is not ConfirmMode.NEVER:
            return await self._offer(p, cmd, request, preview, edit=edit)
        outside = await self.outside_symbol(p, preview, cmd)
        if outside:
            return self._deny_symbol(p, cmd, outside)
        try:
            return await self._execute(p, request, cmd, preview, new_id(), edit=edit)
        except PreviewChanged as changed:  # it moved between the two previews: ask after all
            return await self._changed(p, cmd, request, changed, edit=edit)

    async def _offer(
        self,
        p: Principal,
        cmd: Command,
        request: TradeRequest,
        preview: Preview,
        *,
        edit: bool,
        moved: bool = False,
    ) -> Step:
        """Offer a preview for confirmation: a new confirmation id on its buttons."""
        outside = await self.outside_symbol(p, preview, cmd)
        if outside:
            return self._deny_symbol(p, cmd, outside)
        conf = self.d.confirmations.create(p.owner, p.role, cmd, p.raw, request, preview)
        dump = preview.model_dump(mode="json")
        pending = Note(p, "preview", Outcome.PENDING, command=cmd, preview=dump, confirmation=conf.id)
        ttl = self.d.settings.chat.confirm_ttl_sec
        digits = await self.d.digits({leg.symbol for leg in preview.legs}, cmd)
        lock = cmd.ticket if cmd.intent is Intent.LOCK else None
        rendered = self.d.render_on(
            p, cmd, "trade", "preview", p=preview, ttl=ttl, digits=digits, moved=moved, lock=lock
        )
        buttons = self.confirm_buttons(p, conf.id)
        return Step([rendered.reply(buttons, edit=edit, confirmation_id=conf.id)], [pending])

    def confirm_buttons(self, p: Principal, conf_id: str) -> list[list[Button]]:
        label = self.d.renderer.label
        return [
            [
                Button(text=label(p.lang, "confirm"), action=confirm_action(conf_id, True)),
                Button(text=label(p.lang, "cancel"), action=confirm_action(conf_id, False)),
            ]
        ]

    async def execute_claimed(self, p: Principal, conf: Confirmation) -> Step:
        """Run a claimed trading confirmation under its id; the core re-checks the preview it showed."""
        if conf.request is None or conf.preview is None:
            raise TypeError("not a trading confirmation")
        try:
            done = await self._execute(p, conf.request, conf.command, conf.preview, conf.id, edit=True)
        except PreviewChanged as changed:
            self.d.confirmations.finish(conf, ConfirmState.SUPERSEDED, None)
            return await self._changed(
                p, conf.command, conf.request, changed, edit=True, confirmation=conf.id
            )
        self.d.confirmations.finish(conf, ConfirmState.DONE, done.replies[0])
        return done

    async def _changed(
        self,
        p: Principal,
        cmd: Command,
        request: TradeRequest,
        changed: PreviewChanged,
        *,
        edit: bool,
        confirmation: str | None = None,
    ) -> Step:
        """Nothing was sent: what the user saw is no longer what would be. Offer the fresh preview."""
        refused = Note(p, "confirm", Outcome.REFUSED, command=cmd, confirmation=confirmation,
                       error_code=changed.reason)  # fmt: skip
        moved = changed.reason == "price_moved"
        fresh = await self._offer(p, cmd, request, changed.fresh, edit=edit, moved=moved)
        return Step(fresh.replies, [refused, *fresh.notes])

    async def _execute(
        self,
        p: Principal,
        request: TradeRequest,
        cmd: Command,
        preview: Preview,
        request_id: str,
        *,
        edit: bool,
    ) -> Step:
        """Execute under `request_id`; `PreviewChanged` (nothing sent) is the caller's to handle."""
        actor = Actor(platform=p.platform, user_id=p.user_id, chat_id=p.chat_id, role=p.role, raw_input=p.raw)
        try:
            result = await execute_resolving(
                self.d.port(cmd), request, actor, request_id=request_id, expected=preview
            )
        except PreviewChanged:
            raise
        except MT5BotError as refused:
            return Step(
                [self.d.error(p, refused, edit=edit, cmd=cmd)],
                [Note(p, "confirm", Outcome.REFUSED, command=cmd, confirmation=request_id,
                      error_code=str(refused.code))],
            )  # fmt: skip
        outcome = Outcome.OK if result.ok else Outcome.FAILED
        done = Note(p, "confirm", outcome, command=cmd, confirmation=request_id)
        digits = await self.d.digits({o.symbol for o in result.outcomes}, cmd)
        rendered = self.d.render_on(p, cmd, "trade", "result", r=result, digits=digits)
        return Step([rendered.reply(edit=edit)], [done])

    # --- locks and answers ----------------------------------------------------------------------
    async def _lock(self, p: Principal, cmd: Command, *, edit: bool) -> Step:
        """锁仓: one targeted position -> the opposite side, same volume, at market; several -> which?"""
        side = PositionSide(cmd.side) if cmd.side else None
        held = await self.d.port(cmd).positions(symbol=cmd.symbol, magic=cmd.magic, side=side)
        selector = CoreSelector(cmd.selector) if cmd.selector else None
        chosen = select_positions(held, CloseFilter(selector=selector, ticket=cmd.ticket))
        if len(chosen) > 1:
            return await self.questions.ticket(p, cmd, chosen, ambiguous=True, edit=edit)
        if not chosen:
            return Step([self.d.render(p, "trade", "nothing_to_lock").reply(edit=edit)])
        (pos,) = chosen
        opposite = PositionSide.SELL if pos.side is PositionSide.BUY else PositionSide.BUY
        # magic 0: the hedge is the user's own order, so an EA managing `pos` by its magic leaves it alone
        request = OpenRequest(
            symbol=pos.symbol, side=opposite, volume=pos.volume, order_type=OrderKind.MARKET
        )
        locked = cmd.model_copy(update={"ticket": pos.ticket, "selector": None})
        return await self.propose(p, locked, request, edit=edit)

    async def answered(self, p: Principal, question: Question, choice: str, *, edit: bool) -> Step:
        """Continue a command with the user's answer; the completed command starts over (never executes)."""
        try:
            cmd = complete(question, choice)
        except ValidationError:
            return Step([self.d.render(p, "trade", "unsupported", what="answer").reply(edit=edit)])
        p = _with_raw(p, question.raw)
        step = await self.start(p, cmd, edit=edit)
        answer = Note(p, "answer", Outcome.OK, command=cmd, confirmation=question.id)
        return Step(step.replies, [answer, *step.notes])

    async def typed(self, p: Principal, question: Question, text: str) -> Step | None:
        """A typed answer to the user's open question (an option's word or number, a symbol name), or
        None when the text answers nothing (it is then read as a new message)."""
        index = typed_choice(question, text)
        choice = question.options[index] if index is not None else self.questions.typed_symbol(question, text)
        if choice is None or self.d.dialogs.take(question.id, p.owner) is None:
            return None
        return await self.answered(p, question, choice, edit=False)

    async def press(self, p: Principal, press: Press) -> Step:
        """A tap on a question's option."""
        question = self.d.dialogs.take(press.id, p.owner)
        if question is None:
            if self.d.dialogs.belongs_to_other(press.id, p.owner):
                not_owner = Note(p, "answer", Outcome.DENIED, error_code="not_owner")
                return Step([self.d.reply(p, "trade", "not_yours")], [not_owner])
            return Step([self.d.render(p, "trade", "unknown_action").reply(edit=True)])
        index = int(press.choice)
        if not 0 <= index < len(question.options):
            return Step([self.d.render(p, "trade", "unknown_action").reply(edit=True)])
        return await self.answered(p, question, question.options[index], edit=True)

    # --- symbols and points ----------------------------------------------------------------------
    async def _allowed_names(self, p: Principal, cmd: Command) -> set[str]:
        """The user's allowed symbols as given and as the broker names they resolve to (per account:
        each broker has its own names)."""
        key = (self.d.accounts.entry(cmd).name, *p.entry.allowed_symbols)
        if key not in self._allowed:
            names = {s.upper() for s in p.entry.allowed_symbols}
            for name in p.entry.allowed_symbols:
                try:
                    names.add((await self.d.port(cmd).symbol(name)).name.upper())
                except (UnknownSymbol, MT5Error):
                    continue  # a listed symbol this terminal lacks allows nothing more
            self._allowed[key] = names
        return self._allowed[key]

    async def symbols_ok(self, p: Principal, names: set[str], cmd: Command) -> bool:
        if not p.entry.allowed_symbols:
            return True
        allowed = await self._allowed_names(p, cmd)
        return symbol_allowed(p.entry, names) or any(n.upper() in allowed for n in names)

    async def outside_symbol(self, p: Principal, preview: Preview, cmd: Command) -> str | None:
        """The first symbol the preview would touch that the user may not trade, if any."""
        if not p.entry.allowed_symbols:
            return None
        allowed = await self._allowed_names(p, cmd)
        for leg in preview.legs:
            if leg.symbol.upper() not in allowed:
                return leg.symbol
        return None

    def _deny_symbol(self, p: Principal, cmd: Command, symbol: str) -> Step:
        allowed = list(p.entry.allowed_symbols)
        return Step(
            [self.d.reply(p, "access", "symbol_not_allowed", symbol=symbol, allowed=allowed)],
            [Note(p, "trade", Outcome.DENIED, command=cmd, error_code="symbol_not_allowed")],
        )


def unsupported_step(d: Deps, p: Principal, cmd: Command, unsupported: Unsupported) -> Step:
    """A command that cannot become a request doing exactly what was said: explained and audited."""
    return Step(
        [d.reply(p, "trade", "unsupported", what=unsupported.what)],
        [Note(p, "trade", Outcome.REFUSED, command=cmd, error_code=unsupported.what)],
    )


def denied_role(d: Deps, p: Principal, cmd: Command) -> Step:
    """A trading command from a role that may not trade: refused and audited."""
    return Step(
        [d.reply(p, "access", "denied_role", role=p.role.value, needed="trade")],
        [Note(p, "trade", Outcome.DENIED, command=cmd, error_code="role")],
    )


def _with_raw(p: Principal, raw: str) -> Principal:
    return Principal(p.platform, p.user_id, p.chat_id, p.entry, p.lang, p.confirm, raw)


__all__ = ["TradeFlow", "Unsupported", "Verdict", "missing_fields", "to_request"]
