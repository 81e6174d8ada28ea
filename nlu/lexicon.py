"""The symbol lexicon: what retail traders call each instrument, compiled once per alias set."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from nlu.normalize import normalize

# Canonical name -> names people use (besides the canonical code itself). Codes and words are matched on
# ASCII word boundaries; Chinese names are matched anywhere. Single characters are never aliases (金 is in
# 资金, 保证金, 美金), and neither are ambiguous currencies alone (美元).
SYMBOLS: dict[str, tuple[str, ...]] = {
    "EURUSD": ("欧美", "欧元", "欧元美元", "欧元兑美元", "euro", "fiber"),
    "GBPUSD": ("镑美", "英镑", "英镑美元", "英镑兑美元", "磅美", "cable", "pound"),
    "USDJPY": ("美日", "日元", "美元日元", "美元兑日元", "yen"),
    "AUDUSD": ("澳美", "澳元", "澳元美元", "aussie"),
    "NZDUSD": ("纽美", "纽元", "纽币", "纽西兰元", "kiwi"),
    "USDCAD": ("美加", "加元", "加币", "loonie"),
    "USDCHF": ("美瑞", "瑞郎", "美元瑞郎", "swissy"),
    "EURJPY": ("欧日", "欧元日元"),
    "GBPJPY": ("镑日", "英镑日元", "磅日"),
    "EURGBP": ("欧镑", "欧元英镑"),
    "XAUUSD": ("黄金", "金子", "现货黄金", "伦敦金", "gold", "xau"),
    "XAGUSD": ("白银", "银子", "现货白银", "伦敦银", "silver", "xag"),
    "USOIL": ("原油", "美油", "美原油", "wti", "wti原油", "crude", "oil", "xtiusd"),
    "UKOIL": ("布油", "布伦特", "布伦特原油", "brent", "xbrusd"),
    "US30": ("道指", "道琼斯", "道琼斯指数", "dow", "dowjones", "dj30", "dji", "wall street"),
    "NAS100": ("纳指", "纳斯达克", "纳斯达克指数", "纳指100", "nasdaq", "ustec", "us100", "nq100", "nas"),
    "US500": ("标普", "标普500", "标准普尔", "spx", "spx500", "sp500", "s&p500", "s&p"),
    "GER40": ("德指", "德国指数", "dax", "dax40", "de40", "ger30", "de30"),
    "HK50": ("恒指", "恒生", "恒生指数", "hsi", "hk33"),
    "BTCUSD": ("比特币", "大饼", "btc", "bitcoin", "xbt"),
    "ETHUSD": ("以太坊", "以太", "二饼", "eth", "ether", "ethereum"),
}

# Broker suffixes: `.m`, `.pro`, `.i#`, `_ecn`, `-std`, `#`; on codes (not words) a bare letter: `XAUUSDm`.
# After "-" the suffix starts with a letter: in "gold-1手" the "-1" is a negative number, not a suffix.
_SUFFIX_SEP = r"(?:[._][a-z0-9]{1,5}#?|-[a-z][a-z0-9]{0,4}#?|#)?"
_SUFFIX_CODE = r"(?:[._][a-z0-9]{1,5}#?|-[a-z][a-z0-9]{0,4}#?|[a-z]#?|#)?"

# Instruments quoted in the thousands: only for these is "3,600" read as 3600 (a price, SL or TP).
# Every other symbol (currency pairs, silver, oil, a canonical name added in config) never is.
THOUSANDS_QUOTED: frozenset[str] = frozenset(
    {"XAUUSD", "US30", "NAS100", "US500", "GER40", "HK50", "BTCUSD", "ETHUSD"}
)


@dataclass(frozen=True)
class Lexicon:
    """A compiled alias table; build it with `lexicon()` so each alias set is compiled once."""

    pattern: re.Pattern[str]
    names: Mapping[str, str]  # normalised alias -> canonical
    canonical: frozenset[str]

    def symbols_in(self, text: str) -> list[tuple[str, int, int]]:
        """Every symbol mention as (canonical, start, end)."""
        found = []
        for match in self.pattern.finditer(text):
            alias = match.group("cbase") or match.group("wbase") or match.group("cjk")
            canonical = self.names.get(alias) if alias else None
            if canonical:
                found.append((canonical, match.start(), match.end()))
        return found

    def resolve(self, name: str) -> str | None:
        """The canonical symbol for one name (alias, code or code with a broker suffix), or None."""
        text = normalize(name)
        for canonical, start, end in self.symbols_in(text):
            if start == 0 and end == len(text):
                return canonical
        return None


def _is_ascii(word: str) -> bool:
    return word.isascii()


def _build(table: Mapping[str, Sequence[str]]) -> Lexicon:
    names: dict[str, str] = {}
    codes: set[str] = set()
    for canonical, aliases in table.items():
        code = canonical.lower()
        names[code] = canonical
        codes.add(code)
        for alias in aliases:
            key = normalize(alias)
            if len(key) >= 2:
                names[key] = canonical
    by_length = sorted(names, key=len, reverse=True)
    ascii_codes = [n for n in by_length if _is_ascii(n) and n in codes]
    ascii_words = [n for n in by_length if _is_ascii(n) and n not in codes]
    cjk = [n for n in by_length if not _is_ascii(n)]
    parts = []
    if ascii_codes:
        body = "|".join(re.escape(n) for n in ascii_codes)
        parts.append(rf"(?<![a-z])(?P<cbase>{body}){_SUFFIX_CODE}(?![a-z0-9])")
    if ascii_words:
        body = "|".join(re.escape(n) for n in ascii_words)
        parts.append(rf"(?<![a-z&])(?P<wbase>{body}){_SUFFIX_SEP}(?![a-z&])")
    if cjk:
        parts.append("(?P<cjk>" + "|".join(re.escape(n) for n in cjk) + ")")
    if not ascii_codes:
        parts.append("(?P<cbase>(?!))")
    if not ascii_words:
        parts.append("(?P<wbase>(?!))")
    if not cjk:
        parts.append("(?P<cjk>(?!))")
    pattern = re.compile("|".join(parts))
    return Lexicon(pattern=pattern, names=names, canonical=frozenset(table))


def _merge(aliases: Mapping[str, Sequence[str]] | None) -> dict[str, tuple[str, ...]]:
    merged = dict(SYMBOLS)
    for canonical, extra in (aliases or {}).items():
        key = canonical.strip().upper()
        if key:
            merged[key] = (*merged.get(key, ()), *extra)
    return merged


@lru_cache(maxsize=32)
def _cached(frozen: tuple[tuple[str, tuple[str, ...]], ...]) -> Lexicon:
    return _build(_merge(dict(frozen)))


def freeze_aliases(aliases: Mapping[str, Sequence[str]] | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A hashable key for an alias mapping (the cache key of `lexicon`)."""
    if not aliases:
        return ()
    return tuple(sorted((k, tuple(v)) for k, v in aliases.items()))


def lexicon(aliases: Mapping[str, Sequence[str]] | None = None) -> Lexicon:
    """The lexicon with the built-in names plus `aliases` (canonical -> extra names), cached."""
    return _cached(freeze_aliases(aliases))
