"""Days and months in questions (nlu/dates.py): each form gives exactly that day or month, or unknown."""

from __future__ import annotations

import pytest

from nlu import Intent, parse

CASES = [
    ("2025年1月的月报", "report", {"report": "monthly", "month": "2025-01"}),
    ("二零二五年一月的月报", "report", {"report": "monthly", "month": "2025-01"}),
    ("1月份月报", "report", {"report": "monthly", "month": "--01"}),
    ("十一月五号的日报", "report", {"report": "daily", "day": "--11-05"}),
    ("11月5日的日报", "report", {"report": "daily", "day": "--11-05"}),
    ("2026年11月5日对冲报告", "report", {"report": "hedge", "day": "2026-11-05"}),
    ("2026/11/05 的日报", "report", {"report": "daily", "day": "2026-11-05"}),
    ("2026.11.05 日报", "report", {"report": "daily", "day": "2026-11-05"}),
    ("/report monthly 2025-02", "report", {"report": "monthly", "month": "2025-02"}),
    ("/report daily 2026-11-05", "report", {"report": "daily", "day": "2026-11-05"}),
    ("/report monthly 0000-01", "report", {"report": "monthly", "month": "0000-01"}),
    ("monthly report for January 2025", "report", {"report": "monthly", "month": "2025-01"}),
    ("daily report 5 nov 2026", "report", {"report": "daily", "day": "2026-11-05"}),
    ("report for Nov 5", "report", {"report": "daily", "day": "--11-05"}),
    ("EA 20250101 2025年1月的报告", "report", {"report": "monthly", "month": "2025-01", "magic": 20250101}),
    ("2025年1月的盈亏", "pnl", {"month": "2025-01"}),
    ("11月5日的盈亏", "pnl", {"day": "--11-05"}),
    ("2026-11-05 盈亏", "pnl", {"day": "2026-11-05"}),
    ("pnl for 2025-01", "pnl", {"month": "2025-01"}),
    ("黄金 2026年11月 盈亏", "pnl", {"month": "2026-11", "symbol": "XAUUSD"}),
]

UNREAD = [
    "2025年的报告",  # a year alone
    "pnl for 2025",
    "上个月3号的日报",  # a day of which month?
    "3号的盈亏",
    "2025年1月的日报",  # a daily report of a month
    "11月5日的月报",  # a monthly report of a day
    "昨天2026-11-05的盈亏",  # two periods
    "2026-11-05 到 2026-11-07 的盈亏",  # two dates
    "2026-12-01 positions",  # a date on a question that has none
    "2026-12-01 黄金报价",
    "2026-12-05 买入0.01手黄金",  # never on a trade
]


@pytest.mark.parametrize(("text", "intent", "fields"), CASES)
def test_a_named_day_or_month_is_read_exactly(text: str, intent: str, fields: dict[str, object]) -> None:
    command = parse(text).model_dump(mode="json")
    assert command["intent"] == intent
    stated = {k: v for k, v in command.items() if v is not None and k != "intent"}
    assert stated == fields


@pytest.mark.parametrize("text", UNREAD)
def test_what_the_date_words_do_not_pin_down_is_unknown(text: str) -> None:
    assert parse(text).intent is Intent.UNKNOWN


@pytest.mark.parametrize(
    "text",
    [
        "本月盈亏",
        "日报",
        "每日报告",
        "上个月的月报",
        "本周盈亏",
        "买入0.01手黄金 止损2650",
        "平仓 #1000333",
        "3个月",
        "market report",
    ],
)
def test_periods_and_trades_without_dates_are_unchanged(text: str) -> None:
    command = parse(text)
    assert command.day is None and command.month is None
