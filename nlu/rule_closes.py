"""The closing rules' figures (docs/nlu.md, "Rules"): a staged take-profit's stages, an equity guard's
limit, reference, warning and pause, a profit lock's start and give-back."""

from __future__ import annotations

import re

from mt5bridge.common.rulespec import Drawdown, EquityGuard, ProfitLock, Stage, StagedTakeProfit
from mt5bridge.common.vocab import Reference, Side
from nlu import rule_words as W
from nlu.bands import fits_price
from nlu.command import RuleNeed
from nlu.normalize import cn_to_number
from nlu.rule_reading import Action, Reading, amount_of, number, share_of


def staged(r: Reading) -> Action | None:
    """黄金到3700平一半，到3750再平30%; 盈利100点平一半; close half of gold at 3700 and 30% more at 3750."""
    r.take(W.STAGED_WORD)
    stages = _stages(r)
    if stages is None and not r.bad:
        stages = r.answered(RuleNeed.STAGES, _stages)
        if stages is None:
            r.needs.append(RuleNeed.STAGES)
    return None if stages is None else StagedTakeProfit(stages=stages)


def _stages(r: Reading) -> list[Stage] | None:
    """Each stage's level (a price, or points of profit) and share, in the order said."""
    levels: list[tuple[str, float, str | None, str | None]] = []  # (kind, value, share, direction word)
    for match in list(W.STAGE_ZH.finditer(r.text)):
        if not (levels or match.group("lvl") or match.group("pprofit") or in_band(r, match)):
            continue  # the first stage names its level ("到3700", "盈利100点", a price of the symbol named)
        if match.group("pts") is not None:
            levels.append(("points", float(match.group("pts")), match.group("share"), None))
        else:
            levels.append(("price", float(match.group("price")), match.group("share"), match.group("lvl")))
            if match.group("dian") and not match.group("lvl"):
                r.bad = True
        r.blank(match.start(), match.end())
    r.collapse()
    for match in r.take(W.STAGE_EN):
        share = match.group("share") or match.group("share2")
        value, pts = (
            match.group("num") or match.group("num2"),
            match.group("en_pts") or match.group("en_pts2"),
        )
        levels.append(("points" if pts else "price", float(value), share, None))
    if not levels:
        return None
    return _built(r, levels)


def in_band(r: Reading, match: re.Match[str]) -> bool:
    """ "黄金3700平一半": a share and a figure that can only be the named symbol's price."""
    symbol, price = r.symbol(), match.group("price")
    return (
        bool(match.group("share"))
        and symbol is not None
        and fits_price(symbol, float(price), r.bands) is True
    )


def _built(r: Reading, levels: list[tuple[str, float, str | None, str | None]]) -> list[Stage] | None:
    stages: list[Stage] = []
    for kind, value, share_word, direction in levels:
        if not _direction_fits(r, direction) or (kind == "price" and not _price_fits(r, value)):
            r.bad = True
            return None
        share = share_of(share_word, round(1 - sum(s.share for s in stages), 9))
        if share is None or share <= 0:
            r.bad = True
            return None
        stage = Stage(price=value, share=share) if kind == "price" else Stage(points=value, share=share)
        stages.append(stage)
    return stages


def _direction_fits(r: Reading, word: str | None) -> bool:
    """涨到 is a buy's target, 跌到 a sell's: said against the side (or with no side), not understood."""
    if word is None:
        return True
    if any(w in word for w in ("涨", "升")):
        return r.side is not Side.SELL
    if any(w in word for w in ("跌", "降")):
        return r.side is Side.SELL
    return True


def _price_fits(r: Reading, value: float) -> bool:
    symbol = r.symbol()
    return symbol is None or fits_price(symbol, value, r.bands) is not False


def equity_guard(r: Reading) -> Action | None:
    """账户今天亏损超过3%就全部平仓并暂停; 净值从最高点回撤10%全平; 亏损2%提醒我，3%全平."""
    reference, amount = _reference(r)
    warn = r.one(W.WARN)
    limit = _limit(r)
    pause = bool(r.take(W.PAUSE))
    r.take(W.LOSS_THEN)
    r.take(W.CLOSE_ALL)
    r.take(W.GUARD_SUBJECT)
    if limit is not None or warn is not None:
        r.take(W.LOSS_NOUN)
    if reference is None:
        reference, amount = r.answered(RuleNeed.REFERENCE, _reference_said) or (None, None)
    if limit is None:
        limit = r.answered(RuleNeed.LIMIT, _limit_said)
    r.needs.extend(
        need for need, v in ((RuleNeed.LIMIT, limit), (RuleNeed.REFERENCE, reference)) if v is None
    )
    if r.needs or limit is None or reference is None:
        return None
    warn_at = _warning(warn)
    if warn_at is not None and not _below(warn_at, limit):
        r.bad = True  # a warning must come before the limit ("3%提醒我，2%全平" is not understood)
        return None
    return EquityGuard(reference=reference, amount=amount, limit=limit, warn_at=warn_at, pause=pause)


