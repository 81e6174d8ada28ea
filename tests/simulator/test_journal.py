"""The journal: every acknowledged change survives kill -9, and tickets never repeat after a restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from mt5bridge.simulator import Simulator
from mt5bridge.simulator.journal import journal_generations, journal_path
from mt5bridge.simulator.persist import _snapshot, attach_journal, load_state, save_state
from tests.simulator.conftest import WEDNESDAY, close, deal

ROOT = Path(__file__).resolve().parents[2]


def state_of(sim: Simulator) -> dict[str, Any]:
    """Everything the book holds, positions and orders in ticket order."""
    book = sim.book.to_json()
    book["positions"].sort(key=lambda p: p["ticket"])
    book["orders"].sort(key=lambda o: o["ticket"])
    return book | {"trade_modes": dict(sim.market.trade_modes)}


def journaled(tmp_path: Path, **options: Any) -> tuple[Simulator, Path]:
    sim = Simulator(seed=1, start=WEDNESDAY, **options)
    assert sim.initialize()
    path = tmp_path / "state.json"
    attach_journal(sim, path, fsync=False)
    return sim, path


def reload(path: Path) -> Simulator:
    again = load_state(path)
    assert again.initialize()
    return again


def pending(sim: Simulator, kind: int, price: float, **extra: Any) -> int:
    request = {
        "action": sim.TRADE_ACTION_PENDING, "symbol": "EURUSD", "volume": 0.1, "type": kind, "price": price,
        "type_filling": sim.ORDER_FILLING_RETURN, **extra,
    }  # fmt: skip
    result = sim.order_send(request)
    assert result.retcode == sim.TRADE_RETCODE_DONE, result
    return int(result.order)


def test_every_kind_of_change_replays_to_the_same_book(tmp_path: Path) -> None:
    sim, path = journaled(tmp_path, history_days=7)

    def same_after_reload() -> None:  # after every step: a change journaled late would hide otherwise
        again = reload(path)
        assert state_of(again) == state_of(sim)
        assert again.account_info().balance == sim.account_info().balance

    sim.set_price("EURUSD", 1.10000, 1.10002)
    sim.set_price("XAUUSD", 2000.00, 2000.10)
    gold = deal(sim, "XAUUSD", "buy", 0.3, sl=1990.0, tp=2050.0).order
    hedge = deal(sim, "XAUUSD", "sell", 0.1).order
    euro = deal(sim, "EURUSD", "sell", 0.3).order
    same_after_reload()
    assert close(sim, euro, 0.1).retcode == sim.TRADE_RETCODE_DONE  # partial close
    same_after_reload()
    sltp = {"action": sim.TRADE_ACTION_SLTP, "position": gold, "sl": 1995.0, "tp": 2040.0}
    assert sim.order_send(sltp).retcode == sim.TRADE_RETCODE_DONE
    same_after_reload()
    by = {"action": sim.TRADE_ACTION_CLOSE_BY, "position": gold, "position_by": hedge}
    assert sim.order_send(by).retcode == sim.TRADE_RETCODE_DONE
    same_after_reload()
    limit = pending(sim, sim.ORDER_TYPE_BUY_LIMIT, 1.09500)
    modify = {"action": sim.TRADE_ACTION_MODIFY, "order": limit, "price": 1.09400, "sl": 1.09000, "tp": 0.0}
    assert sim.order_send(modify).retcode == sim.TRADE_RETCODE_DONE
    same_after_reload()
    gone = pending(sim, sim.ORDER_TYPE_SELL_LIMIT, 1.10500)
    assert sim.order_send({"action": sim.TRADE_ACTION_REMOVE, "order": gone}).retcode == 10009
    pending(sim, sim.ORDER_TYPE_BUY_STOP_LIMIT, 1.10200, stoplimit=1.10100)
    pending(sim, sim.ORDER_TYPE_SELL_LIMIT, 1.20000, type_time=sim.ORDER_TIME_DAY)
    same_after_reload()
    sim.set_price("EURUSD", 1.10200, 1.10202)  # the stop-limit becomes a limit, same ticket
    same_after_reload()
    sim.set_price("EURUSD", 1.09390, 1.09392)  # both limits fill
    same_after_reload()
    sim.deposit(-250.0, "Withdrawal")
    sim.set_trade_mode("USDJPY", sim.SYMBOL_TRADE_MODE_CLOSEONLY)
    same_after_reload()
    sim.advance(20 * 3600)  # rollover swaps, the day order expires, SL/TP may trigger on the way
    assert any(p.swap for p in sim.positions_get())
    same_after_reload()
    sim.book.account.margin_so_so = 60.0  # a changed account field is journaled with the next call
    sim.positions_total()
    same_after_reload()
    sim.set_price("XAUUSD", 2000.00, 2000.10)
    lots = int(sim.account_info().margin_free * 0.8 / 2000 * 100) / 100  # 2000 USD margin a lot
    assert deal(sim, "XAUUSD", "buy", lots).retcode == sim.TRADE_RETCODE_DONE
    sim.set_price("XAUUSD", 1900.00, 1900.10)  # stop-out
    assert sim.history_deals_get(0, 2**40)[-1].reason == sim.DEAL_REASON_SO
    same_after_reload()
    again = reload(path)
    assert again.now_msc // 1000 == sim.now_msc // 1000
    assert again.symbol_info_tick("XAUUSD").bid == sim.symbol_info_tick("XAUUSD").bid


def test_netting_add_reduce_and_reversal_replay(tmp_path: Path) -> None:
    sim, path = journaled(tmp_path, margin_mode="netting")
    deal(sim, "EURUSD", "buy", 0.1)
    deal(sim, "EURUSD", "buy", 0.2)  # adds to the one position
    deal(sim, "EURUSD", "sell", 0.1)  # reduces it
    deal(sim, "EURUSD", "sell", 0.5)  # reverses it: the identifier stays, the ticket changes
    (pos,) = sim.positions_get()
    assert pos.ticket != pos.identifier
    again = reload(path)
    assert state_of(again) == state_of(sim)
    assert pos.identifier not in again.book.closed_positions


def test_sl_triggered_by_a_price_move_is_on_disk_at_once(tmp_path: Path) -> None:
    sim, path = journaled(tmp_path)
    sim.set_price("EURUSD", 1.10000, 1.10002)
    ticket = deal(sim, "EURUSD", "buy", 0.1, sl=1.09500).order
    sim.set_price("EURUSD", 1.09400, 1.09402)  # the server closes it: no call from the client at all
    again = reload(path)
    assert again.positions_total() == 0
    out = again.history_deals_get(position=ticket)[-1]
    assert out.reason == again.DEAL_REASON_SL and out.price == pytest.approx(1.09400)
    assert again.account_info().balance == sim.account_info().balance


def test_changes_while_the_clock_follows_the_wall_clock_are_journaled(tmp_path: Path) -> None:
    sim, path = journaled(tmp_path, market_hours="always")
    deal(sim, "BTCUSD", "buy", 0.01)
    sim.set_realtime(True)
    sim._wall_anchor = (sim._wall_anchor[0] - 3 * 86400, sim._wall_anchor[1])  # three days have passed
    sim.positions_total()  # a read: the clock catches up, swaps accrue at each rollover
    swap = sim.positions_get()[0].swap
    assert swap != 0
    assert reload(path).positions_get()[0].swap == swap


def test_reads_and_refusals_write_nothing(tmp_path: Path) -> None:
    sim, path = journaled(tmp_path)
    deal(sim, "EURUSD", "buy", 0.1)
    journal = journal_path(path, journal_generations(path)[-1])
    size = journal.stat().st_size
    sim.positions_get()
    sim.account_info()
    sim.history_deals_get(0, 2**40)
    assert deal(sim, "EURUSD", "buy", 1000.0).retcode == sim.TRADE_RETCODE_INVALID_VOLUME
    assert journal.stat().st_size == size


def test_a_torn_last_line_is_dropped(tmp_path: Path) -> None:
    sim, path = journaled(tmp_path)
    deal(sim, "EURUSD", "buy", 0.1)
    deal(sim, "XAUUSD", "sell", 0.1)
    expected = state_of(sim)
    journal = journal_path(path, journal_generations(path)[-1])
    whole = journal.read_bytes()
    with journal.open("ab") as out:
        out.write(whole.splitlines(keepends=True)[-1][:57])  # a crash in the middle of the next write()
    assert state_of(reload(path)) == expected
    journal.write_bytes(whole + b"\0" * 300 + b"\n")  # a power cut can leave zeros at the end
    assert state_of(reload(path)) == expected


def test_damage_before_complete_entries_refuses_to_load(tmp_path: Path) -> None:
    sim, path = journaled(tmp_path)
    deal(sim, "EURUSD", "buy", 0.1)
    deal(sim, "XAUUSD", "sell", 0.1)
    journal = journal_path(path, journal_generations(path)[-1])
    first, second = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(first[:20] + b"\n" + second)
    with pytest.raises(ValueError, match="line 1 is damaged"):
        load_state(path)


def test_a_crash_between_journal_rotation_and_snapshot_loses_nothing(tmp_path: Path) -> None:
    sim, path = journaled(tmp_path)
    deal(sim, "EURUSD", "buy", 0.1)
    _snapshot(sim, path)  # the journal moved on, and the snapshot never reached the disk
    deal(sim, "XAUUSD", "sell", 0.2)
    assert len(journal_generations(path)) == 2
    assert state_of(reload(path)) == state_of(sim)
    save_state(sim, path)  # the next snapshot compacts both
    assert len(journal_generations(path)) == 1
    assert state_of(reload(path)) == state_of(sim)


def test_snapshots_while_trading_keep_every_trade(tmp_path: Path) -> None:
    sim, path = journaled(tmp_path, market_hours="always")
    stop = threading.Event()
    saved = threading.Semaphore(0)

    def trade() -> None:
        for i in range(300):
            result = deal(sim, ("EURUSD", "XAUUSD", "BTCUSD")[i % 3], "buy" if i % 2 else "sell", 0.01)
            assert result.retcode == sim.TRADE_RETCODE_DONE
            if i % 4 == 3:
                assert close(sim, result.order).retcode == sim.TRADE_RETCODE_DONE
            if i in (100, 200):  # on a loaded machine trading could outrun the saver: let snapshots land
                assert saved.acquire(timeout=30)
        stop.set()

    trader = threading.Thread(target=trade)
    trader.start()
    saves = 0
    while not stop.is_set():
        save_state(sim, path)
        saves += 1
        saved.release()
    trader.join()
    assert saves > 1
    assert len(sim.history_deals_get(0, 2**40)) == 1 + 300 + 75
    assert state_of(reload(path)) == state_of(sim)


def test_tickets_continue_past_everything_after_a_reload(tmp_path: Path) -> None:
    sim, path = journaled(tmp_path)
    last = deal(sim, "EURUSD", "buy", 0.1)
    again = reload(path)
    fresh = deal(again, "EURUSD", "buy", 0.1)
    assert fresh.order > last.order and fresh.deal > last.deal


CHILD = """
import sys, threading, time
from datetime import datetime
from mt5bridge.simulator.persist import open_simulator, save_state

