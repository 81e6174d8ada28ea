"""Pending questions ("buy or sell?", "which position?") and the one parser of every button action.

A button's action is an id, never a command: `c:<id>:y` / `c:<id>:n` answer a confirmation, `q:<id>:<n>`
picks option n of a question, `s:<id>` takes up a report's suggestion. All state lives in the core's
books (questions here, confirmations, suggestions); at most 21 bytes. A question can also be answered by
typing (a side word, or the option's number) in the same chat.
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
_BUY_WORDS = frozenset({"买", "买入", "做多", "多", "开多", "buy", "long", "b"})
_SELL_WORDS = frozenset({"卖", "卖出", "做空", "空", "开空", "sell", "short", "s"})


class PressKind(StrEnum):
    CONFIRM = "c"
    QUESTION = "q"
    SUGGESTION = "s"


@dataclass(frozen=True, slots=True)
class Press:
    """A decoded button action."""

    kind: PressKind
    id: str
    choice: str  # y / n for confirmations, an option index for questions, "" for suggestions


def parse_press(action: str) -> Press | None:
    """Decode a button action (also accepted as typed text, for HTTP and console clients)."""
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


class QuestionKind(StrEnum):
    SIDE = "side"  # options: buy, sell
    TICKET = "ticket"  # options: position tickets


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    owner: Owner
    kind: QuestionKind
    command: Command
    raw: str
    options: tuple[str, ...]


class DialogBook(ExpiringBook[Owner, Question]):
    """Open questions, one per owner (a new question replaces the old one)."""

    def ask(
        self, owner: Owner, kind: QuestionKind, command: Command, raw: str, options: tuple[str, ...]
    ) -> Question:
        question = Question(new_id(), owner, kind, command, raw, options)
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
    """The option a typed answer picks: a side word for SIDE, the number (or #ticket) for TICKET."""
    word = text.strip().lower().rstrip("。.!！")
    if question.kind is QuestionKind.SIDE:
        if word in _BUY_WORDS:
            return 0
        return 1 if word in _SELL_WORDS else None
    if word.startswith("#") and word[1:] in question.options:
        return question.options.index(word[1:])
    if word.isdigit() and 1 <= int(word) <= len(question.options):
        return int(word) - 1
    return None