def _below(warn: Drawdown, limit: Drawdown) -> bool:
    """The warning is below the limit; in different units only the core can tell (from the reference)."""
    if warn.percent is not None and limit.percent is not None:
        return warn.percent < limit.percent
    if warn.money is not None and limit.money is not None:
        return warn.money < limit.money
    return True


def _reference(r: Reading) -> tuple[Reference | None, float | None]:
    """今天/daily: the start of the day; 最高点/peak: the peak; 从10000起: a fixed amount. Two: bad."""
    found: list[tuple[Reference, float | None]] = []
    if r.take(W.REFERENCE_DAY):
        found.append((Reference.DAY_START, None))
    if r.take(W.REFERENCE_PEAK):
        found.append((Reference.PEAK, None))
    fixed = r.one(W.REFERENCE_FIXED)
    if fixed is not None:
        value = fixed.group("fixed_bare")
        money = next((a for t in ("fixed_zh", "fixed_en") if (a := amount_of(fixed, t))), None)
        found.append((Reference.FIXED, float(value) if value else money[1] if money else None))
    if len(found) > 1:
        r.bad = True
    return found[0] if found else (None, None)


def _reference_said(r: Reading) -> tuple[Reference, float | None] | None:
    reference, amount = _reference(r)
    return None if reference is None else (reference, amount)


def _limit_said(r: Reading) -> Drawdown | None:
    """An answer's limit: a percent or an amount with its unit (a bare number could be either)."""
    match = r.one(W.LIMIT_ONLY)
    return None if match is None else _drawdown(match, "pct", "pct_cn", "amt")


def _limit(r: Reading) -> Drawdown | None:
    """亏损超过3%, 回撤到200 (an amount: no unit is money), drawdown of $500; or a figure right before the
    close ("亏损2%提醒我，3%全平")."""
    match = r.one(W.DRAWDOWN) or r.one(W.LIMIT_BEFORE_CLOSE)
    if match is None:
        return None
    if match.group("bare") is not None and not _amount_not_price(r, float(match.group("bare"))):
        r.bad = True
        return None
    return _drawdown(match, "pct", "pct_cn", "amt", match.group("bare"))


def _amount_not_price(r: Reading, value: float) -> bool:
    """A figure without a unit next to one symbol is not an amount when it could be that symbol's price
    ("黄金回撤到3500就全平": a pullback to 3500, or a drawdown of 3500?)."""
    symbol = r.symbol()
    return symbol is None or fits_price(symbol, value, r.bands) is False


def _drawdown(
    match: re.Match[str], pct: str, pct_cn: str, amt: str, bare: str | None = None
) -> Drawdown | None:
    if match.group(pct) is not None:
        return Drawdown(percent=float(match.group(pct)))
    if match.group(pct_cn) is not None:
        value = cn_to_number(match.group(pct_cn))
        return None if value is None else Drawdown(percent=value)
    money = amount_of(match, amt)
    if money is not None:
        return Drawdown(money=money[1])
    return None if bare is None else Drawdown(money=float(bare))


def _warning(match: re.Match[str] | None) -> Drawdown | None:
    if match is None:
        return None
    if match.group("wpct2") is not None:
        return Drawdown(percent=float(match.group("wpct2")))
    if match.group("wamt2_usd") or match.group("wamt2"):
        return _drawdown(match, "wpct2", "wpct_cn", "wamt2")
    return _drawdown(match, "wpct", "wpct_cn", "wamt")


def profit_lock(r: Reading) -> Action | None:
    """浮盈到100美元后回吐一半就全平; lock profit: after 100 dollars, close if it gives back 50%."""
    r.take(W.LOCK_WORD)
    start = r.one(W.LOCK_START)
    give = r.one(W.GIVE_BACK)
    r.take(W.CLOSE_ALL)
    activate = next((a[1] for t in ("zh", "en") if start and (a := amount_of(start, t))), None)
    share = share_of(give.group("share") or give.group("share2"), 1.0) if give else None
    activate = activate if activate is not None else r.answered(RuleNeed.LOCK_START, _money_said)
    share = share if share is not None else r.answered(RuleNeed.GIVE_BACK, _share_said)
    r.needs.extend(
        need for need, v in ((RuleNeed.LOCK_START, activate), (RuleNeed.GIVE_BACK, share)) if v is None
    )
    if activate is None or share is None:
        return None
    return ProfitLock(activate_at=activate, give_back=share)


def _money_said(r: Reading) -> float | None:
    """An answer's amount: "100美元", "$100", or "100" (the question asks for an amount)."""
    match = r.one(W.MONEY_ONLY)
    if match is None:
        return None
    amount = amount_of(match, "m")
    return amount[1] if amount else number(match.group("m_bare"))


def _share_said(r: Reading) -> float | None:
    match = r.one(W.SHARE_ONLY)
    return None if match is None else share_of(match.group("share"), 1.0)