path = sys.argv[1]
sim = open_simulator(
    path, seed=7, demo_days=0, realtime=False,
    start=datetime(2026, 11, 25, 10, 0), market_hours="always", history_days=7,
)
sim.initialize()

def compact():  # the service's periodic snapshot, much more often: a kill can land in one
    while True:
        save_state(sim, path)
        time.sleep(0.01)

threading.Thread(target=compact, daemon=True).start()
symbols = ("EURUSD", "XAUUSD", "BTCUSD")
i = 0
while True:
    i += 1
    symbol = symbols[i % 3]
    if i % 4 == 0 and sim.positions_total():
        pos = sim.positions_get()[0]
        kind = sim.ORDER_TYPE_SELL if pos.type == sim.POSITION_TYPE_BUY else sim.ORDER_TYPE_BUY
        request = {"position": pos.ticket, "symbol": pos.symbol, "volume": pos.volume, "type": kind}
    else:
        bid = sim.symbol_info_tick(symbol).bid
        buy = i % 2 == 0
        sl, tp = (bid * 0.998, bid * 1.002) if buy else (bid * 1.002, bid * 0.998)
        kind = sim.ORDER_TYPE_BUY if buy else sim.ORDER_TYPE_SELL
        request = {"symbol": symbol, "volume": 0.01, "type": kind, "sl": round(sl, 2), "tp": round(tp, 2)}
    request |= {"action": sim.TRADE_ACTION_DEAL, "type_filling": sim.ORDER_FILLING_IOC}
    result = sim.order_send(request)
    if result.retcode == sim.TRADE_RETCODE_DONE:
        print(result.order, result.deal, flush=True)  # acknowledged
    if i % 9 == 0:
        sim.advance(120)  # SL and TP trigger on the way, journaled too
