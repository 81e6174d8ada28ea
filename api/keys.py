"""App keys the API reads: its own settings, and the core's resources the composition root puts there.

Routes reach the core through these typed keys (aiohttp `AppKey`s), never through module globals.
"""

from __future__ import annotations

from aiohttp import web

from api.settings import SecuritySettings, ServerSettings
from mt5bridge.remote.directory import AccountDirectory
from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.heartbeat import Heartbeat
from mt5bridge.trading.events import EventBus
from mt5bridge.trading.rules.service import RuleService
from mt5bridge.trading.service import TradingService

SERVER = web.AppKey("server_settings", ServerSettings)
SECURITY = web.AppKey("security_settings", SecuritySettings)
CLIENT = web.AppKey("client", MT5Client)
TRADING = web.AppKey("trading", TradingService)
RULES = web.AppKey("rules", RuleService)  # trade-management rules: preview, create, list (docs/rules.md)
BUS = web.AppKey("bus", EventBus)
HEARTBEAT = web.AppKey("heartbeat", Heartbeat)
STARTED = web.AppKey("started", float)
ACCOUNTS = web.AppKey("accounts", AccountDirectory)  # set on a front (`accounts:`): docs/accounts.md
WS_CONNECTIONS = web.AppKey("ws_connections", set[web.WebSocketResponse])
