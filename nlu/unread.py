"""Words a trading message holds that the parser did not read: then the message is not acted on.

The cue lists (nlu/cues.py) name what is known to stop a trade. This names what may stand in a trade at
all: English words of the trading vocabulary and plain filler (`cues.TRADE_WORDS`), Chinese characters
of the trading patterns and of filler. Anything else was said and not understood (docs/nlu.md, "Words
the parser did not read").
"""

from __future__ import annotations

import re

from nlu import cues as C
from nlu import patterns as P
from nlu.regex import AnyOf


def _trade_chars() -> frozenset[str]:
    """Every Chinese character of the trading vocabulary (patterns.py) plus plain filler."""
    sources: list[re.Pattern[str] | AnyOf] = [
        P.BUY_VERB, P.SELL_VERB, P.OPEN_VERB, P.CLOSE_VERB, P.CANCEL_VERB, P.LOCK_VERB, P.MODIFY_VERB,
        P.PENDING_WORD, P.SIDE_NOUN.any, P.SIDE_ORDER_NOUN.any, P.ORDER_TYPES.any, P.SELECTORS.any,
        P.IMPLIED_SELECTORS.any, P.TRIGGERS.any, P.FRACTION, P.SL_TP_MENTION, P.SL_REMOVE,
    ]  # fmt: skip
    chars = {ch for source in sources for ch in P.CJK.findall(source.pattern)}
    chars |= set(P.CJK.findall(P.FILL_WORDS))
    return frozenset(chars | C.FILLER_CHARS)


TRADE_CHARS = _trade_chars()


_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def unread(text: str) -> bool:
    """A word the trading vocabulary does not have, in English or Chinese: something was not read."""
    if P.LATIN.search(text) and any(word not in C.TRADE_WORDS for word in _WORD.findall(text)):
        return True
    return bool(P.CJK.search(text)) and any(ch not in TRADE_CHARS for ch in P.CJK.findall(text))
