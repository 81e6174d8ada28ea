"""Questions: which query a message asks (positions, P&L, a report...), with the period or the day or
month it names, and requests to (un)subscribe to reports. Trades are parser.py's."""

from __future__ import annotations

from nlu import cues as C
from nlu import patterns as P
from nlu import scan as S
from nlu.command import UNKNOWN, Command, Intent, Period, Report
from nlu.dates import Unread, When
from nlu.normalize import normalize


def subscription(text: str) -> Command | None:
    """ "订阅日报", "取消月报", "退订", "/subscribe hedge": the whole message asks to (un)subscribe."""
    norm = normalize(text).strip()
    for intent, pattern in ((Intent.UNSUBSCRIBE, P.UNSUBSCRIBE), (Intent.SUBSCRIBE, P.SUBSCRIBE)):
        found = pattern.match(norm)
        if found is not None:
            kind = found.group("kind")
            return Command(intent=intent, report=P.SUBSCRIPTION_KINDS[kind] if kind else None)
    # "订阅日报吗", "订阅黄金": about subscriptions, but not a request we read: never a report instead
    return UNKNOWN if P.SUBSCRIPTION_WORD.search(norm) else None


def _query_intent(scan: S.Scan) -> Intent:
    text = scan.text
    if P.REPORT_WORD.search(text) or (scan.magic is not None and C.STATUS.search(text)):
        return Intent.REPORT
    if C.FREE_FORM.search(text) or C.PAST_TRADE.search(text) or scan.sl_tp_mentioned:
        return Intent.UNKNOWN  # "which symbol lost most?" needs reasoning; "要唔要止蝕" is advice
    intent = C.QUERIES.first(text)
    if intent is not None:
        return intent
    if scan.symbols and not scan.has_fields and not C.QUOTE_FILLER.sub("", text):
        return Intent.QUOTE  # just a symbol name: show its price
    return Intent.UNKNOWN


def query(scan: S.Scan, forced: Intent | None, when: When | Unread | None = None) -> Command:
    intent = forced or _query_intent(scan)
    if intent is Intent.UNKNOWN or (forced is None and (scan.volume is not None or scan.price is not None)):
        return UNKNOWN  # a size or a price is no part of a question: "黄金来0.1手多单" was not read
    period = P.PERIODS.first(scan.text)
    report = None
    if intent is Intent.REPORT:
        report = P.REPORTS.first(scan.text) or _report_from_period(period)
    if when is not None:
        return _dated(scan, intent, when, period, report)
    listing = intent in (Intent.POSITIONS, Intent.ORDERS)
    sides = {side for pattern, side in P.SIDE_NOUN.rows if pattern.search(scan.text)} if listing else set()
    return Command(
        intent=intent,
        symbol=next(iter(scan.symbols)) if len(scan.symbols) == 1 else None,
        side=sides.pop() if len(sides) == 1 else None,
        selector=P.SELECTORS.first(scan.text) if listing else None,
        ticket=scan.ticket if listing else None,
        magic=scan.magic if intent in (Intent.POSITIONS, Intent.ORDERS, Intent.PNL, Intent.REPORT) else None,
        period=period if intent in (Intent.PNL, Intent.REPORT) else None,
        report=report,
    )


def _dated(
    scan: S.Scan, intent: Intent, when: When | Unread, period: Period | None, report: Report | None
) -> Command:
    """A P&L or a report for the day or month named; anything else with a date is not understood.

    The date must be the only period said: "昨天 2025-01-05 的盈亏" names two. A report's own word counts
    as its kind, not as a period ("2025年1月的月报" is monthly), and must fit: a daily report of a month
    or a monthly one of a day is not read as something else."""
    if isinstance(when, Unread) or intent not in (Intent.PNL, Intent.REPORT):
        return UNKNOWN
    if intent is Intent.REPORT:
        report = report or (Report.DAILY if when.day is not None else Report.MONTHLY)
        fits = (report is Report.MONTHLY) == (when.day is None)
        own = Period.MONTH if report is Report.MONTHLY else Period.TODAY
        if not fits or period not in (None, own):
            return UNKNOWN
    elif period is not None:
        return UNKNOWN
    dated = {"day": when.iso} if when.day is not None else {"month": when.iso}
    return Command(
        intent=intent,
        symbol=next(iter(scan.symbols)) if len(scan.symbols) == 1 and intent is Intent.PNL else None,
        magic=scan.magic,
        report=report,
        **dated,
    )


def _report_from_period(period: Period | None) -> Report | None:
    if period in (Period.TODAY, Period.YESTERDAY):
        return Report.DAILY
    if period in (Period.MONTH, Period.LAST_MONTH):
        return Report.MONTHLY
    return None
