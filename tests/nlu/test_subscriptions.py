"""Subscription requests: the whole message asks to (un)subscribe, or it is not read as one."""

from __future__ import annotations

import pytest

from nlu import Intent, Report, parse

CASES = [
    ("订阅日报", Intent.SUBSCRIBE, Report.DAILY),
    ("我要订阅对冲报告", Intent.SUBSCRIBE, Report.HEDGE),
    ("/subscribe monthly", Intent.SUBSCRIBE, Report.MONTHLY),
    ("subscribe to the daily report", Intent.SUBSCRIBE, Report.DAILY),
    ("订阅", Intent.SUBSCRIBE, None),
    ("取消月报", Intent.UNSUBSCRIBE, Report.MONTHLY),
    ("不要再发日报了", Intent.UNSUBSCRIBE, Report.DAILY),
    ("关闭日报推送", Intent.UNSUBSCRIBE, Report.DAILY),
    ("stop the monthly report", Intent.UNSUBSCRIBE, Report.MONTHLY),
    ("/unsubscribe hedge", Intent.UNSUBSCRIBE, Report.HEDGE),
    ("退订", Intent.UNSUBSCRIBE, None),
    ("取消订阅", Intent.UNSUBSCRIBE, None),
    ("unsubscribe", Intent.UNSUBSCRIBE, None),
]


@pytest.mark.parametrize(("text", "intent", "report"), CASES)
def test_subscription_requests(text: str, intent: Intent, report: Report | None) -> None:
    command = parse(text)
    assert (command.intent, command.report) == (intent, report)


@pytest.mark.parametrize("text", ["订阅日报吗", "订阅黄金", "要不要订阅月报", "取消日报的挂单"])
def test_near_misses_are_not_understood(text: str) -> None:
    assert parse(text).intent is Intent.UNKNOWN


def test_cancel_stays_cancel() -> None:
    assert parse("取消黄金挂单").intent is Intent.CANCEL
    assert parse("取消").intent is not Intent.UNSUBSCRIBE  # a bare 取消 is about the conversation
