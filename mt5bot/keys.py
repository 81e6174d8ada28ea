"""Typed keys for the resources the application holds (aiohttp `AppKey`s), in one leaf module.

Front-ends (api/, bot/) reach the core through these keys, never through module globals, and this
module imports no front-end, so the dependency arrows keep pointing inward.
"""

from __future__ import annotations

from aiohttp import web

from mt5bot.config import Settings
from mt5bridge.simulator import Simulator
from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.heartbeat import Heartbeat
from mt5bridge.trading.events import EventBus
from mt5bridge.trading.service import TradingService
from storage.database import Database

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
CLIENT = web.AppKey("client", MT5Client)
SIMULATOR = web.AppKey("simulator", Simulator)  # set only when the backend is the simulator
TRADING = web.AppKey("trading", TradingService)
BUS = web.AppKey("bus", EventBus)
HEARTBEAT = web.AppKey("heartbeat", Heartbeat)
STARTED = web.AppKey("started", float)
WS_CONNECTIONS = web.AppKey("ws_connections", set[web.WebSocketResponse])
