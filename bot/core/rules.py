"""Trade-management rules from chat (issue 19; docs/rules.md, "Chat"): set, list, remove, resume.

A rule is previewed with today's numbers (the account's `RulePort`, the trading core's `RuleService`) and
confirmed like a trade: the confirmation id is `create`'s request id and the preview shown is its
`expected`, so a double tap creates one rule and a material change offers the fresh preview instead.
A rule with something unsaid is asked first (rule_questions.py). Removing is previewed ("this rule will
stop") and confirmed; removing every rule is confirmed twice. Admins resume paused rules from the list.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.core.auth import Permission, Principal
from bot.core.confirm import Confirmation, ConfirmState, RuleOffer
from bot.core.context import Deps
from bot.core.dialog import Press, Question, QuestionKind, option_action, typed_choice
from bot.core.rule_questions import RuleQuestions
from bot.core.step import Note, Step
from bot.core.trade import denied_role
from bot.messages import Button
from mt5bridge.common.errors import MT5BotError
from mt5bridge.common.rulespec import RuleSpec
from mt5bridge.remote.directory import ALL
from mt5bridge.trading.models import Actor
from mt5bridge.trading.rules.models import Rule, RuleState
from mt5bridge.trading.rules.preview import RulePreview
from mt5bridge.trading.rules.service import RulePreviewChanged
from nlu import Command, Intent, Selector
from storage.models import Outcome

SymbolCheck = Callable[[Principal, set[str], Command], Awaitable[bool]]
RULE_INTENTS = frozenset({Intent.RULE_SET, Intent.RULE_LIST, Intent.RULE_REMOVE})
RULE_QUESTIONS = frozenset({QuestionKind.RULE_NEED, QuestionKind.RULE_PICK})
LIVE = (RuleState.WAITING, RuleState.ACTIVE, RuleState.PAUSED, RuleState.DONE)  # listed: all but removed
MAX_LISTED = 20  # rules listed with buttons; more would not fit a phone screen


def actor(p: Principal) -> Actor:
    return Actor(platform=p.platform, user_id=p.user_id, chat_id=p.chat_id, role=p.role, raw_input=p.raw)


class RuleFlow:
    """The three rule intents, their questions, confirmations and the list's buttons."""

    def __init__(self, deps: Deps, symbols_ok: SymbolCheck) -> None:
        self.d = deps
        self._symbols_ok = symbols_ok
        self.questions = RuleQuestions(deps)

    async def start(self, p: Principal, cmd: Command, text: str, *, edit: bool = False) -> Step:
        """A rule intent, its account made explicit (rules are one account's: `*` is refused)."""
        if cmd.account == ALL:
            return Step([self.d.reply(p, "rules", "one_account")])
        match cmd.intent:
            case Intent.RULE_LIST:
                return await self.listing(p, cmd)
            case Intent.RULE_REMOVE:
                return await self.remove(p, cmd, edit=edit)
        return await self.set(p, cmd, text, (), edit=edit)

    # --- setting ---------------------------------------------------------------------------------
    async def set(
        self, p: Principal, cmd: Command, text: str, answers: tuple[tuple[str, str], ...], *, edit: bool
    ) -> Step:
        """Ask what the rule still needs (one question at a time), else preview it for confirmation."""
        if not p.may(Permission.TRADE):  # a viewer is never asked anything
            return denied_role(self.d, p, cmd)
        if cmd.rule is None:
            if cmd.rule_needs:
                return await self.questions.ask(p, cmd, text, answers, edit=edit)
            return Step([self.d.reply(p, "trade", "unsupported", what="rule")])
        return await self.propose(p, cmd, cmd.rule, edit=edit)

    async def propose(
        self, p: Principal, cmd: Command, spec: RuleSpec, *, edit: bool, changed: str | None = None
    ) -> Step:
        """Preview `spec` on the command's account and offer it with Confirm / Cancel."""
        if spec.scope.symbol and not await self._symbols_ok(p, {spec.scope.symbol}, cmd):
            return self._deny_symbol(p, cmd, spec.scope.symbol)
        try:
            preview = await self.d.rules(cmd).preview(spec, actor(p))
        except MT5BotError as refused:
            return Step(
                [self.d.error(p, refused, edit=edit, cmd=cmd)],
                [Note(p, "rule.preview", Outcome.REFUSED, command=cmd, error_code=str(refused.code))],
            )
        return await self._offer(p, cmd, preview, edit=edit, changed=changed)

    async def _offer(
        self, p: Principal, cmd: Command, preview: RulePreview, *, edit: bool, changed: str | None = None
    ) -> Step:
        outside = [
            s for s in {pos.symbol for pos in preview.positions} if not await self._symbols_ok(p, {s}, cmd)
        ]
        if outside:  # a rule acts on positions: a restricted user sets none on another symbol's
            return self._deny_symbol(p, cmd, outside[0])
        offer = RuleOffer(preview=preview)
        conf = self.d.confirmations.create(p.owner, p.role, cmd, p.raw, None, None, rule=offer)
        rendered = self.d.render_on(
            p, cmd, "rules", "preview", pv=preview, ttl=self.d.settings.chat.confirm_ttl_sec,
            changed=changed, **await self._figures(cmd, preview),
        )  # fmt: skip
        note = Note(p, "rule.preview", Outcome.PENDING, command=cmd,
                    preview=preview.model_dump(mode="json"), confirmation=conf.id)  # fmt: skip
        return Step([rendered.reply(self.buttons(p, conf.id), edit=edit, confirmation_id=conf.id)], [note])

    async def _figures(self, cmd: Command, preview: RulePreview | None = None) -> dict[str, object]:
        """The account currency and the digits of the symbols a preview shows."""
        symbols = set() if preview is None else {pos.symbol for pos in preview.positions}
        if preview is not None and preview.staged is not None:
            symbols.add(preview.staged.symbol)
        digits = await self.d.digits(symbols, cmd)
        return {"currency": (await self.d.port(cmd).account()).currency, "digits": digits}

    def buttons(self, p: Principal, conf_id: str) -> list[list[Button]]:
        label = self.d.renderer.label
        return [[Button(text=label(p.lang, "confirm"), action=f"c:{conf_id}:y"),
                 Button(text=label(p.lang, "cancel"), action=f"c:{conf_id}:n")]]  # fmt: skip

    async def confirmed(self, p: Principal, conf: Confirmation) -> Step:
        """A claimed confirmation of a rule change: create the rule, or remove the rules."""
        if conf.rule is None:
            raise TypeError("not a rule confirmation")
        if conf.rule.preview is not None:
            return await self._create(p, conf, conf.rule.preview)
        return await self._remove_confirmed(p, conf, conf.rule)

    async def _create(self, p: Principal, conf: Confirmation, preview: RulePreview) -> Step:
        cmd = conf.command
        try:
            rule = await self.d.rules(cmd).create(preview.spec, actor(p), preview, request_id=conf.id)
        except RulePreviewChanged as changed:  # nothing stored: show what it would do now
            self.d.confirmations.finish(conf, ConfirmState.SUPERSEDED, None)
            refused = Note(p, "rule.confirm", Outcome.REFUSED, command=cmd, confirmation=conf.id,
                           error_code=changed.reason)  # fmt: skip
            fresh = await self._offer(p, cmd, changed.fresh, edit=True, changed=changed.reason)
            return Step(fresh.replies, [refused, *fresh.notes])
        except MT5BotError as refused:
            return self._failed(p, conf, refused)
        rendered = self.d.render_on(p, cmd, "rules", "created", rule=rule, **await self._figures(cmd))
        reply = rendered.reply(edit=True)
        self.d.confirmations.finish(conf, ConfirmState.DONE, reply)
        return Step([reply], [Note(p, "rule.confirm", Outcome.OK, command=cmd, confirmation=conf.id)])

    def _failed(self, p: Principal, conf: Confirmation, refused: MT5BotError) -> Step:
        reply = self.d.error(p, refused, edit=True, cmd=conf.command)
        self.d.confirmations.finish(conf, ConfirmState.DONE, reply)
        note = Note(p, "rule.confirm", Outcome.REFUSED, command=conf.command, confirmation=conf.id,
                    error_code=str(refused.code))  # fmt: skip
        return Step([reply], [note])

    # --- listing ---------------------------------------------------------------------------------
    async def listing(self, p: Principal, cmd: Command, *, edit: bool = False) -> Step:
        """The account's rules (all but removed) with a Remove button each, Resume on paused ones for
        admins; viewers see the list without buttons."""
        rules = await self._matching(cmd, await self.d.rules(cmd).list(LIVE))
        shown = rules[:MAX_LISTED]
        options: list[str] = []
        if p.may(Permission.TRADE):
            for rule in shown:
                options.append(f"remove:{rule.id}")
                if rule.state is RuleState.PAUSED and p.may(Permission.ADMIN):
                    options.append(f"resume:{rule.id}")
        rendered = self.d.render_on(
            p, cmd, "rules", "listing", rules=shown, more=len(rules) - len(shown), **await self._figures(cmd)
        )
        if not options:
            return Step([rendered.reply(edit=edit)])
        question = self.d.dialogs.ask(p.owner, QuestionKind.RULE_PICK, cmd, p.raw, tuple(options))
        return Step([rendered.reply(self._pick_buttons(p, question), edit=edit)])

    def _pick_buttons(self, p: Principal, question: Question) -> list[list[Button]]:
        rows: list[list[Button]] = []
        for i, option in enumerate(question.options):
            what, _, rule_id = option.partition(":")
            button = Button(text=self.d.render(p, "labels", f"rule_{what}", rule_id=rule_id).text,
                            action=option_action(question.id, i))  # fmt: skip
            if what == "resume" and rows:
                rows[-1].append(button)  # beside its rule's Remove
            else:
                rows.append([button])
        return rows

    async def _matching(self, cmd: Command, rules: list[Rule]) -> list[Rule]:
        """The rules of the positions the command names (symbol, side, ticket, EA); all without a filter.
        A rule on one ticket matches a symbol when that ticket is an open position of the symbol."""
        if cmd.symbol is None and cmd.side is None and cmd.ticket is None and cmd.magic is None:
            return rules
        port = self.d.port(cmd)
        name = (await port.symbol(cmd.symbol)).name if cmd.symbol else None
        tickets = {pos.ticket for pos in await port.positions(symbol=name)} if name else set()
        found = []
        for rule in rules:
            scope = rule.spec.scope
            if name is not None and scope.symbol != name and scope.ticket not in tickets:
                continue
            if cmd.side is not None and scope.side is not None and scope.side.value != cmd.side.value:
                continue
            if cmd.ticket is not None and scope.ticket != cmd.ticket:
                continue
            if cmd.magic is not None and scope.magic != cmd.magic:
                continue
            found.append(rule)
        return found

    async def pick(self, p: Principal, question: Question, index: int) -> Step:
        """A tap on a listed rule's Remove or Resume (or a pick among the rules a removal matched)."""
        if not 0 <= index < len(question.options):
            return Step([self.d.render(p, "trade", "unknown_action").reply(edit=True)])
        what, _, rule_id = question.options[index].partition(":")
        cmd = question.command
        if what == "resume":
            return await self._resume(p, cmd, int(rule_id))
        if not p.may(Permission.TRADE):
            return denied_role(self.d, p, cmd)
        try:
            rule = await self.d.rules(cmd).get(int(rule_id))
        except MT5BotError as refused:
            return Step([self.d.error(p, refused, edit=True, cmd=cmd)])
        return await self._offer_removal(p, cmd, (rule,), every=False, edit=True)

    async def _resume(self, p: Principal, cmd: Command, rule_id: int) -> Step:
        if not p.may(Permission.ADMIN):
            return Step(
                [self.d.reply(p, "access", "denied_role", role=p.role.value, needed="admin")],
                [Note(p, "rule.resume", Outcome.DENIED, command=cmd, error_code="role")],
            )
        try:
            rule = await self.d.rules(cmd).resume(rule_id, actor(p))
        except MT5BotError as refused:
            note = Note(p, "rule.resume", Outcome.REFUSED, command=cmd, error_code=str(refused.code))
            return Step([self.d.error(p, refused, edit=True, cmd=cmd)], [note])
        rendered = self.d.render_on(p, cmd, "rules", "resumed", rule=rule, **await self._figures(cmd))
        return Step([rendered.reply(edit=True)], [Note(p, "rule.resume", Outcome.OK, command=cmd)])

    # --- removing --------------------------------------------------------------------------------
    async def remove(self, p: Principal, cmd: Command, *, edit: bool = False) -> Step:
        """删除规则3 (one rule), 删除所有规则 (every rule, confirmed twice), 取消黄金保本 (a pick among
        the rules of the positions named; one match is offered at once)."""
        if not p.may(Permission.TRADE):
            return denied_role(self.d, p, cmd)
        rules = self.d.rules(cmd)
        if cmd.rule_id is not None:
            try:
                rule = await rules.get(cmd.rule_id)
            except MT5BotError as refused:
                return Step([self.d.error(p, refused, edit=edit, cmd=cmd)])
            return await self._offer_removal(p, cmd, (rule,), every=False, edit=edit)
        live = await rules.list(LIVE)
        every = cmd.selector is Selector.ALL
        found = live if every else await self._matching(cmd, live)
        if not found:
            return Step([self.d.reply(p, "rules", "none_to_remove")])
        if every or len(found) == 1:
            return await self._offer_removal(p, cmd, tuple(found), every=every, edit=edit)
        shown = found[:MAX_LISTED]
        options = tuple(f"remove:{r.id}" for r in shown)
        question = self.d.dialogs.ask(p.owner, QuestionKind.RULE_PICK, cmd, p.raw, options)
        rendered = self.d.render_on(p, cmd, "rules", "ask_which", rules=shown, **await self._figures(cmd))
        return Step([rendered.reply(self._pick_buttons(p, question), edit=edit)])

    async def _offer_removal(
        self, p: Principal, cmd: Command, rules: tuple[Rule, ...], *, every: bool, edit: bool, stage: int = 1
    ) -> Step:
        offer = RuleOffer(remove=rules, every=every)
        conf = self.d.confirmations.create(p.owner, p.role, cmd, p.raw, None, None, rule=offer, stage=stage)
        rendered = self.d.render_on(
            p, cmd, "rules", "remove_preview", rules=rules, every=every, stage=stage,
            ttl=self.d.settings.chat.confirm_ttl_sec, **await self._figures(cmd),
        )  # fmt: skip
        note = Note(p, "rule.remove", Outcome.PENDING, command=cmd, confirmation=conf.id)
        return Step([rendered.reply(self.buttons(p, conf.id), edit=edit, confirmation_id=conf.id)], [note])

    async def _remove_confirmed(self, p: Principal, conf: Confirmation, offer: RuleOffer) -> Step:
        cmd = conf.command
        if offer.every and conf.stage == 1:  # every rule: a second, explicit confirmation
            again = await self._offer_removal(p, cmd, offer.remove, every=True, edit=True, stage=2)
            self.d.confirmations.finish(conf, ConfirmState.DONE, again.replies[0])
            return again
        removed: list[Rule] = []
        for rule in offer.remove:
            try:
                removed.append(await self.d.rules(cmd).remove(rule.id, actor(p)))
            except MT5BotError as refused:
                return self._failed(p, conf, refused)
        rendered = self.d.render_on(p, cmd, "rules", "removed", rules=removed, **await self._figures(cmd))
        reply = rendered.reply(edit=True)
        self.d.confirmations.finish(conf, ConfirmState.DONE, reply)
        return Step([reply], [Note(p, "rule.remove", Outcome.OK, command=cmd, confirmation=conf.id)])

    # --- answers ---------------------------------------------------------------------------------
    async def press(self, p: Principal, press: Press) -> Step:
        """A tap on a rule question's option (a need's answer, or a listed rule's button)."""
        question = self.d.dialogs.take(press.id, p.owner)
        if question is None:
            return Step([self.d.render(p, "trade", "unknown_action").reply(edit=True)])
        index = int(press.choice)
        if question.kind is QuestionKind.RULE_PICK:
            return await self.pick(p, question, index)
        if not 0 <= index < len(question.options):
            return Step([self.d.render(p, "trade", "unknown_action").reply(edit=True)])
        return await self._answered(p, question, question.options[index], edit=True)

    async def typed(self, p: Principal, question: Question, text: str) -> Step | None:
        """A typed answer (an option's number, or the words a need asks for), or None when the text
        answers nothing (it is then read as a new message, and the question stays open)."""
        index = typed_choice(question, text)
        if question.kind is QuestionKind.RULE_PICK:
            if index is None or self.d.dialogs.take(question.id, p.owner) is None:
                return None
            return await self.pick(p, question, index)
        answer = question.options[index] if index is not None else text.strip()[:200]
        cmd = self.questions.read(question, answer)
        if not self.questions.progressed(question, cmd):
            return None
        if self.d.dialogs.take(question.id, p.owner) is None:
            return None
        return await self._continue(p, question, answer, cmd, edit=False)

    async def _answered(self, p: Principal, question: Question, answer: str, *, edit: bool) -> Step:
        cmd = self.questions.read(question, answer)
        return await self._continue(p, question, answer, cmd, edit=edit)

    async def _continue(
        self, p: Principal, question: Question, answer: str, cmd: Command, *, edit: bool
    ) -> Step:
        p = Principal(p.platform, p.user_id, p.chat_id, p.entry, p.lang, p.confirm, question.raw)
        need = (question.command.rule_needs or ("",))[0]
        if cmd.intent is not Intent.RULE_SET:  # the answer contradicts the message: nothing guessed
            note = Note(p, "answer", Outcome.REFUSED, command=question.command, confirmation=question.id,
                        error_code="answer_conflict")  # fmt: skip
            return Step([self.d.render(p, "rules", "answer_conflict").reply(edit=edit)], [note])
        answers = (*question.answers, (str(need), answer))
        step = await self.set(p, cmd, question.text, answers, edit=edit)
        note = Note(p, "answer", Outcome.OK, command=cmd, confirmation=question.id)
        return Step(step.replies, [note, *step.notes])

    def _deny_symbol(self, p: Principal, cmd: Command, symbol: str) -> Step:
        allowed = list(p.entry.allowed_symbols)
        return Step(
            [self.d.reply(p, "access", "symbol_not_allowed", symbol=symbol, allowed=allowed)],
            [Note(p, "rule", Outcome.DENIED, command=cmd, error_code="symbol_not_allowed")],
        )


__all__ = ["RULE_INTENTS", "RULE_QUESTIONS", "RuleFlow"]
