"""The offline parser: one message in, one `Command` out; pure, no I/O.

Decision order: a trading verb makes it a trading command, which must then pass every safety check
(question, negation, past, hypothetical, a number not understood, a field given twice, a field the intent
cannot carry) or it becomes `unknown`. Without a trading verb the message can only be a query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from nlu import accounts as A
from nlu import cues as C
from nlu import patterns as P
from nlu import query as Q
from nlu import rules as R
from nlu import scan as S
from nlu import trading as T
from nlu.command import (
    UNKNOWN,
    Command,
    Intent,
    NumberField,
    Problem,
    ProblemCode,
    RuleNeed,
)
from nlu.dates import Unread, When, take
from nlu.lexicon import Bands, Lexicon, lexicon
from nlu.normalize import normalize


def prepare(text: str) -> tuple[str, Intent | None]:
    """Normalised text with noun phrases rewritten, and the query a leading slash command forces."""
    norm, forced = _slash(normalize(text))
    return _nouns(norm), forced


def _slash(norm: str) -> tuple[str, Intent | None]:
    """The text after a leading slash command, and the query it forces (other slash words stay as text)."""
    forced = None
    slash = P.SLASH_COMMAND.match(norm) if norm.startswith("/") else None
    if slash:
        forced = P.SLASH.get(slash.group(1))
        norm = norm[slash.end() :] if forced else norm[1:]
        if forced and slash.group(1) in ("daily", "monthly", "hedge"):
            norm = f"{slash.group(1)} {norm}"
    return norm, forced


def _nouns(norm: str) -> str:
    """Noun phrases that contain a verb character but are not commands, rewritten (docs/nlu.md)."""
    if P.NOUN_ANY.search(norm):
        for pattern, replacement in P.NOUN_PHRASES:
            norm = pattern.sub(replacement, norm)
    return norm


def has_safety_cue(text: str) -> bool:
    """True if the message is a question, a negation, about the past or hypothetical (never a trade)."""
    norm, _forced = prepare(text)
    return not norm or T.unsafe(norm)


def has_rule_word(text: str) -> bool:
    """True if the message speaks of a rule (保本, trailing, 回撤, 规则...), whether or not it was read."""
    norm, _forced = _slash(normalize(text))
    return bool(norm.strip()) and R.mentions_rule(norm)


def has_rule_cue(text: str) -> bool:
    """True if the message is a question, a negation, a condition, about the past or the future, or
    someone else's: never a rule from the LLM (the offline reader takes a rule's own trigger words)."""
    norm, _forced = _slash(normalize(text))
    return (
        not norm
        or C.RULE_UNSAFE.search(norm)
        or bool(C.PAST_LE.search(norm) and not C.IMPERATIVE.search(norm))
    )


def has_trading_verb(text: str, aliases: Mapping[str, Sequence[str]] | None = None) -> bool:
    """True if the message carries a trading verb, whether or not it was safe to act on."""
    norm, forced = prepare(text)
    if forced is not None or not norm.strip():
        return False
    return T.trading_kind(S.run(norm, lexicon(aliases))) is not None


def parse(
    text: str,
    aliases: Mapping[str, Sequence[str]] | None = None,
    bands: Bands | None = None,
    accounts: A.Accounts | None = None,
) -> Command:
    """Parse one message; `aliases` (canonical -> extra names) extends the symbol lexicon, `bands`
    (canonical -> (low, high)) the price bands, and `accounts` (configured name -> label and other names)
    lets a message name an account (docs/nlu.md, "Accounts"; without accounts nothing names one)."""
    subscription = Q.subscription(text)
    if subscription is not None:
        return subscription
    if accounts:
        return _parse_on_account(text, lexicon(aliases, bands), A.book(accounts, aliases))
    norm, forced = _slash(normalize(text))
    return _parse_prepared(norm, forced, lexicon(aliases, bands))


def complete_rule(
    text: str,
    answers: Mapping[RuleNeed, str],
    aliases: Mapping[str, Sequence[str]] | None = None,
    bands: Bands | None = None,
    accounts: A.Accounts | None = None,
) -> Command:
    """The rule `text` asked for, with the chat's `answers` to the questions its `rule_needs` asked ("20点"
    for `distance`, "XAUUSD" for `scope`...): complete, or with questions still open (an answer that does
    not read leaves its question open). Never more than the message and the answers said (docs/nlu.md)."""
    said = {need: normalize(answer) for need, answer in answers.items()}
    if accounts:
        return _parse_on_account(text, lexicon(aliases, bands), A.book(accounts, aliases), said)
    norm, forced = _slash(normalize(text))
    return _parse_prepared(norm, forced, lexicon(aliases, bands), said)


def read_account(
    text: str, accounts: A.Accounts, aliases: Mapping[str, Sequence[str]] | None = None
) -> A.Reading:
    """What the message says about accounts: the account it names, or a whole answer (docs/nlu.md)."""
    return _read(text, A.book(accounts, aliases), lexicon(aliases))[0]


def _read(text: str, accounts: A.Book, words: Lexicon) -> tuple[A.Reading, Intent | None]:
    """The accounts' reading of the message after normalisation and its slash command, and the query
    that slash command forces."""
    raw = normalize(text)
    norm, forced = _slash(raw)
    return A.read(norm, accounts, words, forced, slashed=raw.startswith("/")), forced


def _parse_on_account(
    text: str, words: Lexicon, accounts: A.Book, answers: R.Answers | None = None
) -> Command:
    """The command with the account the message names; the account's words are not read as anything else."""
    reading, forced = _read(text, accounts, words)
    if reading.command is not None:
        return reading.command
    if "@" in text and A.mentioned_at(text, accounts):
        return UNKNOWN  # "平仓黄金 @IC实盘": normalising drops @mentions (the bot's name); not an account's
    command = _parse_prepared(reading.rest, forced, words, answers)
    if reading.with_noun is not None and _about_nothing(command):
        again = _parse_prepared(reading.with_noun, forced, words)  # "demo账户怎么样": the account
        command = command if again.is_trading else again
    if reading.questions_only and command.is_trading:
        return UNKNOWN  # "demo buy 0.01 gold": the demo account, or a demonstration?
    return A.attach(command, reading.account)


