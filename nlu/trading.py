"""A trading command from a scan: which trading intent the verbs make, and its fields once every safety
check passed (a field given twice, one the intent cannot carry, a level outside the symbol's price band, a
side or order type that does not follow) — or `unknown`. The parser (parser.py) decides when to call it.
"""

from __future__ import annotations

from pydantic import ValidationError

from nlu import bare as B
from nlu import cues as C
from nlu import patterns as P
from nlu import scan as S
from nlu.bands import fits_price
from nlu.command import UNKNOWN, Command, Intent, OrderType, Selector, Side
from nlu.needs import with_needs
from nlu.unread import unread

_ALLOWED: dict[Intent, frozenset[str]] = {
    Intent.OPEN: frozenset({"symbol", "side", "volume", "order_type", "price", "sl", "tp", "magic"}),
    Intent.CLOSE: frozenset({"symbol", "side", "volume", "fraction", "selector", "ticket", "magic"}),
    Intent.LOCK: frozenset({"symbol", "side", "selector", "ticket", "magic"}),
    Intent.MODIFY: frozenset(
        {"symbol", "side", "order_type", "price", "sl", "tp", "selector", "ticket", "magic"}
    ),
    Intent.CANCEL: frozenset({"symbol", "side", "order_type", "selector", "ticket", "magic"}),
}


_STRONG = ((Intent.CLOSE, P.CLOSE_VERB), (Intent.CANCEL, P.CANCEL_VERB), (Intent.LOCK, P.LOCK_VERB))


def _without_side_nouns(text: str, strong: bool) -> str:
    """The text without "多单"/"short positions" (and, after close/cancel, "buy stops"): nouns, not verbs."""
    tables = (P.SIDE_NOUN, P.SIDE_ORDER_NOUN) if strong else (P.SIDE_NOUN,)
    for table in tables:
        if table.any.search(text):  # nearly always false: skip the substitutions
            for pattern, _side in table.rows:
                text = pattern.sub(" ", text)
    return text


def trading_kind(scan: S.Scan) -> Intent | None:
    """Which trading verb the message carries; UNKNOWN when it carries two actions; None for none."""
    if not P.ANY_VERB.search(scan.text) and scan.trigger is None:
        return Intent.MODIFY if scan.sl_tp_mentioned and _levels(scan) else None  # most queries end here
    text = _without_side_nouns(scan.text, False)
    strong = [k for k, p in _STRONG if p.search(text)]
    if strong:
        text = _without_side_nouns(text, True)
    scan.verb_text, scan.verb_buy, scan.verb_sell = text, P.BUY_VERB.search(text), P.SELL_VERB.search(text)
    buy_sell = scan.verb_buy or scan.verb_sell
    numbered = scan.volume is not None or scan.price is not None
    if not strong:  # "挂单欧美 1.0850": the bare number is the price; "删除挂单123456": a ticket
        numbered = numbered or P.BARE.search(scan.text) is not None
    neutral = (
        bool(P.OPEN_VERB.search(text))
        or bool(P.PENDING_WORD.search(text) and numbered)
        or (scan.trigger is not None and scan.volume is not None)  # "黄金涨破3420 0.1手": a stop, side asked
    )
    modify = scan.sl_tp_mentioned and (scan.modify_verb or _levels(scan))
    if not (strong or buy_sell or modify or P.OPEN_VERB.search(text)) and _moved(scan):
        modify = scan.price is not None or bool(neutral)  # "改挂单价格 3300": a pending order's new price
        neutral = False
    if len(strong) > 1 or ((strong or buy_sell or neutral) and C.SEQUENCE.search(text)):
        return Intent.UNKNOWN
    if strong:
        return Intent.UNKNOWN if neutral or modify else strong[0]
    if buy_sell or neutral:
        return Intent.OPEN
    return Intent.MODIFY if modify else None


def _levels_in_band(scan: S.Scan) -> bool:
    """A price, SL or TP outside the instrument's band is not understood: gold's "止损3.600" is not 3.6."""
    if len(scan.symbols) != 1 or not (scan.price or scan.sl or scan.tp):
        return True
    symbol = next(iter(scan.symbols))
    return all(fits_price(symbol, v, scan.bands) is not False for v in (scan.price, scan.sl, scan.tp) if v)


def _moved(scan: S.Scan) -> bool:
    """A modify verb anywhere, even one the price consumed ("价格改到3300"); 回调 is a pullback, not 调."""
    return scan.trigger is None and P.MODIFY_VERB.search(scan.source.replace("回调", ""))


def _levels(scan: S.Scan) -> bool:
    return scan.sl is not None or scan.tp is not None


def unsafe(text: str) -> bool:
    """A question, a negation, a statement about the past or a hypothetical: never a trade."""
    if C.UNSAFE.search(text):
        return True
    return bool(C.PAST_LE.search(text) and not C.IMPERATIVE.search(text))


def _sides(scan: S.Scan, kind: Intent) -> set[Side]:
    text = scan.text
    strong = kind is not Intent.OPEN
    tables = (P.SIDE_NOUN, P.SIDE_ORDER_NOUN) if strong else (P.SIDE_NOUN,)
    sides = {side for t in tables if t.any.search(text) for pattern, side in t.rows if pattern.search(text)}
    if kind is Intent.CLOSE and "平多" in text:
        sides.add(Side.BUY)
    if kind is Intent.CLOSE and "平空" in text:
        sides.add(Side.SELL)
    cleaned = _without_side_nouns(text, strong)
    if cleaned == scan.verb_text:  # the verb check already looked at exactly this text
        buy, sell = scan.verb_buy, scan.verb_sell
    else:
        buy, sell = P.BUY_VERB.search(cleaned), P.SELL_VERB.search(cleaned)
    if buy:
        sides.add(Side.BUY)
    if sell:
        sides.add(Side.SELL)
    return sides


