"""The offline simulator as the service's terminal, built from the `mt5.simulator` settings."""

from __future__ import annotations

from pathlib import Path

from mt5bridge.simulator import Simulator
from mt5bridge.simulator.persist import open_simulator
from mt5bridge.simulator.settings import SimulatorSettings


def build_simulator(settings: SimulatorSettings, state_path: Path | None = None) -> Simulator:
    """The service's simulator: resumed from `state_path` when it exists, else a demo account with
    `demo_days` of history (or a bare account when demo_days is 0); its account is its own, so
    credentials do not apply. With a `state_path`, every change is journaled before the call returns."""
    return open_simulator(
        state_path,
        seed=settings.seed,
        demo_days=settings.demo_days,
        realtime=settings.realtime,
        journal_fsync=settings.journal_fsync,
        balance=settings.balance,
        leverage=settings.leverage,
        margin_mode=settings.margin_mode.value,
        currency=settings.currency,
        suffix=settings.suffix,
        market_hours=settings.market_hours.value,
    )
