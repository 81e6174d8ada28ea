"""The questions a rule asks before it is complete (`Command.rule_needs`, docs/nlu.md "Rules").

One need at a time, the first of `rule_needs`: with buttons where the answers are a closed set (which
positions: the symbols held or all of them; a guard's reference: today's start or the peak), else a
short prompt for the words (20点, 3%, 100美元). The answer is never filled into a field: the message is read
again with every answer so far (`nlu.parser.complete_rule`), so nothing but what the user said is used.
"""

from __future__ import annotations

from bot.core.auth import Principal
from bot.core.context import Deps
from bot.core.dialog import Question, QuestionKind, option_action
from bot.core.step import Note, Step
from bot.messages import Button
from nlu import Command, Intent
from nlu.command import RuleNeed
from nlu.lexicon import lexicon
from nlu.parser import complete_rule
from storage.models import Outcome

ALL_POSITIONS = "all"  # the scope answer for every position (complete_rule reads "all")
REFERENCES = ("day_start", "peak")  # a guard's reference answers (a fixed amount is said in words)
MAX_SYMBOLS = 6


class RuleQuestions:
    """Draws a rule's next question and reads the message again with its answers."""

    def __init__(self, deps: Deps) -> None:
        self.d = deps
        self._aliases = {k: list(v) for k, v in deps.settings.nlu.aliases.items()}
        self._bands = dict(deps.settings.nlu.price_bands)
        self._names = lexicon(self._aliases)

    async def ask(
        self, p: Principal, cmd: Command, text: str, answers: tuple[tuple[str, str], ...], *, edit: bool
    ) -> Step:
        need = (cmd.rule_needs or (RuleNeed.SCOPE,))[0]
        options = await self._options(cmd, need)
        question = self.d.dialogs.ask(
            p.owner, QuestionKind.RULE_NEED, cmd, p.raw, options, text=text, answers=answers
        )
        buttons = [
            Button(text=self._label(p, option), action=option_action(question.id, i))
            for i, option in enumerate(options)
        ]
        rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
        rendered = self.d.render_on(p, cmd, "rules", "ask", need=need.value, buttons=bool(options))
        note = Note(p, f"question.rule.{need.value}", Outcome.PENDING, command=cmd, confirmation=question.id)
        return Step([rendered.reply(rows or None, edit=edit)], [note])

    async def _options(self, cmd: Command, need: RuleNeed) -> tuple[str, ...]:
        if need is RuleNeed.REFERENCE:
            return REFERENCES
        if need is not RuleNeed.SCOPE:
            return ()  # figures are typed: a button would be a guess
        held = await self.d.port(cmd).positions()
        names = dict.fromkeys(self._names.resolve(pos.symbol) or pos.symbol for pos in held)
        return (*list(names)[:MAX_SYMBOLS], ALL_POSITIONS)

    def _label(self, p: Principal, option: str) -> str:
        if option == ALL_POSITIONS or option in REFERENCES:
            return self.d.renderer.label(p.lang, f"rule_{option}")
        return option

    def read(self, question: Question, answer: str) -> Command:
        """The message read again with the answers so far and `answer` to the question asked."""
        need = (question.command.rule_needs or (RuleNeed.SCOPE,))[0]
        said = {RuleNeed(k): v for k, v in question.answers}
        said[need] = answer
        cmd = complete_rule(
            question.text, said, self._aliases, self._bands, self.d.accounts.parser_accounts()
        )
        return cmd.model_copy(update={"account": question.command.account})

    @staticmethod
    def progressed(question: Question, cmd: Command) -> bool:
        """True when a typed answer was read: the rule is complete, or its question was answered."""
        if cmd.intent is not Intent.RULE_SET:
            return False  # typed: maybe a new message after all (a button's conflict is said)
        asked = (question.command.rule_needs or ())[:1]
        return cmd.rule is not None or not set(asked) & set(cmd.rule_needs or ())
