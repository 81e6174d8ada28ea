"""The symbol lexicon: what retail traders call each instrument, compiled once per alias set."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from nlu.bands import BANDS
from nlu.normalize import normalize

# Canonical name -> names people use (besides the canonical code itself). Codes and words are matched on
# ASCII word boundaries; Chinese names are matched anywhere. Single characters are never aliases (金 is in
# 资金, 保证金, 美金), and neither are ambiguous currencies alone (美元).
SYMBOLS: dict[str, tuple[str, ...]] = {
    "EURUSD": (
        "欧美",
        "欧元",
        "欧元美元",
        "欧元兑美元",
        "euro",
        "fiber",
        "fibre",
        "eu",
        "eur/usd",
        "eur-usd",
        "eur usd",
        "eur",
    ),
    "GBPUSD": (
        "镑美",
        "英镑",
        "英镑美元",
        "英镑兑美元",
        "磅美",
        "cable",
        "pound",
        "gu",
        "gbp/usd",
        "gbp-usd",
        "gbp usd",
        "gbp",
    ),
    "USDJPY": (
        "美日",
        "日元",
        "日圆",
        "美元日元",
        "美元兑日元",
        "美元兑日圆",
        "yen",
        "uj",
        "usd/jpy",
        "usd-jpy",
        "usd jpy",
        "jpy",
    ),
    "AUDUSD": ("澳美", "澳元", "澳元美元", "澳元兑美元", "aussie", "aud/usd", "aud-usd", "aud usd", "aud"),
    "NZDUSD": ("纽美", "纽元", "纽币", "纽西兰元", "纽元兑美元", "kiwi", "nzd/usd", "nzd-usd", "nzd"),
    "USDCAD": ("美加", "加元", "加币", "美元兑加元", "loonie", "usd/cad", "usd-cad", "cad"),
    "USDCHF": ("美瑞", "瑞郎", "美元瑞郎", "美元兑瑞郎", "swissy", "swissie", "usd/chf", "usd-chf", "chf"),
    "EURJPY": ("欧日", "欧元日元", "欧元兑日元", "欧元兑日圆", "ej", "eur/jpy", "eur-jpy"),
    "GBPJPY": ("镑日", "英镑日元", "磅日", "英镑兑日元", "英镑兑日圆", "gj", "guppy", "gbp/jpy", "gbp-jpy"),
    "EURGBP": ("欧镑", "欧元英镑", "欧元兑英镑", "eur/gbp", "eur-gbp"),
    "XAUUSD": ("黄金", "金子", "现货黄金", "伦敦金", "金价", "gold", "xau", "xau/usd"),
    "XAGUSD": ("白银", "银子", "现货白银", "伦敦银", "银价", "silver", "xag", "xag/usd"),
    "USOIL": ("原油", "美油", "美原油", "wti", "wti原油", "crude", "oil", "xtiusd"),
    "UKOIL": ("布油", "布伦特", "布伦特原油", "brent", "xbrusd"),
    "US30": (
        "道指",
        "道琼斯",
        "道琼斯指数",
        "道琼",
        "dow",
        "dowjones",
        "dow jones",
        "dj30",
        "dji",
        "wall street",
        "ym",
    ),
    "NAS100": (
        "纳指",
        "纳斯达克",
        "纳斯达克指数",
        "纳指100",
        "nasdaq",
        "ustec",
        "us100",
        "nq100",
        "nas",
        "nq",
        "ndx",
        "naz",
    ),
    "US500": (
        "标普",
        "标普500",
        "标准普尔",
        "spx",
        "spx500",
        "sp500",
        "s&p500",
        "s&p",
        "spoos",
        "spooz",
        "es",
    ),
    "GER40": ("德指", "德国指数", "dax", "dax40", "de40", "ger30", "de30"),
    "HK50": ("恒指", "恒生", "恒生指数", "期指", "hsi", "hk33"),
    "BTCUSD": ("比特币", "大饼", "btc", "bitcoin", "xbt"),
    "ETHUSD": ("以太坊", "以太", "二饼", "eth", "ether", "ethereum"),
}

# Broker suffixes: `.m`, `.pro`, `.i#`, `_ecn`, `-std`, `#`; on codes (not words) a bare letter: `XAUUSDm`.
# After "-" the suffix starts with a letter: in "gold-1手" the "-1" is a negative number, not a suffix.
_SUFFIX_SEP = r"(?:[._][a-z0-9]{1,5}#?|-[a-z][a-z0-9]{0,4}#?|#)?"
_SUFFIX_CODE = r"(?:[._][a-z0-9]{1,5}#?|-[a-z][a-z0-9]{0,4}#?|[a-z]#?|#)?"

# 金 alone is gold only right after a trading verb (揸金, 沽金, 买金, 平金): elsewhere it is in 资金, 美金.
_GOLD_AFTER_VERB = r"金(?<=[揸沽买卖平空多手]金)(?![额融币库])"  # look-behind after the literal: faster

_ASCII_LETTER = re.compile(r"[a-z]")

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
    # The same alternatives for text without ASCII letters (or without anything else): most Chinese
    # messages have no Latin letter, and the code/word part's look-behinds make every position slow.
    cjk_only: re.Pattern[str]
    ascii_only: re.Pattern[str]
    bands: Mapping[str, tuple[float, float]]  # price bands (nlu/bands.py) with the configured ones on top

    def symbols_in(self, text: str) -> list[tuple[str, int, int]]:
        """Every symbol mention as (canonical, start, end)."""
        found = []
        if not _ASCII_LETTER.search(text):
            pattern = self.cjk_only
        elif text.isascii():
            pattern = self.ascii_only
        else:
            pattern = self.pattern
        for match in pattern.finditer(text):
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


def _build(table: Mapping[str, Sequence[str]], bands: Mapping[str, tuple[float, float]]) -> Lexicon:
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
        parts.append("(?P<cjk>" + "|".join([*(re.escape(n) for n in cjk), _GOLD_AFTER_VERB]) + ")")
        names["金"] = "XAUUSD"
    if not ascii_codes:
        parts.append("(?P<cbase>(?!))")
    if not ascii_words:
        parts.append("(?P<wbase>(?!))")
    if not cjk:
        parts.append("(?P<cjk>(?!))")
    ascii_parts = [p for p in parts if "<cjk>" not in p] + ["(?P<cjk>(?!))"]
    cjk_parts = [p for p in parts if "<cjk>" in p] + ["(?P<cbase>(?!))", "(?P<wbase>(?!))"]
    return Lexicon(
        pattern=re.compile("|".join(parts)),
        names=names,
        canonical=frozenset(table),
        cjk_only=re.compile("|".join(cjk_parts)),
        ascii_only=re.compile("|".join(ascii_parts)),
        bands={**BANDS, **bands},
    )


def _merge(aliases: Mapping[str, Sequence[str]] | None) -> dict[str, tuple[str, ...]]:
    merged = dict(SYMBOLS)
    for canonical, extra in (aliases or {}).items():
        key = canonical.strip().upper()
        if key:
            merged[key] = (*merged.get(key, ()), *extra)
    return merged


Bands = Mapping[str, tuple[float, float]]


@lru_cache(maxsize=32)
def _cached(
    frozen: tuple[tuple[str, tuple[str, ...]], ...], bands: tuple[tuple[str, tuple[float, float]], ...]
) -> Lexicon:
    return _build(_merge(dict(frozen)), {k.strip().upper(): v for k, v in bands})


def freeze_aliases(aliases: Mapping[str, Sequence[str]] | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A hashable key for an alias mapping (the cache key of `lexicon`)."""
    if not aliases:
        return ()
    return tuple(sorted((k, tuple(v)) for k, v in aliases.items()))


def lexicon(aliases: Mapping[str, Sequence[str]] | None = None, bands: Bands | None = None) -> Lexicon:
    """The lexicon with the built-in names plus `aliases` (canonical -> extra names) and price `bands`
    (canonical -> (low, high), on top of nlu/bands.py), cached."""
    return _cached(freeze_aliases(aliases), tuple(sorted((bands or {}).items())))
