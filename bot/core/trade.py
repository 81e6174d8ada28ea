"""The trading flow: command -> (question) -> preview -> confirmation -> execute -> result.

Nothing executes without a claimed confirmation unless the user's mode is `never`. At the tap the
trading core takes the preview once more (`execute(expected=...)`): a price that moved beyond the
order's deviation, or positions that changed, raise `PreviewChanged`, and its fresh preview is offered
as a new confirmation instead of an execution.
"""

from __future__ import annotations

from bot.core.auth import Permission, Principal, symbol_allowed
from bot.core.confirm import Confirmation, ConfirmState, TradeRequest, Verdict, new_id
from bot.core.context import Deps
from bot.core.dialog import Press, Question, QuestionKind, confirm_action, option_action
from bot.core.step import Note, Step
from bot.messages import Button, Reply
from bot.settings import ConfirmMode
from mt5bridge.common.errors import MT5BotError
from mt5bridge.terminal.errors import MT5Error
from mt5bridge.terminal.models import Position, PositionSide
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
from mt5bridge.trading.selectors import AmbiguousSelection
from mt5bridge.trading.selectors import Selector as CoreSelector
from nlu import Command, Intent, Selector, Side
from storage.models import Outcome

MAX_CHOICES = 10  # candidate buttons per question; more would not fit a phone screen


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
            return CloseRequest(
                ticket=cmd.ticket,
                symbol=cmd.symbol,
                side=side,
                magic=cmd.magic,
                selector=selector,
                volume=cmd.volume,
            )
        case Intent.MODIFY:
            return ModifyRequest(
                ticket=cmd.ticket, symbol=cmd.symbol, side=side, magic=cmd.magic, selector=selector,
                sl=cmd.sl, tp=cmd.tp, price=cmd.price,
            )  # fmt: skip
        case Intent.CANCEL:
            # CancelRequest has no side, type or magic filter: cancelling more than was said is refused.
            if (
                cmd.side
                or cmd.order_type
                or cmd.magic is not None
                or selector not in (None, CoreSelector.ALL)
            ):
                raise Unsupported("cancel_filter")
            everything = cmd.ticket is None and cmd.symbol is None
            return CancelRequest(ticket=cmd.ticket, symbol=cmd.symbol, all=everything)
    raise Unsupported("not_trading")


