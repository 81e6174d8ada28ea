"""The reports' settings (`reports` in config.yaml, with its hedge rules), and what the report service
reads of the configuration."""

from __future__ import annotations

from typing import Protocol

from pydantic import Field, field_validator

from mt5bridge.common.settings_base import Section
from mt5bridge.trading.settings import AlertSettings

_CLOCK = r"^([01]\d|2[0-3]):[0-5]\d$"


class HedgeRules(Section):
    """When the hedge analysis suggests an action (each rule off at 0); see docs/reports.md."""

    take_profit_above: float = Field(
        50.0, ge=0, description="bank an EA's profitable positions on a symbol once they sum above this"
    )
    exposure_loss_above: float = Field(
        200.0, ge=0, description="cut the worst position on the heavy side of a group losing more than this"
    )
    stale_days: int = Field(14, ge=0, description="close a losing position open longer than this many days")
    max_suggestions: int = Field(5, ge=0, le=20)


class ReportSettings(Section):
    """Scheduled reports to subscribed chat users, on the reporting calendar (`timezone`)."""

    enabled: bool = True
    daily_at: str = Field("23:55", pattern=_CLOCK, description="HH:MM; the report covers that day")
    daily_days: str = Field("mon-fri", description="cron day_of_week, e.g. mon-fri or *")
    monthly_day: int = Field(1, ge=1, le=28, description="day of month; the report covers the month before")
    monthly_at: str = Field("08:00", pattern=_CLOCK)
    hedge_at: str | None = Field(
        None,
        pattern=_CLOCK,
        description="HH:MM: also send the hedge report on daily_days; unset = on demand only",
    )
    catch_up_hours: int = Field(
        24,
        ge=0,
        le=168,
        description="on start, send runs missed within this many hours (late, once); 0 = none",
    )
    chart: bool = True
    ea_names: dict[int, str] = Field(default_factory=dict, description="magic number -> EA name")
    hedge: HedgeRules = HedgeRules()

    @field_validator("daily_days")
    @classmethod
    def _weekdays(cls, value: str) -> str:
        # Checked here so a typo stops the start with one line, not a traceback from the scheduler.
        from apscheduler.triggers.cron import CronTrigger  # only when the key is set

        try:
            CronTrigger(day_of_week=value)
        except ValueError as exc:
            raise ValueError(f"not a cron day_of_week such as mon-fri ({exc})") from None
        return value


class Settings(Protocol):
    """The sections the report service reads; the application's assembled settings have them."""

    @property
    def reports(self) -> ReportSettings: ...

    @property
    def alerts(self) -> AlertSettings: ...