def _selector(scan: S.Scan) -> Selector | Intent | None:
    """The selector; Intent.UNKNOWN when a ticket and another selector are both given."""
    named = P.SELECTORS.first(scan.text)
    if scan.ticket is not None:
        return Selector.TICKET if named is None else Intent.UNKNOWN
    return named


_TRIGGER_SIDE = {P.Trigger.UP: Side.BUY, P.Trigger.DOWN: Side.SELL, P.Trigger.PULLBACK: Side.BUY,
                 P.Trigger.RALLY: Side.SELL}  # fmt: skip
_TRIGGER_TYPE = {P.Trigger.UP: OrderType.STOP, P.Trigger.DOWN: OrderType.STOP,
                 P.Trigger.PULLBACK: OrderType.LIMIT, P.Trigger.RALLY: OrderType.LIMIT}  # fmt: skip


def _triggered_type(scan: S.Scan, side: Side | None, named: OrderType | None) -> OrderType | Intent:
    """涨破/跌破 name a stop, 回调/反弹 a limit; a side or a named type against the trigger is not understood.

    Without a side the chat asks it; the type stays what the words said (the core refuses a price on the
    wrong side of the market for it, with its reason).
    """
    assert scan.trigger is not None  # noqa: S101 - only called with a trigger
    triggered = _TRIGGER_TYPE[scan.trigger]
    if side is not None and _TRIGGER_SIDE[scan.trigger] is not side:
        return Intent.UNKNOWN
    return triggered if named in (None, OrderType.PENDING, triggered) else Intent.UNKNOWN


def _order_type(scan: S.Scan, kind: Intent, side: Side | None) -> OrderType | Intent | None:
    named = S.order_word(scan)
    if kind is Intent.OPEN and scan.trigger is not None:
        return _triggered_type(scan, side, named)
    if kind is Intent.OPEN:
        if named is OrderType.MARKET and scan.price is not None:
            return Intent.UNKNOWN
        return OrderType.PENDING if named is None and scan.price is not None else named
    if kind is Intent.CLOSE or named in (OrderType.MARKET, OrderType.PENDING):
        return None  # closing is always at market; every cancel/modify target is pending anyway
    return named


def _refused(scan: S.Scan) -> bool:
    text = scan.text
    if scan.ambiguous or len(scan.symbols) > 1 or unsafe(text) or unread(text):
        return True
    if scan.sl_tp_mentioned and P.SL_TP_MENTION.search(text):
        return True  # an SL/TP word left without a number we read ("止损三千六"): never dropped silently
    return bool(P.DIGIT.search(text) or P.COUNT.search(text) or P.PERIODS.first(text))


def trading_command(scan: S.Scan, kind: Intent) -> Command:
    if kind is Intent.UNKNOWN or scan.findings:
        return UNKNOWN
    number = B.assign(scan, kind)
    fields = None if _refused(scan) else _fields(scan, kind)
    if fields is None or not _carried(kind, fields, scan):
        return UNKNOWN
    if number is not None and fields.get("order_type") is OrderType.MARKET:
        fields["volume"], number = number, None  # "buy eurusd 1 at market": no price, so 1 is the volume
    try:
        command = Command.model_validate({"intent": kind, **fields, "number": number})
    except ValidationError:
        return UNKNOWN  # e.g. a volume of 0 or above the maximum: impossible, so not understood
    return with_needs(command)


def _fields(scan: S.Scan, kind: Intent) -> dict[str, object] | None:
    """The command's fields as found; None when they contradict each other (not understood)."""
    sides = _sides(scan, kind)
    if kind is Intent.OPEN and len(sides) > 1:
        return None
    side = next(iter(sides)) if len(sides) == 1 else None
    selector = _selector(scan) if kind is not Intent.OPEN else P.SELECTORS.first(scan.text)
    if kind is Intent.CLOSE and selector is None and scan.ticket is None:
        selector = P.IMPLIED_SELECTORS.first(scan.text)
    order_type = _order_type(scan, kind, side)
    if Intent.UNKNOWN in (selector, order_type) or (scan.fraction is not None and scan.volume is not None):
        return None
    if not _levels_in_band(scan):
        return None
    candidates: dict[str, object] = {
        "symbol": next(iter(scan.symbols), None),
        "side": side,
        "volume": scan.volume,
        "fraction": scan.fraction,
        "order_type": order_type,
        "price": scan.price,
        "sl": scan.sl,
        "tp": scan.tp,
        "selector": selector,
        "ticket": scan.ticket,
        "magic": scan.magic,
    }
    return {key: value for key, value in candidates.items() if value is not None}


def _carried(kind: Intent, fields: dict[str, object], scan: S.Scan) -> bool:
    """Every field is one the intent can carry; a bare "取消"/"cancel" is about the conversation."""
    stated = set(fields)
    if stated - _ALLOWED[kind]:
        return False
    return kind is not Intent.CANCEL or bool(stated - {"side"}) or bool(P.CANCEL_OBJECT.search(scan.text))