def _about_nothing(command: Command) -> bool:
    """Not understood, or a quote of no symbol: what is left after "demo账户" asks about nothing else."""
    if command.intent is Intent.QUOTE:
        return command.symbol is None
    return command.intent is Intent.UNKNOWN and command.problem is None


def _parse_prepared(
    norm: str, forced: Intent | None, words: Lexicon, answers: R.Answers | None = None
) -> Command:
    """`parse` after normalisation and the slash command: a rule first (docs/nlu.md, "Rules"), then the
    noun phrases rewritten ("trail my stop" is a rule before it is "move my sl"), a trade or a query."""
    if not norm.strip():
        return Command(intent=forced) if forced else UNKNOWN
    if forced is None:
        rule = R.read(norm, words, answers)
        if rule is not None:
            return rule
    norm = _nouns(norm)
    if not norm.strip():
        return Command(intent=forced) if forced else UNKNOWN
    scan = S.run(norm, words)
    kind = None if forced is not None else T.trading_kind(scan)
    when: When | Unread | None = None
    if kind is None:  # a question may name a day or a month ("2025年1月的月报"); a trade never does
        when, rest = take(norm)
        if when is not None:
            scan = S.run(rest, words)
    if scan.findings or scan.zero:
        refused = _number_problem(scan, kind)
        if refused is not None:
            return refused
    if kind is not None:
        return T.trading_command(scan, kind)
    return Q.query(scan, forced, when)


def has_number_finding(text: str, aliases: Mapping[str, Sequence[str]] | None = None) -> bool:
    """True if a number in the message is signed, a range, or has a separator it cannot be read with."""
    norm, _forced = prepare(text)
    return bool(norm.strip()) and bool(S.run(norm, lexicon(aliases)).findings)


def _number_problem(scan: S.Scan, kind: Intent | None) -> Command | None:
    """`unknown` with the problem when a number cannot be read as written (docs/nlu.md, "Numbers").

    With a trading verb every finding counts; without one (a query), only a finding that stands in a
    field (a volume, price, SL, TP, ticket, magic): "今天盈亏-50" is still a P&L question.
    """
    for finding in scan.findings:
        if kind is not None or S.field_of(scan, finding) is not None:
            return Command(problem=S.problem(scan, finding))
    zero = _zero(scan, kind)
    return None if zero is None else Command(problem=zero)


def _zero(scan: S.Scan, kind: Intent | None) -> Problem | None:
    """A volume, price or ticket of 0, or a typed SL/TP of 0 on an open (in a modify, 0 removes it)."""
    checks: list[tuple[NumberField, float | None]] = [("ticket", scan.ticket)]
    if kind is not None:
        checks += [("volume", scan.volume), ("price", scan.price)]
    if kind is Intent.OPEN:
        checks += [("sl", scan.sl), ("tp", scan.tp)]
    for name, value in checks:
        if value == 0 and name in scan.spans:
            code = ProblemCode.ZERO_VOLUME if name == "volume" else ProblemCode.ZERO_NUMBER
            start, end = scan.spans[name]
            return Problem(code=code, field=name, text=scan.source[start:end].strip())
    return None
