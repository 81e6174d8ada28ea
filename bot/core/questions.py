"""The questions the trading flow asks before a command is complete ("ask instead of giving up").

`next_need` picks what to ask: the first of the parser's `Command.needs` the command does not answer yet,
else the older rules (an open without side, a close or lock without target). `Questions.ask` draws the
question with its buttons, keeps it in the dialog book (one per user) and notes it for the audit;
`complete` applies the answer to the command, which then goes through `TradeFlow.start` again: the next
need, then the preview and the confirmation. An answer never executes anything by itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from bot.core.auth import Principal
from bot.core.context import Deps
from bot.core.dialog import Question, QuestionKind, option_action
from bot.core.step import Note, Step
from bot.messages import Button
from mt5bridge.common.errors import MT5BotError
from mt5bridge.terminal.models import Order, Position, PositionSide
from nlu import Command, Intent, Side
from nlu.command import MAX_VOLUME, Need, OrderType
from nlu.lexicon import lexicon
from storage.models import Outcome

MAX_CHOICES = 10  # candidate buttons per ticket question; more would not fit a phone screen
MAX_SYMBOLS = 6
DEFAULT_SYMBOLS = ("XAUUSD", "EURUSD", "GBPUSD", "USDJPY", "XAGUSD", "USOIL")
_ANSWERS_FIELD = {Need.SYMBOL: "symbol", Need.VOLUME_OR_PRICE: "volume", Need.TICKET: "target"}

SymbolCheck = Callable[[Principal, set[str], Command], Awaitable[bool]]  # on the command's account


def _unanswered(cmd: Command, need: Need) -> bool:
    match need:
        case Need.SIDE:
            return cmd.side is None
        case Need.SYMBOL:
            return cmd.symbol is None
        case Need.VOLUME_OR_PRICE:
            return cmd.number is not None  # `complete` clears it; without a number there is nothing to ask
        case Need.TICKET:
            return cmd.ticket is None


def has_target(cmd: Command) -> bool:
    """True when a close, lock or modify says which positions (a symbol, selector, ticket or magic)."""
    return bool(cmd.symbol or cmd.selector or cmd.ticket or cmd.magic is not None)


def next_need(cmd: Command) -> Need | None:
    """What to ask next, or None when the command is complete enough for a preview."""
    for need in cmd.needs or ():
        if _unanswered(cmd, need):
            return need
    if cmd.intent is Intent.OPEN and cmd.side is None:
        return Need.SIDE
    if cmd.intent in (Intent.CLOSE, Intent.LOCK) and not has_target(cmd):
        return Need.TICKET
    return None


def asked_fields(cmd: Command) -> set[str]:
    """The `missing_fields` names an open question will fill (they are asked, not reported missing)."""
    return {_ANSWERS_FIELD[n] for n in cmd.needs or () if n in _ANSWERS_FIELD and _unanswered(cmd, n)}


def complete(question: Question, choice: str) -> Command:
    """The question's command with `choice` (one of its options, or a typed symbol) filled in.

    Raises ValidationError when the result is not a valid command (e.g. a number too large for lots).
    """
    cmd = question.command
    update: dict[str, object]
    match question.kind:
        case QuestionKind.SIDE:
            update = {"side": Side(choice)}
        case QuestionKind.SYMBOL:
            update = {"symbol": choice}
        case QuestionKind.VOLUME_OR_PRICE if choice == "volume":
            update = {"volume": cmd.number, "number": None}
        case QuestionKind.VOLUME_OR_PRICE:
            update = {"price": cmd.number, "number": None, "order_type": cmd.order_type or OrderType.PENDING}
        case QuestionKind.TICKET:
            update = {"ticket": int(choice), "selector": None}
    left = tuple(n for n in cmd.needs or () if n.value != question.kind.value)
    update["needs"] = left or None
    # model_copy does not validate: validate the completed command once more, number (excluded) included
    return Command.model_validate({**dict(cmd), **update})


class Questions:
    """Draws the questions and keeps them in the dialog book."""

    def __init__(self, deps: Deps, symbols_ok: SymbolCheck) -> None:
        self.d = deps
        self._symbols_ok = symbols_ok
        self._names = lexicon({k: list(v) for k, v in deps.settings.nlu.aliases.items()})

    def typed_symbol(self, question: Question, text: str) -> str | None:
        """The canonical symbol a typed answer to a SYMBOL question names, if any."""
        if question.kind is not QuestionKind.SYMBOL:
            return None
        return self._names.resolve(text.strip()[:40])

    async def ask(self, p: Principal, cmd: Command, need: Need, *, edit: bool) -> Step:
        """Ask for `need`: a question with buttons (or a "nothing to choose from" answer)."""
        match need:
            case Need.SIDE:
                return self._side(p, cmd, edit)
            case Need.VOLUME_OR_PRICE:
                return self._volume_or_price(p, cmd, edit)
            case Need.SYMBOL:
                return await self._symbol(p, cmd, edit)
            case Need.TICKET:
                return await self._ticket_for(p, cmd, edit)

    def _put(
        self, p: Principal, kind: QuestionKind, cmd: Command, options: Sequence[str]
    ) -> tuple[Question, Note]:
        question = self.d.dialogs.ask(p.owner, kind, cmd, p.raw, tuple(options))
        return question, Note(
            p, f"question.{kind.value}", Outcome.PENDING, command=cmd, confirmation=question.id
        )

    def _side(self, p: Principal, cmd: Command, edit: bool) -> Step:
        question, note = self._put(p, QuestionKind.SIDE, cmd, ("buy", "sell"))
        label = self.d.renderer.label
        closing = cmd.intent is Intent.CLOSE  # which positions to close: "the buys", not "buy"
        buttons = [[Button(text=label(p.lang, f"{side}_positions" if closing else side),
                           action=option_action(question.id, i))
                    for i, side in enumerate(question.options)]]  # fmt: skip
        rendered = self.d.render_on(
            p, cmd, "trade", "ask_side", symbol=cmd.symbol, volume=cmd.volume, closing=closing
        )
        return Step([rendered.reply(buttons, edit=edit)], [note])

    def _volume_or_price(self, p: Principal, cmd: Command, edit: bool) -> Step:
        number = cmd.number or 0.0
        # a number that cannot be a volume is offered only as a price
        options = ("volume", "price") if 0 < number <= MAX_VOLUME and cmd.volume is None else ("price",)
        question, note = self._put(p, QuestionKind.VOLUME_OR_PRICE, cmd, options)
        buttons = [[Button(text=self.d.render(p, "labels", f"as_{o}", number=number).text,
                           action=option_action(question.id, i))
                    for i, o in enumerate(options)]]  # fmt: skip
        rendered = self.d.render_on(
            p, cmd, "trade", "ask_volume_or_price", number=number, symbol=cmd.symbol,
            side=cmd.side.value if cmd.side else None,
        )  # fmt: skip
        return Step([rendered.reply(buttons, edit=edit)], [note])

    async def _symbol(self, p: Principal, cmd: Command, edit: bool) -> Step:
        options = await self._symbol_options(p, cmd)
        if not options:
            return Step([self.d.render(p, "trade", "nothing_to_close").reply(edit=edit)])
        question, note = self._put(p, QuestionKind.SYMBOL, cmd, options)
        buttons = [Button(text=name, action=option_action(question.id, i)) for i, name in enumerate(options)]
        rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
        rendered = self.d.render_on(p, cmd, "trade", "ask_symbol", intent=cmd.intent.value)
        return Step([rendered.reply(rows, edit=edit)], [note])

    async def _symbol_options(self, p: Principal, cmd: Command) -> list[str]:
        """The symbols of the user's positions first, then (for an open) the default list; allowed only."""
        side = PositionSide(cmd.side) if cmd.side and cmd.intent is not Intent.OPEN else None
        held = [pos.symbol for pos in await self.d.port(cmd).positions(side=side, magic=cmd.magic)]
        names = [self._names.resolve(name) or name for name in held]
        if cmd.intent is Intent.OPEN:
            names += DEFAULT_SYMBOLS
        options: list[str] = []
        for name in dict.fromkeys(names):
            if len(options) == MAX_SYMBOLS:
                break
            if await self._symbols_ok(p, {name}, cmd) and await self._tradable(name, cmd):
                options.append(name)
        return options

    async def _tradable(self, name: str, cmd: Command) -> bool:
        try:
            await self.d.port(cmd).symbol(name)
        except MT5BotError:
            return False  # not on this terminal: no button that can only fail
        return True

    async def _ticket_for(self, p: Principal, cmd: Command, edit: bool) -> Step:
        """Which position (or, for cancel and a pending order's new price, which order)?"""
        side = PositionSide(cmd.side) if cmd.side else None
        if cmd.intent is Intent.CANCEL or (cmd.intent is Intent.MODIFY and cmd.price is not None):
            orders = await self.d.port(cmd).orders(symbol=cmd.symbol)
            found = [o for o in orders if _order_matches(o, side, cmd.magic)]
            return await self.ticket(p, cmd, found, ambiguous=False, edit=edit)
        positions = await self.d.port(cmd).positions(symbol=cmd.symbol, magic=cmd.magic, side=side)
        return await self.ticket(p, cmd, positions, ambiguous=False, edit=edit)

    async def ticket(
        self,
        p: Principal,
        cmd: Command,
        candidates: Sequence[Position | Order],
        *,
        ambiguous: bool,
        edit: bool,
    ) -> Step:
        """Which one of `candidates` (positions or pending orders, FIFO, at most MAX_CHOICES)?"""
        orders = cmd.intent is Intent.CANCEL or any(isinstance(c, Order) for c in candidates)
        if not candidates:
            macro = "nothing_to_cancel" if orders else "nothing_to_close"
            return Step([self.d.render(p, "trade", macro).reply(edit=edit)])
        shown = list(candidates[:MAX_CHOICES])
        question, note = self._put(p, QuestionKind.TICKET, cmd, [str(c.ticket) for c in shown])
        buttons = [
            Button(text=f"{i + 1}) #{c.ticket}", action=option_action(question.id, i))
            for i, c in enumerate(shown)
        ]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        digits = await self.d.digits({c.symbol for c in shown}, cmd)
        currency = (await self.d.port(cmd).account()).currency
        rendered = self.d.render_on(
            p, cmd, "trade", "ask_ticket", candidates=shown, digits=digits, currency=currency,
            ambiguous=ambiguous, intent=cmd.intent.value, orders=orders,
        )  # fmt: skip
        return Step([rendered.reply(rows, edit=edit)], [note])


def _order_matches(order: Order, side: PositionSide | None, magic: int | None) -> bool:
    same_side = side is None or order.type.value.startswith(side.value)
    return same_side and (magic is None or order.magic == magic)


__all__ = ["Questions", "asked_fields", "complete", "has_target", "next_need"]
