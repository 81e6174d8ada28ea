"""App keys only the composition root reads: the whole configuration, the database, the simulator.

The keys the front-ends read live beside them (`api/keys.py`, `bot/keys.py`, `reports/keys.py`).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mt5bot.config import Settings
from mt5bridge.simulator import Simulator
from mt5bridge.terminal.watchdog import TerminalWatchdog
from mt5bridge.trading.events import EventBus
from reports.remote import ReportSource
from reports.schedule import ReportScheduler
from storage.database import Database

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
SIMULATOR = web.AppKey("simulator", Simulator)  # set only when the backend is the simulator
WATCHDOG = web.AppKey("watchdog", TerminalWatchdog)  # set only when mt5.watchdog.enabled
ACCOUNT_BUSES = web.AppKey("account_buses", dict[str, EventBus])  # a front's: each bridge's events
REPORT_SOURCES = web.AppKey("report_sources", dict[str, ReportSource])  # a front's: reports by account
REPORT_SCHEDULERS = web.AppKey("report_schedulers", list[ReportScheduler[Any]])  # every schedule running
