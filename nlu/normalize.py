"""Text normalisation before matching: width, script, case, mentions, Chinese numerals."""

from __future__ import annotations

import re
import unicodedata

from nlu.tradchars import SIMPLIFIED, TRADITIONAL

BLANK = "§"  # what consumed spans are overwritten with; never left in user text
MAX_CHARS = 300  # nobody types a trade longer than this; longer text is refused, which also bounds time

# Traditional -> simplified, only for characters that occur in trading talk; a full converter is overkill.
_TRAD = (
    "黃銀歐鎊紐納標恆幣倉單買賣損虧帳賬戶餘額週報掛銷價設開關現錢個這請幫嗎麼別時對們盤進點兩幾淨"
    "訂動調刪條獲還應該會過經從後裡資號碼萬網鎖長與離場歷錄覽詢問題較讓給說務擬盪漲蝕撥擔標準貨"
    "額鐘頭總結虧筆邊億澳紐瑞營綫線倫敦達瓊斯漢數張沒見劃處為並運贏輸損價漲跌負",
    "黄银欧镑纽纳标恒币仓单买卖损亏账账户余额周报挂销价设开关现钱个这请帮吗么别时对们盘进点两几净"
    "订动调删条获还应该会过经从后里资号码万网锁长与离场历录览询问题较让给说务拟荡涨蚀拨担标准货"
    "额钟头总结亏笔边亿澳纽瑞营线线伦敦达琼斯汉数张没见划处为并运赢输损价涨跌负",
)
# Cantonese trading speech adds a few more (賺 兌 圓 緊 彈 鍵 擊 齊 邊 啲 係 嘅 stay readable as simplified).
_TRAD_MORE = ("賺兌圓緊彈鍵擊齊講聽遲陣試啱冇嗰們於識嘢", "赚兑圆紧弹键击齐讲听迟阵试啱冇嗰们于识嘢")
assert len(_TRAD[0]) == len(_TRAD[1])  # noqa: S101 - a broken table must fail at import, not silently
# Minus and dash look-alikes that NFKC leaves alone (−, ‐, ‒, –, —, ―, ⁃, ➖) become "-", and wave dashes
# (〜, ∼, ⁓) "~": a sign or a range must not hide behind a typographic variant (see nlu/numbers.py).
# NFKC already maps full-width －, ＋, ～ and the small ﹣ to their ASCII forms.
_DASHES = "\u2212\u2010\u2012\u2013\u2014\u2015\u2043\u2796"
_WAVES = "\u301c\u223c\u2053"
# OpenCC's character table first, then ours on top (it decides where they differ, e.g. 帳 -> 账).
_TRAD_TABLE = str.maketrans(TRADITIONAL, SIMPLIFIED) | str.maketrans(
    _TRAD[0] + _TRAD_MORE[0] + _DASHES + _WAVES,
    _TRAD[1] + _TRAD_MORE[1] + "-" * len(_DASHES) + "~" * len(_WAVES),
)

# "@bot" is a mention; "@2300", "@-2300", "@负2300", "@.5" are a price (a sign is never a name's start).
_MENTION = re.compile(r"@(?![\d\-+.±负])[\w.\-]+")
_SPACES = re.compile(r"\s+")

CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百千万点半]+(?=\s*(?:手|lots?\b))")
# Spoken levels: "止损三千六百", "价格一点零八五", "涨破三千七" (voice typing writes numbers in characters).
_CN_LEVEL = re.compile(
    r"(止损|止盈|止蚀|止赚|获利|价格|价位|挂在|涨破|突破|跌破|回调到|回落到|反弹到|@)"
    r"(\s*(?:都|全部|统一)?\s*(?:设置为|设为|设在|设|改为|改到|改成|移到|调到|在|到|为|是|:)?\s*)"
    r"([零〇一二两三四五六七八九十百千万点]+)"
)
# "一手半" / "1手半" is one and a half lots.
_AND_A_HALF = re.compile(r"(\d+|[一二两三四五六七八九十]+)\s*手半")
# English amounts of lots: "half a lot", "a half lot", "one and a half lots", "two lots".
_EN_DIGITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip
_EN_WORD = "|".join(_EN_DIGITS)
_EN_HALF = re.compile(r"\b(?:(?:a|one)\s+half(?:\s+a)?|half\s+a|half)\s+(lots?)\b")
_EN_AND_HALF = re.compile(rf"\b({_EN_WORD}|\d+)\s+and\s+a\s+half\s+(lots?)\b")
_EN_LOTS = re.compile(rf"\b({_EN_WORD})\s+(lots?)\b")


