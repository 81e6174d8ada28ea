"""Errors of the reports layer (a light module, so the API's error envelope can name them)."""

from __future__ import annotations


class ReportRequestError(ValueError):
    """A report asked for with a date or month that cannot be one (malformed, or in the future)."""

    code = "invalid_report"
