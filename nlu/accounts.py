"""Accounts: which configured account a message names, and requests to switch (docs/nlu.md, "Accounts").

`read` runs on the normalised text after the slash command and before anything else. It either answers
at once (a switch, an account that is not configured, a name it cannot place) or hands back the text
without the account's words and the account they named, for the rest of the parser. Pure, no I/O.

An account word counts only where it cannot be something else: with 账户/account around it, after a
preposition (on in at for 在 用 从), before 的, or first in the message. A name that is also a symbol
("gold") counts only with 账户/account; a name the parser reads as a word ("today", a period) never
counts alone at the start, and one that is a safety cue ("demo") only for a question. Anywhere else a
configured name is not guessed. Names of one character are only switched to ("/use a"), never looked for.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from nlu import cues as C
from nlu import patterns as P
from nlu.account_words import (
    ALL,
    ALL_ONLY,
    ANY_NOUN,
    GENERIC_CN,
    NOUN,
    NOUN_CN,
    name_like,
    unknown_account,
)
from nlu.command import ALL_ACCOUNTS, UNKNOWN, Command, Intent, Problem, ProblemCode
from nlu.lexicon import Lexicon, freeze_aliases, lexicon
from nlu.normalize import normalize

Accounts = Mapping[str, Sequence[str]]  # configured name -> extra names (its label, synonyms)

_NOUN_ONE = rf"(?:{NOUN_CN}|\baccount\b|\bacct\b)"
_EN_PREP = r"\b(?:on|in|at|for|from|via|using|with|across|under)\s+(?:the\s+|my\s+)?"
_CN_PREP = r"(?:(?<![现正存实所])在|使用|用|从|于)\s*"
_FIRM_PREP = frozenset({"on", "in", "在", "用"})  # where a word of the parser's would not stand
_LEAD = re.compile(
    r"^(?:\s|请|帮我|麻烦|给我|查看|查询|看看|看下|看一下|显示|\bplease\b|\bpls\b|\bshow(?: me)?\b)*$",
    re.ASCII,
)

# The whole message asks to switch: "切换到 IC实盘", "用demo账户", "switch to demo", "/use demo", "切换账户".
_SWITCH = re.compile(
    r"^(?:请|帮我|我要|我想|给我|麻烦|please\s+|pls\s+)?\s*"
    r"(?P<verb>切换到|切换至|切换成|切换去|切到|切去|换到|换成|转到|改用|使用|用|切换|换一个|换个|换|"
    r"switch\s+(?:over\s+)?to|switch|change\s+to|use)"
    rf"\s*(?:the\s+|my\s+)?(?P<pre>{NOUN})?\s*(?:到|至|为|成|\bto\b)?\s*"
    rf"(?P<target>.*?)\s*(?P<noun>{NOUN}|号)?"
    r"\s*(?:吧|了|一下|\bplease\b|\bpls\b|\bthanks\b|\bthx\b|谢谢)?\s*[.!。]?$",
    re.ASCII,
)
# A switch word the whole-message form did not read ("切换到demo吗?", "不要切换到demo"): never a switch.
_SWITCH_WORD = re.compile(r"切换|切到|切去|换到|换成|换个|转到|改用|使用|\bswitch\b|\buse\b", re.ASCII)
# Accounts named but not which: another, both, several (every one is ALL, read before this).
_VAGUE = re.compile(
    rf"(?:其他|其它|别的|另一个|另外的?|另个|两个|俩|几个|多个|一些)\s*(?:的\s*)?{NOUN_CN}"
    r"|\baccounts\b|\baccts\b|\b(?:other|another|second|different|both|two|several|some)\s+(?:account|acct)\b",
    re.ASCII,
)
_AT = re.compile(r"@([^\s@]+(?:\s[a-z0-9]+)?)")
_CJK = re.compile(r"[\u3400-\u9fff]")
_JOINS = re.compile(r".*[a-z0-9.]|[a-z0-9.]", re.ASCII)  # a digit, point or letter on either side
_SPACE = re.compile(r"\s+")


class _Kind(Enum):
    PLAIN = "plain"  # counts first in the message too
    WORD = "word"  # the parser reads it as a word (a verb, a period, a query...): only with a marker
    CUE = "cue"  # wholly a safety cue ("demo", "test"): alone at the start only for a question
    SYMBOL = "symbol"  # a symbol's name too: only with 账户/account


class _Unsure(Enum):
    UNSURE = "unsure"


_UNSURE = _Unsure.UNSURE


@dataclass(frozen=True)
class Book:
    """The configured accounts compiled for matching; build it with `book()` (cached)."""

    names: Mapping[str, str]  # a name or label, normalised without spaces -> the configured name
    shared: frozenset[str]  # labels two accounts share: never resolved
    kinds: Mapping[str, _Kind]
    mention: re.Pattern[str]

    def resolve(self, text: str) -> str | None:
        """The configured name for exactly this name or label (normalised), or None."""
        key = _compact(text)
        return None if key in self.shared else self.names.get(key)


@dataclass(frozen=True)
class Reading:
    """What `read` found: a whole answer (`command`), or the account and the text left for the parser."""

    rest: str
    account: str | None = None
    command: Command | None = None
    with_noun: str | None = None  # the text with 账户/account put back: "demo账户" alone asks about it
    questions_only: bool = False  # a cue word alone names the account ("demo positions"): no trade


def _compact(text: str) -> str:
    return _SPACE.sub("", text)


def _fragment(key: str) -> str:
    """A name as a pattern: spaces optional, a space allowed where Latin meets Chinese, ASCII bounded."""
    pieces = []
    for i, ch in enumerate(key):
        if ch == " ":
            pieces.append(r"\s*")
            continue
        if i and key[i - 1] != " " and key[i - 1].isascii() != ch.isascii():
            pieces.append(r"\s?")
        pieces.append(re.escape(ch))
    body = "".join(pieces)
    if key[0].isascii() and key[0].isalnum():
        body = r"(?<![a-z0-9_.\-])" + body
    if key[-1].isascii() and key[-1].isalnum():
        body += r"(?![a-z0-9_]|[.\-][a-z0-9])"
    return body


@lru_cache(maxsize=1)
def _parser_words() -> re.Pattern[str]:
    """Every word the parser reads on its own (verbs, queries, periods, selectors), whole."""
    tables = (C.QUERIES, P.PERIODS, P.SELECTORS, P.REPORTS)
    sources = [P.ANY_VERB.pattern, P.REPORT_WORD.pattern, ALL]
    sources += [pattern.pattern for table in tables for pattern, _value in table.rows]
    return re.compile("|".join(f"(?:{source})" for source in sources), re.ASCII)


def _is_word(key: str) -> bool:
    """True if the parser reads this whole name as one of its own words ("today", "持仓", "all")."""
    words = re.findall(r"[a-z]+", key)
    if words and all(w in C.TRADE_WORDS for w in words):
        return True
    return _parser_words().fullmatch(key) is not None


def _kind(key: str, lex: Lexicon) -> _Kind:
    if lex.resolve(key) is not None:
        return _Kind.SYMBOL
    if _is_word(key):
        return _Kind.WORD
    return _Kind.CUE if _cue_words().fullmatch(key) else _Kind.PLAIN


@lru_cache(maxsize=1)
def _cue_words() -> re.Pattern[str]:
    return re.compile(C.UNSAFE.pattern, re.ASCII)


def _build(frozen: tuple[tuple[str, tuple[str, ...]], ...], lex: Lexicon) -> Book:
    names: dict[str, str] = {}
    shared: set[str] = set()
    spelled: dict[str, str] = {}  # compact key -> one spelling with its spaces (for the pattern)
    for name, extra in frozen:
        canonical = name.strip()
        if not canonical or canonical == ALL_ACCOUNTS:
            continue
        for alias in (canonical, *extra):
            spelling = normalize(alias).strip()
            key = _compact(spelling)
            if not key:
                continue
            if names.get(key, canonical) != canonical:
                shared.add(key)
            names[key] = canonical
            spelled.setdefault(key, spelling)
    kinds = {key: _kind(spelling, lex) for key, spelling in spelled.items()}
    # One character is never looked for in a message (金 is in 资金, "a" is a word), as in the lexicon.
    by_length = sorted((s for k, s in spelled.items() if len(k) > 1), key=len, reverse=True)
    alternatives = "|".join(_fragment(s) for s in by_length) or "(?!)"
    mention = re.compile(
        rf"(?P<prep>{_EN_PREP}|{_CN_PREP})?(?P<pre>{_NOUN_ONE}\s*[:#]?\s*)?"
        rf"(?:(?P<all>{ALL})|(?P<name>{alternatives}))"
        rf"(?P<post>\s*(?:的\s*)?{NOUN})?(?P<tail>\s*(?:的|:|,))?",
        re.ASCII,
    )
    return Book(names=names, shared=frozenset(shared), kinds=kinds, mention=mention)


@lru_cache(maxsize=32)
def _cached(
    frozen: tuple[tuple[str, tuple[str, ...]], ...], aliases: tuple[tuple[str, tuple[str, ...]], ...]
) -> Book:
    return _build(frozen, lexicon(dict(aliases)))


def book(accounts: Accounts, aliases: Mapping[str, Sequence[str]] | None = None) -> Book:
    """The accounts (name -> extra names) compiled against the symbol lexicon with `aliases`, cached."""
    frozen = tuple(
        sorted(
            (name, (extra,) if isinstance(extra, str) else tuple(extra)) for name, extra in accounts.items()
        )
    )
    return _cached(frozen, freeze_aliases(aliases))


def mentioned_at(text: str, accounts: Book) -> bool:
    """True if an @mention (which normalisation drops as a bot's name) is an account's: "平仓黄金 @IC实盘"."""
    for mention in _AT.findall(unicodedata.normalize("NFKC", text).lower()):
        key = _compact(normalize(mention))
        for name in accounts.names:
            if len(name) > 1 and key.startswith(name) and not key[len(name) : len(name) + 1].isalnum():
                return True  # "@demo", "@IC实盘", "@ic live,"; not "@demobot"
    return False


def read(text: str, accounts: Book, lex: Lexicon, forced: Intent | None, slashed: bool) -> Reading:
    """The account `text` names and the text without it, or the whole answer (see the module doc)."""
    switched = _switch(text, accounts, lex, slashed)
    if switched is not None:
        return Reading(rest=text, command=switched)
    found: set[str] = set()
    unsure = questions_only = False
    cuts: list[tuple[int, int, bool]] = []  # each account mention: start, end, with the account word
    for match in accounts.mention.finditer(text):
        verdict = _verdict(match, text, accounts, forced)
        if verdict is None:
            continue
        if verdict is _UNSURE:
            unsure = True
            continue
        found.add(verdict)
        questions_only = questions_only or _bare_cue(match, accounts)
        cuts.append((*match.span(), bool(match["pre"] or match["post"] or match["all"])))
    if unsure:  # before looking for names no account has: a name not placed is still configured
        return Reading(rest=text, command=UNKNOWN)
    rest = _cut(text, cuts, noun=False)
    if ANY_NOUN.search(rest) and _VAGUE.search(rest):
        return Reading(rest=text, command=UNKNOWN)  # "其他账户的持仓", "positions on my accounts": which?
    missing = unknown_account(rest, lex)
    if missing is not None:
        return Reading(rest=text, command=Command(problem=missing))
    if len(found) > 1 or ((found or ANY_NOUN.search(rest)) and _SWITCH_WORD.search(rest)):
        return Reading(rest=text, command=UNKNOWN)
    account = next(iter(found), None)
    with_noun = _cut(text, cuts, noun=True) if any(named for _s, _e, named in cuts) else None
    return Reading(rest=rest, account=account, with_noun=with_noun, questions_only=questions_only)


def _cut(text: str, cuts: list[tuple[int, int, bool]], noun: bool) -> str:
    """`text` without the mentions; `noun`: with "account" where a mention had the account word.

    Chinese around a cut closes up ("不在demo账户买" reads "不买", a negation); a space is left where a
    digit or a Latin letter would otherwise join another ("平仓123456在demo账户0.1手" keeps two numbers).
    """
    pieces, at = [], 0
    for start, end, named in cuts:
        pieces.append(text[at:start])
        before, after = text[start - 1 : start], text[end : end + 1]
        pieces.append(" account " if noun and named else " " if _JOINS.match(before + after) else "")
        at = end
    pieces.append(text[at:])
    return "".join(pieces)


def _verdict(match: re.Match[str], text: str, accounts: Book, forced: Intent | None) -> str | _Unsure | None:
    """The account a mention names; None when it is not one (a symbol's name); UNSURE when not sure."""
    if match["all"]:
        single = match["all"][0] in "全各" and match["all"][1:2] not in ("部", "个")
        return _UNSURE if single and _inside_word(text, match.start("all")) else ALL_ACCOUNTS  # 安全账户
    key = _compact(match["name"])
    canonical = accounts.resolve(key)
    if canonical is None or _inside_word(text, match.start("name")):
        return _UNSURE  # a label two accounts share; "金账户" in "资金账户余额"
    if match["pre"] or match["post"] or ANY_NOUN.search(key):
        return canonical  # "demo账户", "account demo", a label with the word in it ("主账户")
    kind = accounts.kinds[key]
    if kind is _Kind.SYMBOL:
        return None  # "buy 0.1 lots on gold": the symbol
    start = _LEAD.match(text[: match.start()]) is not None
    tail = (match["tail"] or "").strip()
    prep = (match["prep"] or "").split()
    if tail == "的" or (tail and start):
        return canonical
    if prep and (kind is _Kind.PLAIN or prep[0] in _FIRM_PREP or prep[0][0] in _FIRM_PREP):
        return canonical  # "on demo": an account; "for today" with an account called today: not sure
    if start and (kind in (_Kind.PLAIN, _Kind.CUE) or forced is not None):
        return canonical  # "IC实盘 平仓黄金"; "/positions demo": after a slash query the rest is its argument
    return _UNSURE


def _bare_cue(match: re.Match[str], accounts: Book) -> bool:
    """A cue word ("demo") standing alone for an account: "demo buy 0.01 gold" may be a demonstration."""
    if not match["name"] or match["pre"] or match["post"] or match["prep"] or match["tail"]:
        return False
    return accounts.kinds.get(_compact(match["name"])) is _Kind.CUE


def _inside_word(text: str, start: int) -> bool:
    """A Chinese name right after a Chinese character that is no filler: maybe the end of another word."""
    before = text[start - 1 : start]
    return (
        bool(before)
        and _CJK.match(text, start) is not None
        and _CJK.match(before) is not None
        and (before not in GENERIC_CN)
    )


def _switch(text: str, accounts: Book, lex: Lexicon, slashed: bool) -> Command | None:
    """A whole-message request to switch; None when the message is not one."""
    match = _SWITCH.match(text.strip())
    if match is None:
        return None
    target = match["target"].strip()
    if not target:
        if match["verb"] in ("use", "用", "使用", "改用") and not (match["pre"] or match["noun"] or slashed):
            return None  # "use" or "用" alone is not about accounts
        return Command(intent=Intent.USE_ACCOUNT)  # which one: the chat lists them
    canonical = accounts.resolve(target) or accounts.resolve(target + (match["noun"] or ""))
    if canonical is not None:
        return Command(intent=Intent.USE_ACCOUNT, account=canonical)
    if ALL_ONLY.match(f"{target} {match['noun'] or ''}".strip()) or ALL_ONLY.match(target):
        return UNKNOWN  # "all accounts" is no account to switch to
    if name_like(target, lex):
        return Command(problem=Problem(code=ProblemCode.UNKNOWN_ACCOUNT, text=target))
    return None


def attach(command: Command, account: str | None) -> Command:
    """`command` for `account`; an intent that has no account ("IC实盘 帮助") is not understood."""
    if account is None or command.intent is Intent.UNKNOWN:
        return command
    if command.intent in (Intent.HELP, Intent.SUBSCRIBE, Intent.UNSUBSCRIBE, Intent.USE_ACCOUNT):
        return UNKNOWN
    return command.model_copy(update={"account": account})
