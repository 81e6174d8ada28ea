"""Ask the configured terminal, through the service's own backend choice and `MT5Client`.

The simulator needs care: the running service owns its state file and appends to its journal, and
opening a simulator on that path writes a snapshot and deletes older journals (`persist.attach_journal`).
So doctor never opens the service's files: it copies them into a temporary folder (journals first, then
the snapshot, so a snapshot taken meanwhile only makes the copy newer) and opens the copy, which is
deleted afterwards. Without a state file it opens a fresh demo that writes nothing.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from mt5bot.app import simulator_state_path
from mt5bot.backend import open_backend
from mt5bot.config import Settings
from mt5bot.doctor import terminal as verdict
from mt5bot.doctor.local import resolved_backend
from mt5bot.doctor.model import Check, fail, skip
from mt5bridge.simulator import Simulator, sessions
from mt5bridge.simulator.journal import journal_generations, journal_path
from mt5bridge.simulator.persist import detach_journal
from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.errors import MT5Error
from mt5bridge.terminal.settings import Backend
from nlu.lexicon import lexicon

CALL_TIMEOUT_SEC = 10.0
NAMES = ("terminal", "algo trading (terminal)", "algo trading (account)", "margin mode", "symbols", "clock")
# What to do about the usual initialize() failures (docs/terminal-layer.md, shared mt5-api.md section 8).
CONNECT_HINTS = {
    -10005: "close any dialog in the terminal, enable Algo Trading, and give mt5.path",
    -10003: "install the 64-bit terminal or set mt5.path to terminal64.exe",
    -10004: "start the terminal (as the same Windows user) and log in once by hand",
    -6: "check mt5.login, mt5.password and mt5.server (or leave them empty to use the saved account)",
    -5: "the terminal updated itself: upgrade the MetaTrader5 package (`pip install -U MetaTrader5`)",
}


@contextmanager
def simulator_copy(state: Path) -> Iterator[Path | None]:
    """A private copy of the simulator's state file and journals, or None when there is no state yet."""
    if not state.exists():
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="mt5bot-doctor-") as folder:
        target = Path(folder) / state.name
        # Journals first: a snapshot written meanwhile starts a newer generation than any copied journal,
        # and loading ignores journals older than the snapshot, so the copy stays consistent.
        for number in journal_generations(state):
            try:
                shutil.copyfile(journal_path(state, number), journal_path(target, number))
            except FileNotFoundError:
                continue  # compacted by the service meanwhile: the snapshot copied next covers it
        shutil.copyfile(state, target)
        yield target


def client_offset(settings: Settings, simulated: bool) -> int:
    """The server's UTC offset in seconds, as the service's `_terminal` context computes it."""
    if simulated:
        offset = sessions.server_time_from_utc(datetime.now(UTC)) - int(time.time())
    else:
        offset = settings.mt5.server_utc_offset or 0
    return round(offset / 60) * 60


def _connect_failure(client: MT5Client, backend: Backend) -> Check:
    exc = client.last_failure
    code = getattr(exc, "mt5_code", None)
    hint = CONNECT_HINTS.get(code or 0, "start the terminal, log in, and check mt5.path")
    if backend is Backend.MT5LINUX and code not in (-6, -5):  # the rpyc server is the first thing to check
        hint = "start the rpyc server by the terminal under Wine (python -m mt5linux); check mt5.host/port"
    return fail("terminal", f"{backend.value}: cannot connect: {exc}", hint)


async def _ask(client: MT5Client, settings: Settings, simulated: bool) -> list[Check]:
    state = await client.terminal_state()
    found = [verdict.link(state), verdict.algo_terminal(state)]
    account = await client.account()
    found.append(verdict.algo_account(account))
    found.append(verdict.margin_mode(account, settings.mt5.simulator.margin_mode if simulated else None))
    specs = await client.symbols()
    aliases = lexicon(settings.nlu.aliases).resolve
    found.append(verdict.symbols(verdict.named_symbols(settings), [s.name for s in specs], aliases))
    now = datetime.now(UTC)
    newest = await client.server_time()
    found.append(verdict.clock_skew(newest, now))
    if newest is not None and not simulated:
        raw = int(newest.timestamp()) + client.server_utc_offset
        offset = verdict.offset_check(settings.mt5.server_utc_offset, raw, now.timestamp())
        if offset is not None:
            found.append(offset)
    return found


async def terminal_checks(settings: Settings) -> list[Check]:
    """Reachability, algo trading, margin mode, symbols and clock, from one short-lived connection."""
    backend = resolved_backend(settings.mt5.backend)
    simulated = backend is Backend.SIMULATOR
    with simulator_copy(simulator_state_path(settings)) if simulated else _nothing() as state:
        mt5 = settings.mt5.model_copy(update={"backend": backend})
        try:
            terminal = await asyncio.to_thread(open_backend, mt5, state)
        except (RuntimeError, OSError, ValueError) as exc:
            return [fail("terminal", f"{backend.value}: cannot open: {exc}", "see docs/terminal-layer.md")]
        timeout = min(settings.mt5.call_timeout_sec, CALL_TIMEOUT_SEC)
        client = MT5Client(
            terminal, call_timeout=timeout, server_utc_offset=client_offset(settings, simulated)
        )
        try:
            if not await client.connect():
                return [
                    _connect_failure(client, backend),
                    *(skip(n, "the terminal is not reachable") for n in NAMES[1:]),
                ]
            return await _ask(client, settings, simulated)
        except MT5Error as exc:
            return [
                fail("terminal", f"the terminal stopped answering: {exc}", "check the terminal and try again")
            ]
        finally:
            await client.close()
            if isinstance(terminal, Simulator):
                detach_journal(terminal)  # closes the copy's journal before its folder goes


@contextmanager
def _nothing() -> Iterator[None]:
    yield None
