"""Session windows on the server clock (New York + 7 h)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mt5bridge.simulator.sessions import (
    NEVER,
    SESSIONS,
    SessionName,
    is_open,
    is_open_many,
    next_close,
    next_open,
    server_time_from_utc,
    utc_from_server_time,
    window_start,
)
from tests.simulator_market.conftest import server

FRI, SAT, SUN, MON, TUE = (server(2026, 11, d) for d in (27, 28, 29, 30, 24))
H, M = 3600, 60


@pytest.mark.parametrize(
    ("session", "moment", "expected"),
    [
        ("forex", FRI + 23 * H + 54 * M, True),
        ("forex", FRI + 23 * H + 55 * M, False),
        ("forex", SAT + 12 * H, False),
        ("forex", SUN + 23 * H + 59 * M, False),
        ("forex", MON + 4 * M, False),
        ("forex", MON + 5 * M, True),
        ("forex", TUE, True),  # no daily break: open through server midnight
        ("metals", TUE + 30 * M, False),  # daily break 23:58-01:01
        ("metals", TUE + H + M, True),
        ("metals", TUE + 23 * H + 58 * M, False),
        ("metals", FRI + 23 * H + 56 * M, False),
        ("energy", TUE + H + 4 * M, False),
        ("energy", TUE + H + 5 * M, True),
        ("us_index", TUE + 23 * H + 20 * M, False),  # 23:15-23:30 break
        ("us_index", TUE + 23 * H + 30 * M, True),
        ("us_index", FRI + 23 * H + 30 * M, False),
        ("eu_index", TUE + 3 * H, False),
        ("eu_index", TUE + 3 * H + 15 * M, True),
        ("eu_index", TUE + 23 * H, False),
        ("hk_index", TUE + 6 * H + 30 * M, False),  # HKEX lunch
        ("hk_index", TUE + 7 * H, True),
        ("hk_index", TUE + 21 * H, False),
        ("crypto", SAT + 12 * H, True),
        ("crypto", SUN, True),
    ],
)
def test_open_and_closed_moments(session: str, moment: int, expected: bool) -> None:
    assert is_open(session, moment) is expected


def test_weekend_closed_for_all_but_crypto() -> None:
    for name in SESSIONS:
        for moment in range(SAT, SUN + 86_400, 1800):
            assert is_open(name, moment) is (name == SessionName.CRYPTO)


def test_always_open_overrides_sessions() -> None:
    assert is_open("forex", SAT, always=True)
    assert next_open("forex", SAT, always=True) == SAT
    assert next_close("forex", SAT, always=True) == NEVER


def test_next_open_and_close_across_weekend() -> None:
    assert next_open("forex", SAT) == MON + 5 * M
    assert next_close("forex", TUE) == FRI + 23 * H + 55 * M
    assert next_close("forex", SAT) == server(2026, 12, 4, 23, 55)
    assert next_open("metals", TUE + 10 * M) == TUE + H + M
    assert next_close("crypto", SAT) == NEVER
    assert next_open("forex", MON + 5 * M) == MON + 5 * M


def test_unknown_session_raises() -> None:
    with pytest.raises(KeyError):
        is_open("moon", TUE)


@settings(max_examples=300, deadline=None)
@given(
    session=st.sampled_from([s for s in SESSIONS if s != SessionName.CRYPTO]),
    t=st.integers(min_value=server(2025, 1, 1), max_value=server(2028, 1, 1)),
)
def test_next_open_close_are_the_real_edges(session: str, t: int) -> None:
    opened = next_open(session, t)
    assert opened >= t and is_open(session, opened)
    assert opened == t or not is_open(session, opened - 1)
    closes = next_close(session, t)
    assert closes > t and not is_open(session, closes) and is_open(session, closes - 1)
    if is_open(session, t):
        assert opened == t
        probe = np.arange(t, closes, 60, dtype=np.int64)
        assert is_open_many(session, probe).all()


def test_is_open_many_matches_is_open() -> None:
    times = np.arange(MON - 86_400, MON + 8 * 86_400, 437, dtype=np.int64)
    for name in SESSIONS:
        expected = [is_open(name, int(t)) for t in times]
        assert is_open_many(name, times).tolist() == expected


def test_server_time_is_new_york_plus_seven() -> None:
    winter = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    summer = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)
    assert server_time_from_utc(winter) == server(2026, 1, 15, 14, 0)
    assert server_time_from_utc(summer) == server(2026, 7, 15, 15, 0)


def test_dst_switch_moves_the_offset_on_us_dates() -> None:
    # US DST 2026 starts Sunday 8 March 02:00 New York; Europe only switches on 29 March.
    before = datetime(2026, 3, 8, 6, 0, tzinfo=UTC)  # 01:00 EST
    after = datetime(2026, 3, 8, 8, 0, tzinfo=UTC)  # 04:00 EDT
    assert server_time_from_utc(before) == server(2026, 3, 8, 8, 0)
    assert server_time_from_utc(after) == server(2026, 3, 8, 11, 0)
    for moment in (before, after, datetime(2026, 11, 1, 7, 30, tzinfo=UTC)):
        assert utc_from_server_time(server_time_from_utc(moment)) == moment


def test_friday_close_is_fixed_in_server_time_and_moves_in_utc() -> None:
    winter_close = next_close("forex", server(2026, 11, 25))
    summer_close = next_close("forex", server(2026, 7, 8))
    assert utc_from_server_time(winter_close) == datetime(2026, 11, 27, 21, 55, tzinfo=UTC)
    assert utc_from_server_time(summer_close) == datetime(2026, 7, 10, 20, 55, tzinfo=UTC)


def test_naive_datetime_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        server_time_from_utc(datetime(2026, 1, 1))


def test_trading_day_lengths() -> None:
    assert SESSIONS["crypto"].seconds_per_trading_day == 86_400
    assert 23 * H < SESSIONS["forex"].seconds_per_trading_day <= 24 * H
    assert SESSIONS["hk_index"].seconds_per_trading_day == 3 * H - 15 * M + 3.5 * H + 9.75 * H


def test_window_start() -> None:
    assert window_start("forex", TUE + 5 * H) == MON - 7 * 86_400 + 5 * M  # Monday 00:05 of that week
    assert window_start("hk_index", TUE + 8 * H) == TUE + 7 * H
    assert window_start("crypto", SAT) == -NEVER
    with pytest.raises(ValueError, match="closed"):
        window_start("forex", SAT)