def normalize(text: str) -> str:
    """Half-width, simplified, lower-case text without @mentions, single-spaced; '' if too long."""
    if len(text) > MAX_CHARS * 4:
        return ""
    folded = unicodedata.normalize("NFKC", text).translate(_TRAD_TABLE).lower()
    if "@" in folded:
        folded = _MENTION.sub(" ", folded)
    folded = folded.replace(BLANK, " ")
    folded = _SPACES.sub(" ", folded).strip()
    if len(folded) > MAX_CHARS:
        return ""
    if "半" in folded:
        folded = _AND_A_HALF.sub(_replace_and_a_half, folded)
    if "lot" in folded:
        folded = _english_lots(folded)
    if any(word in folded for word in ("止", "价", "破", "到", "@")):
        folded = _CN_LEVEL.sub(_replace_cn_level, folded)
    if "手" not in folded and "lot" not in folded:
        return folded
    return _CN_NUMBER.sub(_replace_cn_number, folded)


def _replace_cn_level(match: re.Match[str]) -> str:
    if len(match.group(3)) < 2:  # one character is a word, not a level: 一律, 一下, 一键
        return match.group(0)
    value = cn_to_number(match.group(3))
    return match.group(0) if value is None else f"{match.group(1)}{match.group(2)}{_plain(value)}"


def _plain(value: float) -> str:
    """A number as digits, never in exponent form (3.0078e+07 would read as a signed number)."""
    return f"{value:f}".rstrip("0").rstrip(".")


def _replace_and_a_half(match: re.Match[str]) -> str:
    whole = cn_to_number(match.group(1)) if not match.group(1).isdigit() else float(match.group(1))
    return match.group(0) if whole is None else f"{whole + 0.5:g}手"


def _english_lots(text: str) -> str:
    text = _EN_AND_HALF.sub(lambda m: f"{_en_number(m.group(1)) + 0.5:g} {m.group(2)}", text)
    text = _EN_HALF.sub(r"0.5 \1", text)
    return _EN_LOTS.sub(lambda m: f"{_en_number(m.group(1)):g} {m.group(2)}", text)


def _en_number(word: str) -> float:
    return float(word) if word.isdigit() else float(_EN_DIGITS[word])


def _replace_cn_number(match: re.Match[str]) -> str:
    value = cn_to_number(match.group(0))
    return match.group(0) if value is None else _plain(value)


_UNITS = {"十": 10, "百": 100, "千": 1000}


def cn_integer(text: str) -> int | None:
    """Integers in Chinese: 三, 十五, 一百二十, 三千六百, and the spoken 三千六 (3600), 一万二 (12000)."""
    if not text:
        return 0
    if text.isdigit():
        return int(text)
    total, section, current, last_unit, gap = 0, 0, None, 0, False
    for ch in text:
        if ch in "零〇" and current is None and section:
            gap = True  # 三千零五: the zero only says a place is empty
        elif ch in CN_DIGITS:
            if current is not None:
                return None  # two digits in a row (e.g. 一二) is not a number we read
            current = CN_DIGITS[ch]
        elif ch in _UNITS:
            section += (1 if current is None else current) * _UNITS[ch]
            current, last_unit, gap = None, _UNITS[ch], False
        elif ch == "万":
            total += (section + (current or 0)) * 10000
            section, current, last_unit, gap = 0, None, 10000, False
        else:
            return None
    if current is not None:  # a last digit right after 百/千/万 is the next place down: 三千六 is 3600
        section += current * (last_unit // 10) if last_unit >= 100 and not gap else current
    return total + section


def cn_to_number(text: str) -> float | None:
    """Chinese numerals to a number: 一 -> 1, 半 -> 0.5, 零点五 -> 0.5, 十 -> 10, 零 -> 0; None if not one."""
    if text == "半":
        return 0.5
    if text.endswith("半") and len(text) > 1:
        whole = cn_integer(text[:-1])
        return None if whole is None else whole + 0.5
    if "点" in text:
        head, _, tail = text.partition("点")
        whole = cn_integer(head)
        if whole is None or not tail or any(ch not in CN_DIGITS for ch in tail):
            return None
        return float(f"{whole}." + "".join(str(CN_DIGITS[ch]) for ch in tail))
    value = cn_integer(text) if text else None
    return None if value is None else float(value)  # 零 is 0: "买入零手" is a zero volume, not no volume
