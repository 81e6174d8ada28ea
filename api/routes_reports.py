"""Reports over REST: the daily, monthly and hedge reports as JSON, and their charts as PNG.

The same `ReportService` the chat and the scheduler use builds them, so every front-end reads one set of
numbers. `?date=YYYY-MM-DD` picks a past day (daily, hedge), `?month=YYYY-MM` a past month (monthly);
without them the current one. `?magic=N` scopes any of them to one EA (docs/reports.md, "One EA").
"""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import BaseModel, ConfigDict, Field

from api.jsonio import ok
from api.routing import Endpoint, parse_query
from api.schemas import Magic
from reports.keys import REPORTS
from reports.models import Report, ReportKind
from reports.periods import YEARS, parse_day, parse_month

PNG = "image/png"


_YEARS = f"years {YEARS[0]}-{YEARS[1]}"
_MAGIC = "only this EA's figures, books and suggestions (0: manual trades); default the whole account"


# The values stay strings here: `reports.service` parses them (strictly: `0` is not 1970-01-01) and refuses
# a malformed one as `400 invalid_report`, as the chat and the CLI do.
class DayQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    day: str | None = Field(
        None,
        alias="date",
        description=f"YYYY-MM-DD on the reporting calendar ({_YEARS}); default today",
        json_schema_extra={"format": "date"},
    )
    magic: Magic | None = Field(None, description=_MAGIC)


class MonthQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    month: str | None = Field(
        None,
        description=f"YYYY-MM ({_YEARS}); default this month",
        json_schema_extra={"pattern": r"^\d{4}-\d{2}$"},
    )
    magic: Magic | None = Field(None, description=_MAGIC)


_LANG = (
    "the chart's language: labels, titles and legends (zh needs a CJK font on the server, docs/reports.md)"
)


class EaNameOut(BaseModel):
    """One EA as the reports name it (`reports.ea_names`)."""

    model_config = ConfigDict(frozen=True)

    magic: int
    name: str


async def ea_names(request: web.Request) -> web.Response:
    """GET /eas: the configured EA names, by magic number (smallest first)."""
    names = request.app[REPORTS].settings.reports.ea_names
    return ok([EaNameOut(magic=m, name=n).model_dump() for m, n in sorted(names.items())])


class DayChartQuery(DayQuery):
    lang: Literal["zh", "en"] = Field("zh", description=_LANG)


class MonthChartQuery(MonthQuery):
    lang: Literal["zh", "en"] = Field("zh", description=_LANG)


async def _build(request: web.Request, kind: ReportKind, *, chart: bool = False) -> tuple[Report, str]:
    """The report the query asks for, and the chart language it names (zh by default)."""
    reports = request.app[REPORTS]
    if kind is ReportKind.MONTHLY:
        q = parse_query(request, MonthChartQuery if chart else MonthQuery)
        month = parse_month(q.month) if q.month is not None else None
        return await reports.build(kind, month=month, magic=q.magic), getattr(q, "lang", "zh")
    d = parse_query(request, DayChartQuery if chart else DayQuery)
    day = parse_day(d.day) if d.day is not None else None
    return await reports.build(kind, day=day, magic=d.magic), getattr(d, "lang", "zh")


def _handlers(kind: ReportKind) -> tuple[Handler, Handler]:
    """The JSON and PNG handlers of one kind, named per kind (the names are OpenAPI operationIds)."""

    async def report(request: web.Request) -> web.Response:
        """The report's figures, hedge books and suggestions."""
        return ok((await _build(request, kind))[0].model_dump(mode="json"))

    async def chart(request: web.Request) -> web.Response:
        """The report's chart as a PNG image."""
        report, lang = await _build(request, kind, chart=True)
        png = await request.app[REPORTS].chart(report, lang)
        return web.Response(body=png, content_type=PNG, headers={"Cache-Control": "no-store"})

    report.__name__ = f"{kind.value}_report"
    chart.__name__ = f"{kind.value}_report_chart"
    return report, chart


def _pair(
    kind: ReportKind, query: type[BaseModel], chart_query: type[BaseModel], title: str
) -> tuple[Endpoint, Endpoint]:
    path = f"/reports/{kind.value}"
    report, chart = _handlers(kind)
    return (
        Endpoint("GET", path, report, f"{title} report", "reports", Report, query=query),
        Endpoint("GET", f"{path}/chart", chart, f"{title} report chart (PNG)", "reports", Report,
                 query=chart_query, media=PNG),
    )  # fmt: skip


ENDPOINTS = (
    Endpoint(
        "GET",
        "/eas",
        ea_names,
        "EA names by magic number",
        "reports",
        EaNameOut,
        True,
        errors=(),
        description="`reports.ea_names` from the configuration: what the reports, the chat and the "
        "dashboard call each EA. Magic numbers without a name are not listed.",
    ),
    *_pair(ReportKind.DAILY, DayQuery, DayChartQuery, "Daily"),
    *_pair(ReportKind.MONTHLY, MonthQuery, MonthChartQuery, "Monthly"),
    *_pair(ReportKind.HEDGE, DayQuery, DayChartQuery, "Hedge"),
)