class TradeFlow:
    """Trading commands from chat, through questions and confirmations, to the trading core."""

    def __init__(self, deps: Deps) -> None:
        self.d = deps
        self._allowed: dict[tuple[str, ...], set[str]] = {}

    async def start(self, p: Principal, cmd: Command, *, edit: bool = False) -> Step:
        """A trading command: refuse, ask what is missing, or offer a confirmation."""
        if not p.may(Permission.TRADE):
            return denied_role(self.d, p, cmd)
        if cmd.symbol and not await self._symbols_ok(p, {cmd.symbol}):
            return self._deny_symbol(p, cmd, cmd.symbol)
        missing = missing_fields(cmd)
        if missing:
            return Step([self.d.reply(p, "trade", "incomplete", intent=cmd.intent.value, missing=missing)])
        if cmd.intent is Intent.OPEN and cmd.side is None:
            return Step(self._ask_side(p, cmd, edit=edit))
        if cmd.intent is Intent.CLOSE and not (
            cmd.symbol or cmd.selector or cmd.ticket or cmd.magic is not None
        ):
            side = PositionSide(cmd.side) if cmd.side else None
            positions = await self.d.trading.positions(side=side)
            return Step(await self._ask_ticket(p, cmd, positions, False, edit))
        try:
            request = to_request(cmd)
        except Unsupported as unsupported:
            return Step(
                [self.d.reply(p, "trade", "unsupported", what=unsupported.what)],
                [Note(p, "trade", Outcome.REFUSED, command=cmd, error_code=unsupported.what)],
            )
        return await self.propose(p, cmd, request, edit=edit)

    async def propose(self, p: Principal, cmd: Command, request: TradeRequest, *, edit: bool = False) -> Step:
        """Preview the request and offer it for confirmation (or run it at once in `never` mode)."""
        try:
            preview = await self.d.trading.preview(request)
        except AmbiguousSelection as ambiguous:
            return Step(await self._ask_ticket(p, cmd, list(ambiguous.candidates), True, edit))
        except MT5BotError as refused:
            return Step(
                [self.d.error(p, refused, edit=edit)],
                [Note(p, "preview", Outcome.REFUSED, command=cmd, error_code=str(refused.code))],
            )
        if p.confirm is not ConfirmMode.NEVER:
            return await self._offer(p, cmd, request, preview, edit=edit)
        outside = await self._outside_symbols(p, preview)
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
        outside = await self._outside_symbols(p, preview)
        if outside:
            return self._deny_symbol(p, cmd, outside)
        conf = self.d.confirmations.create(p.owner, p.role, cmd, p.raw, request, preview)
        dump = preview.model_dump(mode="json")
        pending = Note(p, "preview", Outcome.PENDING, command=cmd, preview=dump, confirmation=conf.id)
        ttl = self.d.settings.chat.confirm_ttl_sec
        digits = await self.d.digits({leg.symbol for leg in preview.legs})
        rendered = self.d.render(p, "trade", "preview", p=preview, ttl=ttl, digits=digits, moved=moved)
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
            result = await self.d.trading.execute(
                request, actor, request_id=request_id, confirmation=request_id, expected=preview
            )
        except PreviewChanged:
            raise
        except MT5BotError as refused:
            return Step(
                [self.d.error(p, refused, edit=edit)],
                [Note(p, "confirm", Outcome.REFUSED, command=cmd, confirmation=request_id,
                      error_code=str(refused.code))],
            )  # fmt: skip
        outcome = Outcome.OK if result.ok else Outcome.FAILED
        done = Note(p, "confirm", outcome, command=cmd, confirmation=request_id)
        digits = await self.d.digits({o.symbol for o in result.outcomes})
        return Step([self.d.render(p, "trade", "result", r=result, digits=digits).reply(edit=edit)], [done])

    # --- questions -------------------------------------------------------------------------------
    def _ask_side(self, p: Principal, cmd: Command, *, edit: bool) -> list[Reply]:
        question = self.d.dialogs.ask(p.owner, QuestionKind.SIDE, cmd, p.raw, ("buy", "sell"))
        label = self.d.renderer.label
        buttons = [[Button(text=label(p.lang, side), action=option_action(question.id, i))
                    for i, side in enumerate(question.options)]]  # fmt: skip
        rendered = self.d.render(p, "trade", "ask_side", symbol=cmd.symbol, volume=cmd.volume)
        return [rendered.reply(buttons, edit=edit)]

    async def _ask_ticket(
        self, p: Principal, cmd: Command, candidates: list[Position], ambiguous: bool, edit: bool
    ) -> list[Reply]:
        if not candidates:
            return [self.d.render(p, "trade", "nothing_to_close").reply(edit=edit)]
        shown = candidates[:MAX_CHOICES]
        options = tuple(str(pos.ticket) for pos in shown)
        question = self.d.dialogs.ask(p.owner, QuestionKind.TICKET, cmd, p.raw, options)
        buttons = [
            Button(text=f"{i + 1}) #{pos.ticket}", action=option_action(question.id, i))
            for i, pos in enumerate(shown)
        ]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        digits = await self.d.digits({pos.symbol for pos in shown})
        currency = (await self.d.trading.account()).currency
        rendered = self.d.render(
            p, "trade", "ask_ticket", candidates=shown, digits=digits, currency=currency, ambiguous=ambiguous
        )
        return [rendered.reply(rows, edit=edit)]

    async def answered(self, p: Principal, question: Question, index: int, *, edit: bool) -> Step:
        """Continue a command with the option the user picked."""
        if not 0 <= index < len(question.options):
            return Step([self.d.render(p, "trade", "unknown_action").reply(edit=edit)])
        choice = question.options[index]
        if question.kind is QuestionKind.SIDE:
            cmd = question.command.model_copy(update={"side": Side(choice)})
        else:
            cmd = question.command.model_copy(update={"ticket": int(choice), "selector": None})
        p = _with_raw(p, question.raw)
        return await self.start(p, cmd, edit=edit)

    async def press(self, p: Principal, press: Press) -> Step:
        """A tap on a question's option."""
        question = self.d.dialogs.take(press.id, p.owner)
        if question is None:
            if self.d.dialogs.belongs_to_other(press.id, p.owner):
                not_owner = Note(p, "answer", Outcome.DENIED, error_code="not_owner")
                return Step([self.d.reply(p, "trade", "not_yours")], [not_owner])
            return Step([self.d.render(p, "trade", "unknown_action").reply(edit=True)])
        return await self.answered(p, question, int(press.choice), edit=True)

    # --- symbols and points ----------------------------------------------------------------------
    async def _allowed_names(self, p: Principal) -> set[str]:
        """The user's allowed symbols as given and as the broker names they resolve to."""
        key = p.entry.allowed_symbols
        if key not in self._allowed:
            names = {s.upper() for s in key}
            for name in key:
                try:
                    names.add((await self.d.trading.symbol(name)).name.upper())
                except (UnknownSymbol, MT5Error):
                    continue  # a listed symbol this terminal lacks allows nothing more
            self._allowed[key] = names
        return self._allowed[key]

    async def _symbols_ok(self, p: Principal, names: set[str]) -> bool:
        if not p.entry.allowed_symbols:
            return True
        allowed = await self._allowed_names(p)
        return symbol_allowed(p.entry, names) or any(n.upper() in allowed for n in names)

    async def _outside_symbols(self, p: Principal, preview: Preview) -> str | None:
        """The first symbol the preview would touch that the user may not trade, if any."""
        if not p.entry.allowed_symbols:
            return None
        allowed = await self._allowed_names(p)
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


def denied_role(d: Deps, p: Principal, cmd: Command) -> Step:
    """A trading command from a role that may not trade: refused and audited."""
    return Step(
        [d.reply(p, "access", "denied_role", role=p.role.value, needed="trade")],
        [Note(p, "trade", Outcome.DENIED, command=cmd, error_code="role")],
    )


def _with_raw(p: Principal, raw: str) -> Principal:
    return Principal(p.platform, p.user_id, p.chat_id, p.entry, p.lang, p.confirm, raw)


__all__ = ["TradeFlow", "Unsupported", "Verdict", "missing_fields", "to_request"]
