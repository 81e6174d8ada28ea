"""Time arguments as the simulator reads them.

The simulator's clock counts trade-server wall-clock seconds encoded as if they were UTC, as MT5 stamps
everything. The constructor's naive `start` is server time. Function arguments follow the real package:
an int is taken as it is, an aware datetime by its timestamp, and a naive datetime by `timestamp()`, i.e.
as the host's local time (the classic MT5 pitfall; on a host in UTC it reads as the server scale).
"""

from __future__ import annotations

import calendar
from datetime import datetime
from typing import Any

from mt5bridge.simulator import sessions


class BadArgument(TypeError):
    """An argument the MetaTrader5 package would refuse with (-2, 'Invalid arguments')."""


def to_server_epoch(value: Any) -> int:
    """A start moment: int epoch (server scale), naive datetime (server wall clock) or aware (real time)."""
    if isinstance(value, bool):
        raise BadArgument("a time cannot be a bool")
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return calendar.timegm(value.timetuple())
        return sessions.server_time_from_utc(value)
    raise BadArgument(f"not a time: {value!r}")


def arg_epoch(value: Any) -> int:
    """A date argument of copy_*/history_* as the MetaTrader5 package reads it."""
    if isinstance(value, bool):
        raise BadArgument("a time cannot be a bool")
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, datetime):
        return int(value.timestamp())
    raise BadArgument(f"not a time: {value!r}")
