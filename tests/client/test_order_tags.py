"""Order tags carry a trader's note and are still found when a server shortens the note."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from mt5bridge.terminal.errors import InvalidRequest
from mt5bridge.terminal.order_tags import first_tagged, tag_comment


def test_tag_with_note_fits_31_chars_and_refuses_what_does_not_fit() -> None:
    assert tag_comment("ab12cd34-0") == "mb:ab12cd34-0"
    assert tag_comment("ab12cd34-0", "grid hedge L1") == "mb:ab12cd34-0 grid hedge L1"
    assert len(tag_comment("ab12cd34-0", "x" * 17)) == 31
    with pytest.raises(InvalidRequest):
        tag_comment("ab12cd34-0", "x" * 18)
    with pytest.raises(InvalidRequest):
        tag_comment("ab12cd34-0", "黄金")


def test_first_tagged_matches_the_tag_not_a_longer_one() -> None:
    records = [
        SimpleNamespace(comment="mb:ab12cd34-10 other"),
        SimpleNamespace(comment="mb:ab12cd34-1 gri"),  # the server shortened the note
    ]
    assert first_tagged(records, "mb:ab12cd34-1 grid hedge") is records[1]
    assert first_tagged(records, "mb:ab12cd34-2") is None


async def test_positions_reusing_rebuilds_only_what_trades_touched() -> None:
    from datetime import datetime

    from mt5bridge.simulator import Simulator
    from mt5bridge.terminal.client import MT5Client

    sim = Simulator(seed=1, start=datetime(2026, 11, 25, 10, 0), market_hours="always", history_days=7)
    client = MT5Client(sim)
    await client.connect()
    try:
        tickets = [
            sim.order_send(
                {"action": 1, "symbol": "EURUSD", "volume": 0.1, "type": 0, "type_filling": 1}
            ).order
            for _ in range(3)
        ]
        first = {p.ticket: p for p in await client.positions()}
        sim.advance(60)  # prices move: profits change, nothing else
        sim.order_send({"action": 6, "position": tickets[0], "sl": 1.0, "tp": 0.0})  # SL set by hand
        sim.order_send(
            {
                "action": 1,
                "symbol": "EURUSD",
                "volume": 0.05,
                "type": 1,
                "position": tickets[1],
                "type_filling": 1,
            }
        )  # partial close
        new = sim.order_send(
            {"action": 1, "symbol": "EURUSD", "volume": 0.1, "type": 1, "type_filling": 1}
        ).order
        second = {p.ticket: p for p in await client.positions_reusing(first)}
        assert second[tickets[2]] is first[tickets[2]]  # untouched: the same model object
        assert second[tickets[0]] is not first[tickets[0]] and second[tickets[0]].sl == 1.0
        assert second[tickets[1]].volume == pytest.approx(0.05)
        assert new in second and len(second) == 4
    finally:
        await client.close()
