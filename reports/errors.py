"""Errors of the reports layer (a light module, so the API's error envelope can name them)."""

from __future__ import annotations

from mt5bridge.common.errors import ErrorKind, MT5BotError


class ReportRequestError(MT5BotError, ValueError):
    """A report asked for with a date or month that cannot be one (malformed, or in the future)."""

    code = "invalid_report"
    kind = ErrorKind.INVALID
