"""Pending questions ("buy or sell?", "lots or price?", "which symbol?", "which position?") and the one
parser of every button action.

A button's action is an id, never a command: `c:<id>:y` / `c:<id>:n` answer a confirmation, `q:<id>:<n>`
picks option n of a question, `s:<id>` takes up a report's suggestion. All state lives in the core's
books (questions here, confirmations, suggestions); at most 21 bytes. A question can also be answered by
typing (a side word, 手/lot or 价格/price, the option's number or #ticket, a symbol name) in the same chat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.core.book import ExpiringBook
from bot.core.confirm import Owner, new_id
from nlu import Command

_PRESS = re.compile(r"^(c|q|s):([0-9a-f]{16})(?::(y|n|\d{1,2}))?$")
_CHOICES = {"c": re.compile("^[yn]$"), "q": re.compile(r"^\d{1,2}$"), "s": re.compile("^$")}
_ACCOUNT_PRESS = re.compile(r"^a:([A-Za-z0-9_.-]{1,32})$")  # an account's name (config checks the form)
_BUY_WORDS = frozenset({"买", "买入", "做多", "多", "开多", "buy", "long", "b"})
_SELL_WORDS = frozenset({"卖", "卖出", "做空", "空", "开空", "sell", "short", "s"})
_VOLUME_WORDS = frozenset({"手", "手数", "lot", "lots", "volume"})
_PRICE_WORDS = frozenset({"价格", "价", "价位", "price"})
_WORDS: dict[str, tuple[frozenset[str], ...]] = {
    "side": (_BUY_WORDS, _SELL_WORDS),
    "volume_or_price": (_VOLUME_WORDS, _PRICE_WORDS),
}


class PressKind(StrEnum):
    CONFIRM = "c"
    QUESTION = "q"
    SUGGESTION = "s"
    ACCOUNT = "a"  # switch to the account named (checked against the user's accounts like "/use")


@dataclass(frozen=True, slots=True)
class Press:
    """A decoded button action."""

    kind: PressKind
    id: str
    choice: str  # y / n for confirmations, an option index for questions, "" for suggestions


def parse_press(action: str) -> Press | None:
    """Decode a button action (also accepted as typed text, for HTTP and console clients)."""
    account = _ACCOUNT_PRESS.match(action.strip())
    if account is not None:
        return Press(PressKind.ACCOUNT, account.group(1), "")
    found = _PRESS.match(action.strip())
    if found is None:
        return None
    kind, item_id, choice = found.group(1), found.group(2), found.group(3) or ""
    if not _CHOICES[kind].match(choice):
        return None
    return Press(PressKind(kind), item_id, choice)


def is_press(text: str) -> bool:
    """True when `text` is a button action (a client sending one back presses it)."""
    return parse_press(text) is not None


def confirm_action(conf_id: str, accept: bool) -> str:
    return f"c:{conf_id}:{'y' if accept else 'n'}"


def option_action(question_id: str, index: int) -> str:
    return f"q:{question_id}:{index}"


def suggestion_action(offer_id: str) -> str:
    return f"s:{offer_id}"


def account_action(name: str) -> str:
    return f"a:{name}"


class QuestionKind(StrEnum):
    """What is asked; the values are the parser's `Need`s, so a need maps onto its question by value."""

    SIDE = "side"  # options: buy, sell
    VOLUME_OR_PRICE = "volume_or_price"  # options: volume, price (the number is the command's `number`)
    SYMBOL = "symbol"  # options: symbol names (canonical)
    TICKET = "ticket"  # options: position (or pending order) tickets
    RULE_NEED = "rule_need"  # a rule's `rule_needs[0]` (rules.py): options are answers, or none (typed)
    RULE_PICK = "rule_pick"  # which rule: options `remove:<id>` / `resume:<id>` (rules.py)


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    owner: Owner
    kind: QuestionKind
    command: Command
    raw: str
    options: tuple[str, ...]
    text: str = ""  # RULE_NEED: the rule's message, read again with the answers (`nlu.complete_rule`)
    answers: tuple[tuple[str, str], ...] = ()  # RULE_NEED: (need, answer) given so far, the asked one last


class DialogBook(ExpiringBook[Owner, Question]):
    """Open questions, one per owner (a new question replaces the old one)."""

    def ask(
        self,
        owner: Owner,
        kind: QuestionKind,
        command: Command,
        raw: str,
        options: tuple[str, ...],
        *,
        text: str = "",
        answers: tuple[tuple[str, str], ...] = (),
    ) -> Question:
        question = Question(new_id(), owner, kind, command, raw, options, text, answers)
        self.put(owner, question)
        return question

    def take(self, question_id: str, owner: Owner) -> Question | None:
        """The owner's live question, removed (single use); None if gone, expired or not theirs."""
        question = self.get(owner)
        if question is None or question.id != question_id:
            return None
        self.discard(owner)
        return question

    def belongs_to_other(self, question_id: str, owner: Owner) -> bool:
        return any(q.id == question_id and q.owner != owner for q in self.values())

    def open_for(self, owner: Owner) -> Question | None:
        """The owner's current question, if still live."""
        return self.get(owner)


def typed_choice(question: Question, text: str) -> int | None:
    """The option a typed answer picks: a side word (SIDE), 手/lot or 价格/price (VOLUME_OR_PRICE), else
    the option's number, or #ticket (TICKET); None when the text answers nothing."""
    word = text.strip().lower().rstrip("。.!！")
    for index, words in enumerate(_WORDS.get(question.kind.value, ())):
        if word in words:
            return index
    if word.startswith("#") and word[1:] in question.options:
        return question.options.index(word[1:])
    if word.isdigit() and 1 <= int(word) <= len(question.options):
        return int(word) - 1
    return None