"""


def _run_and_kill(path: Path, acknowledged: int) -> list[tuple[int, int]]:
    """Run the child until it has acknowledged `acknowledged` trades, then kill -9 it mid-run."""
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    lines: list[str] = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if len(lines) >= acknowledged:
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    lines += proc.stdout.read().splitlines()  # acknowledged before the kill, still in the pipe
    proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    assert len(lines) >= acknowledged, "the child died before the kill"
    return [(int(order), int(deal)) for order, deal in (line.split() for line in lines)]


@pytest.mark.skipif(os.name != "posix", reason="kill -9")
def test_kill_9_loses_no_acknowledged_trade_and_reuses_no_ticket(tmp_path: Path) -> None:
    path = tmp_path / "simulator-state.json"
    acks: list[tuple[int, int]] = []
    for _ in range(3):  # kill, restart on the same files, kill again
        acks += _run_and_kill(path, acknowledged=120)
    sim = reload(path)
    orders = {o.ticket for o in sim.history_orders_get(0, 2**40)}
    deals = {d.ticket for d in sim.history_deals_get(0, 2**40)}
    missing = [(order, deal) for order, deal in acks if order not in orders or deal not in deals]
    assert missing == []
    # Open positions are exactly those opened and not closed: no lost close, no resurrected position.
    entries: dict[int, set[int]] = {}
    for d in sim.history_deals_get(0, 2**40):
        entries.setdefault(d.position_id, set()).add(d.entry)
    still_open = {pid for pid, kinds in entries.items() if pid and kinds == {sim.DEAL_ENTRY_IN}}
    assert {p.identifier for p in sim.positions_get()} == still_open
    # No restart handed out a ticket already acknowledged before it.
    assert len({order for order, _ in acks}) == len(acks)
    assert len({deal for _, deal in acks}) == len(acks)
    fresh = deal(sim, "EURUSD", "buy", 0.01)
    assert fresh.retcode == sim.TRADE_RETCODE_DONE
    everything = orders | {o.ticket for o in sim.orders_get()} | {p.ticket for p in sim.positions_get()}
    assert fresh.order > max(everything - {fresh.order})
    assert fresh.deal > max(deals)
