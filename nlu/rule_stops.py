"""The stop rules' figures (docs/nlu.md, "Rules"): a break-even's trigger and offset, a trailing stop's
distance (points, k x ATR, the last N candles), activation and step."""

from __future__ import annotations

import re

from mt5bridge.common.rulespec import BreakEven, Trailing, Trigger
from mt5bridge.common.vocab import TrailMode
from nlu import rule_words as W
from nlu.command import RuleNeed
from nlu.rule_reading import Action, Reading, number, profit_trigger


def break_even(r: Reading) -> Action | None:
    """保本, 盈利30点后保本, 1R后保本, 保本加5点, move my gold stop to breakeven (trigger 0: at once)."""
    word = r.one(W.BE_OFFSET)
    offset = 0.0
    if word is not None and word.group("off") is not None:
        offset = float(word.group("off")) * (-1 if word.group("sign") in ("减", "minus") else 1)
    trigger = profit_trigger(r) or Trigger()
    return BreakEven(trigger=trigger, offset_points=offset)


def trailing(r: Reading) -> Action | None:
    """移动止损20点, 按2倍ATR移动止损, 按最近3根K线移动止损, 盈利50点后开始移动止损30点, trail gold 2x ATR."""
    r.take(W.TRAIL_WORD)
    activation = profit_trigger(r) or Trigger()
    step = r.one(W.STEP)
    figures = _distance(r)
    if figures is None and not r.bad:
        figures = r.answered(RuleNeed.DISTANCE, _distance)
        if figures is None:
            r.needs.append(RuleNeed.DISTANCE)
    if figures is None:
        return None
    step_points = number(step.group("step") or step.group("step2")) if step else None
    return Trailing.model_validate({**figures, "activation": activation, "step_points": step_points or 0.0})


def _distance(r: Reading) -> dict[str, object] | None:
    """The trail's distance: points, k x ATR (period, timeframe) or the last N candles; None if not said."""
    timeframe = _timeframe(r)
    atr, candles = r.one(W.ATR), r.one(W.CANDLES)
    points = r.one(W.DISTANCE_POINTS) if atr is None and candles is None else None
    said = [f for f in (atr, candles, points) if f is not None]
    if len(said) != 1:
        r.bad = r.bad or len(said) > 1
        return None
    figures: dict[str, object] = {} if timeframe is None else {"timeframe": timeframe}
    if atr is not None:
        period = atr.group("per") or atr.group("per2") or atr.group("per3")
        figures |= {"mode": TrailMode.ATR, "atr_k": number(atr.group("k") or atr.group("k2"))}
        return figures | ({"atr_period": int(period)} if period else {})
    if candles is not None:
        tf = _timeframe_word(candles.group("tf")) if candles.group("tf") else None
        if tf is not None and timeframe is not None and tf != timeframe:
            r.bad = True
        return (
            figures
            | {"mode": TrailMode.CANDLES, "candles": int(float(candles.group("n")))}
            | ({"timeframe": tf} if tf else {})
        )
    if timeframe is not None:
        r.bad = True  # a timeframe on a trail in points means something the rule does not hold
    return {"mode": TrailMode.POINTS, "distance_points": number(points.group("pts") if points else None)}


TIMEFRAME_WORDS = {
    "1分钟": "M1", "5分钟": "M5", "15分钟": "M15", "30分钟": "M30", "1小时": "H1", "小时线": "H1",
    "小时": "H1", "4小时": "H4", "日线": "D1", "hourly": "H1", "1-hour": "H1", "1 hour": "H1", "4-hour": "H4",
    "4 hour": "H4", "daily": "D1", "15-minute": "M15", "5-minute": "M5",
}  # fmt: skip


def _timeframe_word(word: str) -> str | None:
    word = re.sub(r"\s+", "", word.strip()) if not word.strip().isascii() else word.strip()
    return word.upper() if re.fullmatch(r"[mhd]\d+", word) else TIMEFRAME_WORDS.get(word)


def _timeframe(r: Reading) -> str | None:
    match = r.one(W.TIMEFRAME)
    if match is None:
        return None
    return _timeframe_word(match.group("code") or match.group("zh") or match.group("en"))
