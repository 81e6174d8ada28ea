"""When the ops watcher warns, stays quiet and says it recovered: plain data in, decisions out."""

from __future__ import annotations

from bot.core.opsrules import OpsKind, Rejections, database_alert, disk_alert, disk_low, rejected_retcode


def test_the_same_retcode_repeated_in_the_window_warns_once() -> None:
    rule = Rejections(repeat=3, window_sec=600)
    assert rule.observe(10027, 0) is None
    assert rule.observe(10027, 10) is None
    alert = rule.observe(10027, 20)
    assert alert is not None
    assert (alert.kind, alert.retcode, alert.retcode_name, alert.count) == (
        OpsKind.REJECTIONS, 10027, "TRADE_RETCODE_CLIENT_DISABLES_AT", 3,
    )  # fmt: skip
    assert alert.window_min == 10
    # a storm: hundreds more within the window stay quiet
    assert [rule.observe(10027, 21 + i) for i in range(300)] == [None] * 300


def test_a_storm_that_goes_on_is_one_message_per_window() -> None:
    rule = Rejections(repeat=2, window_sec=60)
    warned = [t for t in range(0, 300, 5) if rule.observe(10027, t) is not None]
    assert warned == [5, 65, 125, 185, 245]


def test_rejections_spread_wider_than_the_window_never_warn() -> None:
    rule = Rejections(repeat=3, window_sec=60)
    assert [rule.observe(10019, t) for t in (0, 40, 80, 120, 160)] == [None] * 5


def test_retcodes_are_counted_apart_and_zero_repeat_is_off() -> None:
    rule = Rejections(repeat=2, window_sec=60)
    assert rule.observe(10027, 0) is None
    assert rule.observe(10019, 1) is None
    assert rule.observe(10019, 2) is not None
    assert all(Rejections(0, 60).observe(10027, t) is None for t in range(10))


def test_disk_low_below_the_threshold_and_recovered_only_with_a_margin() -> None:
    assert disk_low(900, 1000, was_low=False)
    assert not disk_low(1000, 1000, was_low=False)
    assert disk_low(1050, 1000, was_low=True)  # hovering just above: still low, no flapping
    assert not disk_low(1200, 1000, was_low=True)
    assert not disk_low(0, 0, was_low=False)  # 0 = off


def test_disk_alerts_on_each_change_only() -> None:
    low, alert = disk_alert(500, 1000, "/data", was_low=False)
    assert low and alert is not None and alert.kind is OpsKind.DISK_LOW
    assert (alert.free_mb, alert.threshold_mb, alert.path) == (500, 1000, "/data")
    assert disk_alert(400, 1000, "/data", was_low=True) == (True, None)
    low, alert = disk_alert(5000, 1000, "/data", was_low=True)
    assert not low and alert is not None and alert.kind is OpsKind.DISK_OK
    assert disk_alert(5000, 1000, "/data", was_low=False) == (False, None)


def test_database_warns_on_the_first_failure_and_says_when_it_writes_again() -> None:
    failing, alert = database_alert(
        "OperationalError: attempt to write a readonly database", was_failing=False
    )
    assert failing and alert is not None and alert.kind is OpsKind.DB_UNWRITABLE
    assert "readonly" in alert.error
    assert database_alert("again", was_failing=True) == (True, None)
    failing, alert = database_alert(None, was_failing=True)
    assert not failing and alert is not None and alert.kind is OpsKind.DB_OK
    assert database_alert(None, was_failing=False) == (False, None)


def test_which_audit_lines_are_rejected_orders() -> None:
    assert rejected_retcode("open", True, 10027, "client_disables_at") == 10027  # any front-end's execution
    assert rejected_retcode("close", False, 10009, None) is None  # done
    assert rejected_retcode("open", True, None, "risk_max_volume") is None  # our own refusal, not MT5's
    assert rejected_retcode("chat.preview", False, None, "client_disables_at") == 10027
    assert rejected_retcode("chat.preview", False, None, "no_positions") is None
    assert rejected_retcode("chat.confirm", False, None, "client_disables_at") is None  # counted once
