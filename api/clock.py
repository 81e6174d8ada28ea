"""The trade server's clock for API answers, read at most once a second.

MT5 has no clock call: the client takes the newest quote time over Market Watch (`symbols_get`), which
costs more than the whole rest of `GET /account`. A value up to `max_age` old is the same information
(it is already "as of the last quote"), so it is reused rather than read per request.
"""

from __future__ import annotations

import time
from datetime import datetime

from aiohttp import web

from mt5bridge.terminal.client import MT5Client


class ServerClock:
    def __init__(self, max_age: float = 1.0) -> None:
        self.max_age = max_age
        self._value: datetime | None = None
        self._read_at = float("-inf")

    async def now(self, client: MT5Client) -> datetime | None:
        """The server time (UTC) as of the newest quote, read again when older than `max_age` seconds."""
        if time.monotonic() - self._read_at > self.max_age or self._value is None:
            self._value = await client.server_time()
            self._read_at = time.monotonic()
        return self._value


SERVER_CLOCK = web.AppKey("server_clock", ServerClock)
