"""The words accounts are talked about with, and names that are no configured account's (nlu/accounts.py).

`unknown_account` finds an account named that is not configured ("on foo buy...", "foo account",
"模拟账户持仓"), so the chat can say so instead of trading on the default account; `name_like` says whether a
piece of text could be an account's name at all. Pure, no I/O.
"""

from __future__ import annotations

import re

from nlu import cues as C
from nlu import patterns as P
from nlu.command import Problem, ProblemCode
from nlu.lexicon import Lexicon

NOUN_CN = r"(?:账户|账号|帐户|帐号|户口)"
NOUN = rf"(?:{NOUN_CN}|\baccounts?\b|\bacct\b)"
ALL = (
    rf"(?:所有|全部|每个|每一个|各个|各|全)\s*(?:的\s*)?{NOUN_CN}"
    r"|\b(?:all|every|each)\s+(?:of\s+)?(?:my\s+|the\s+|our\s+)?(?:accounts?|accts?)\b"
)
ALL_ONLY = re.compile(rf"^(?:{ALL})$", re.ASCII)
ANY_NOUN = re.compile(NOUN, re.ASCII)
QUESTIONISH = re.compile(r"什么|啥|哪|几|谁|咩|边个|\?|吗|呢|\b(?:which|what|who|whose)\b", re.ASCII)


# Names that are no account's: "on foo buy...", "foo account", "account foo-2", "... on ic-2", "foo账户".
_ID = r"[a-z0-9][a-z0-9_.\-]*"
_ID_MARKED = (
    r"(?=[a-z0-9_.\-]*[0-9_\-])[a-z0-9][a-z0-9_.\-]*"  # with a digit, _ or -: no English word looks like it
)
_UNKNOWN_EN = (  # each on its own: their matches may overlap ("on acct-7": "acct" and "on acct-7")
    re.compile(rf"(?<![a-z0-9_.\-])(?P<word>{_ID})\s*(?:\baccount\b|\bacct\b|{NOUN_CN})", re.ASCII),
    re.compile(rf"\b(?:account|acct)\s*[:#]?\s*(?P<word>{_ID_MARKED})(?![a-z0-9_])", re.ASCII),
)
_UNKNOWN_PLACE = (  # strict: a cue or a period after the preposition is not a name
    re.compile(rf"^\s*(?:on|in|at|using|via)\s+(?:the\s+|my\s+)?(?P<word>{_ID})(?=\s*[:,]|\s+\S)", re.ASCII),
    re.compile(
        rf"\b(?:on|in|at|using|via|for)\s+(?:the\s+|my\s+)?(?P<word>{_ID_MARKED})\s*[.!。]?$", re.ASCII
    ),
)
_PLACE_GATE = re.compile(r"\b(?:on|in|at|using|via|for)\s", re.ASCII)  # most messages have none
_UNKNOWN_CJK = re.compile(
    rf"(?:^|(?<=[\s,:在用从]))(?P<run>[a-z0-9\u3400-\u9fff]{{2,16}}?)\s*(?:的\s*)?{NOUN_CN}", re.ASCII
)
_GENERIC_EN = frozenset(
    "your our his her which what whose any current default same other another that this trading whole"
    " entire one two per switch use change new show see view check display list give tell get".split()
)
GENERIC_CN = "请帮我给查看显示一下这个那当前我的你们交易全部所有每各在用从换切到"
_LETTER = re.compile(r"[a-z]")
_NOT_A_NAME = re.compile(
    "|".join(p.pattern for p in (C.QUESTION, C.NEGATION, C.HYPOTHETICAL, C.PAST, C.NOT_NOW)), re.ASCII
)


def name_like(target: str, lex: Lexicon, cues: bool = True) -> bool:
    """Could this be an account's name: a short run of identifiers or Chinese, no word the parser reads
    (`cues=False`: a not-serious word may be one, "模拟账户", but never a question, negation or time)."""
    if len(target) > 24 or not re.fullmatch(r"[a-z0-9_.\- \u3400-\u9fff]+", target):
        return False
    if QUESTIONISH.search(target) or lex.symbols_in(target):
        return False
    words = re.findall(r"[a-z]+", target)
    if any(w in C.TRADE_WORDS for w in words):
        return False
    unsafe = C.UNSAFE if cues else _NOT_A_NAME
    return not (
        unsafe.search(target)
        or P.ANY_VERB.search(target)
        or C.QUERIES.first(target)
        or P.PERIODS.first(target)
    )


def unknown_account(text: str, lex: Lexicon) -> Problem | None:
    """An account named that is not configured: "on foo buy...", "foo account", "模拟账户持仓"."""
    noun = ANY_NOUN.search(text) is not None
    patterns = (*(_UNKNOWN_EN if noun else ()), *(_UNKNOWN_PLACE if _PLACE_GATE.search(text) else ()))
    for pattern in patterns:
        strict = pattern in _UNKNOWN_PLACE
        for match in pattern.finditer(text):
            if strict and C.UNSAFE.search(match[0]):
                continue  # "in case gold drops...": a cue, not a place
            if _foreign(match["word"], lex, strict):
                return Problem(code=ProblemCode.UNKNOWN_ACCOUNT, text=match["word"])
    for match in _UNKNOWN_CJK.finditer(text) if noun else ():
        run = match["run"].lstrip(GENERIC_CN).removesuffix("的")
        if len(run) >= 2 and name_like(run, lex, cues=False) and not ALL_ONLY.match(match[0].strip()):
            return Problem(code=ProblemCode.UNKNOWN_ACCOUNT, text=run)
    return None


def _foreign(word: str, lex: Lexicon, strict: bool) -> bool:
    """A word that names no account, symbol or word of the parser (`strict`: no cue word either)."""
    if word in C.TRADE_WORDS or word in _GENERIC_EN or lex.resolve(word) is not None:
        return False
    if P.PERIODS.first(word) or (strict and (not _LETTER.search(word) or C.UNSAFE.search(word))):
        return False  # "today account P&L": a period
    return not re.fullmatch(r"[0-9.\-]*[.\-][0-9.\-]*", word)  # a range or a price, not a name
