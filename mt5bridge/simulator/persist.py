"""Demo state that survives a restart, and a crash: a JSON snapshot plus an append-only journal.

The snapshot holds the book, the clock, the last quotes and the trade modes. Between snapshots every
state change is appended to the journal before the call that made it returns (`journal.py`), so an
acknowledged trade survives kill -9. Each snapshot is generation N+1 of the state and starts journal
N+1; journals older than the snapshot on disk are deleted once it is in place. Loading replays every
journal from the snapshot's generation on, so a crash at any moment (even mid-snapshot) reloads whole.

On load the simulator resumes at the last saved or journaled moment with those quotes, then (in
real-time mode) catches up to the present, so SL/TP and pending orders that would have triggered while
the service was down trigger on the way, as they would have on a live server.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from mt5bridge.simulator import sessions
from mt5bridge.simulator.demo import build_demo
from mt5bridge.simulator.journal import (
    Recorder,
    Replay,
    journal_generations,
    journal_path,
    read_journal,
    sync_directory,
)
from mt5bridge.simulator.records import Book
from mt5bridge.simulator.terminal import Simulator

FORMAT = 1
# One save at a time: two overlapping saves could rename an older snapshot over a newer one after the
# newer one deleted the journal the older one needs. Always taken before a simulator's lock.
_SAVING = threading.Lock()


def _snapshot(sim: Simulator, target: Path) -> tuple[dict[str, Any], int]:
    """The state to write and its generation; an attached journal moves on to that generation.

    Under the lock: the current journal is complete up to this moment, the snapshot holds exactly
    that, and everything after goes to the new journal. No change falls between the two.
    """
    on_disk = journal_generations(target)
    with sim.link.lock:
        recorder = sim.journal if sim.journal is not None and sim.journal.state_path == target else None
        if recorder is not None:
            recorder.commit()
        generation = max([recorder.generation if recorder else 0, *on_disk]) + 1
        data: dict[str, Any] = {
            "format": FORMAT,
            "generation": generation,
            "seed": sim.seed,
            "options": sim.options,
            "clock_msc": sim.now_msc,
            "quotes": {name: list(sim.market.tick(name)) for name in sim.market.names},
            "trade_modes": dict(sim.market.trade_modes),
            "book": sim.book.to_json(),
        }
        if recorder is not None:
            recorder.rotate(generation)
    return data, generation


def _write_atomically(target: Path, data: dict[str, Any]) -> None:
    """Replace `target` whole (a crash mid-write never leaves a torn file), synced before the rename."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, separators=(",", ":"))
            out.flush()
            # The journals it replaces are deleted next: the snapshot must be on disk first.
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    sync_directory(target.parent)


def save_state(sim: Simulator, path: str | Path) -> None:
    """Snapshot the simulator and compact its journal: a crash at any point still reloads whole."""
    with _SAVING:
        _save(sim, Path(path))


def _save(sim: Simulator, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    data, generation = _snapshot(sim, target)
    _write_atomically(target, data)
    for old in journal_generations(target):
        if old < generation:
            with contextlib.suppress(OSError):  # e.g. still open elsewhere on Windows; ignored on load
                journal_path(target, old).unlink()


def attach_journal(sim: Simulator, path: str | Path, *, fsync: bool = True) -> None:
    """Journal every change of `sim` next to the state file `path`, starting with a snapshot now.

    `fsync`: each entry is fdatasync'd (survives a power cut); without it, a write() (survives kill -9).
    """
    target = Path(path)
    with _SAVING, sim.link.lock:
        if sim.journal is not None:
            raise RuntimeError("the simulator already has a journal")
        sim.journal = Recorder(sim, target, fsync=fsync)
        try:
            _save(sim, target)
        except BaseException:
            sim.journal.close()
            sim.journal = None
            raise


def detach_journal(sim: Simulator) -> None:
    """Stop journaling (after the last snapshot at shutdown)."""
    with sim.link.lock:
        if sim.journal is not None:
            sim.journal.close()
            sim.journal = None


def load_state(path: str | Path) -> Simulator:
    """A simulator resumed from a snapshot and the journals after it, at the last recorded clock."""
    target = Path(path)
    data = json.loads(target.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise ValueError(f"{path}: unknown simulator state format {data.get('format')!r}")
    replay = Replay(Book.from_json(data["book"]), int(data["clock_msc"]), data["quotes"], data["trade_modes"])
    generation = int(data.get("generation", 0))
    for number in journal_generations(target):
        if number >= generation:
            for entry in read_journal(journal_path(target, number)):
                replay.apply(entry)
    replay.finish()
    suffix = data["options"].get("suffix", "")
    # Prices continue from the saved quotes without a gap. The seeded history (up to `history_end`, the
    # first start) is regenerated identically; only the live stretch since then is a fresh path to the
    # saved price, so deals made live keep their prices but may not sit on the rebuilt bars.
    start_prices = {
        name[: len(name) - len(suffix)] if suffix else name: float(bid)
        for name, (_time, bid, _ask) in replay.quotes.items()
    }
    sim = Simulator(
        seed=data["seed"],
        start=replay.clock_msc // 1000,
        book=replay.book,
        start_prices=start_prices,
        **data["options"],
    )
    sim.market.trade_modes.update(
        {k: v for k, v in replay.trade_modes.items() if k in sim.market.trade_modes}
    )
    return sim


def open_simulator(
    state_file: str | Path | None,
    *,
    seed: int,
    demo_days: int,
    realtime: bool,
    journal_fsync: bool = True,
    **options: Any,
) -> Simulator:
    """The service's simulator: resumed from `state_file` if it exists, else a fresh demo account.

    In real-time mode the clock then follows the wall clock (catching up from the saved moment first).
    With a `state_file`, a snapshot is written at once and every later change is journaled.
    """
    if state_file and Path(state_file).exists():
        sim = load_state(state_file)
    elif demo_days > 0:
        sim = build_demo(days=demo_days, seed=seed, **options)
    else:
        sim = Simulator(seed=seed, **options)
    if realtime:
        sim.advance(max(0.0, sessions.server_now() - sim.now))
        sim.set_realtime(True)
    if state_file:
        attach_journal(sim, state_file, fsync=journal_fsync)
    return sim
