"""Slash commands and queries: answered at once from the trading core, rendered per language."""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, timedelta
from enum import StrEnum

from bot.core.admin import AdminCommands
from bot.core.auth import Permission, Principal
from bot.core.context import Deps
from bot.core.reports import report_reply
from bot.core.step import Note, Step
from bot.core.terminal_admin import TerminalAdmin
from bot.messages import Reply
from mt5bridge.common.errors import ErrorKind, MT5BotError
from mt5bridge.terminal.watchdog import TerminalWatchdog
from mt5bridge.trading.periods import Period as CorePeriod
from mt5bridge.trading.periods import Window, range_window
from mt5bridge.trading.service import TradingService
from nlu import Command, Intent, Period, Report
from reports.errors import ReportRequestError
from reports.models import ReportKind
from reports.periods import last_month, resolve_day, resolve_month
from storage.models import Outcome, UserRecord

_SLASH = re.compile(r"^/([A-Za-z_]+)(?:@\S+)?(?:\s+(.*))?$", re.DOTALL)


class NoLocalTerminal(MT5BotError):
    """/pause, /readonly on a front without a terminal: each bridge has its own switches."""

    kind = ErrorKind.INVALID
    code = "no_local_terminal"

    def __init__(self) -> None:
        super().__init__("this service has no terminal of its own; switch each account's service")


class Slash(StrEnum):
    """Commands the core answers itself (the query commands go through the parser)."""

    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    READONLY = "readonly"
    WHOAMI = "whoami"
    STATUS = "status"
    LOGLEVEL = "loglevel"
    RESTART_TERMINAL = "restart_terminal"
    ACCOUNTS = "accounts"  # the chat core answers it (account_flows.py)


def parse_slash(text: str) -> tuple[Slash, list[str]] | None:
    """`/readonly@mybot on` -> (READONLY, ["on"]); None for anything else."""
    found = _SLASH.match(text.strip())
    if found is None:
        return None
    name, rest = found.group(1).lower(), found.group(2) or ""
    try:
        return Slash(name), rest.split()
    except ValueError:
        return None


def strip_bot_name(text: str) -> str:
    """`/positions@mybot` -> `/positions`, so the parser sees the plain command."""
    found = _SLASH.match(text.strip())
    if found is None:
        return text
    return f"/{found.group(1)} {found.group(2) or ''}".strip()


class Commands:
    """Queries and admin switches."""

    def __init__(self, deps: Deps, watchdog: TerminalWatchdog | None = None) -> None:
        self.d = deps
        self.admin = AdminCommands(deps)  # the service's own state: /status, /loglevel (admin.py)
        self.terminal = TerminalAdmin(deps, watchdog)  # /restart_terminal (terminal_admin.py)

    async def slash(self, p: Principal, slash: Slash, args: list[str]) -> Step:
        """A slash command (the core notes `command.<name>`; an admin switch adds `admin.<name>...`)."""
        match slash:
            case Slash.START:
                return Step([self.d.reply(p, "query", "welcome", name=p.entry.name, role=p.role.value)])
            case Slash.WHOAMI:
                return Step([await self.whoami(p)])
            case Slash.PAUSE | Slash.RESUME:
                return self._switch(p, "pause", slash is Slash.PAUSE)
            case Slash.READONLY:
                if len(args) != 1 or args[0].lower() not in ("on", "off"):
                    return Step([self.d.reply(p, "query", "usage", text="/readonly on|off")])
                return self._switch(p, "readonly", args[0].lower() == "on")
            case Slash.STATUS:
                return await self.admin.status(p)
            case Slash.LOGLEVEL:
                return self.admin.loglevel(p, args)
            case Slash.RESTART_TERMINAL:
                return self.terminal.ask(p)
            case Slash.ACCOUNTS:
                raise ValueError("/accounts is the chat core's (account_flows.py)")

    def _local(self) -> TradingService:
        if self.d.local is None:  # a front without a terminal: each bridge has its own switches
            raise NoLocalTerminal()
        return self.d.local

    def _switch(self, p: Principal, name: str, on: bool) -> Step:
        if not p.may(Permission.ADMIN):
            denied = Note(p, f"admin.{name}", Outcome.DENIED, error_code="role")
            refusal = self.d.reply(p, "access", "denied_role", role=p.role.value, needed="admin")
            return Step([refusal], [denied])
        if name == "pause":
            self._local().pause(on)
        else:
            self._local().set_read_only(on)
        switched = Note(p, f"admin.{name}.{'on' if on else 'off'}", Outcome.OK)
        return Step([self.d.reply(p, "query", "switch", name=name, on=on)], [switched])

    async def subscription(self, p: Principal, kind: Report | None, on: bool) -> Reply:
        """ "订阅日报" / "取消月报": one report kind; "订阅" / "退订": notifications and reports at all."""
        db = self.d.db
        record = await db.users.get(p.platform, p.user_id)
        master = record.subscribed if record is not None else p.entry.subscribe
        if kind is None:
            entry = p.entry
            base = record or UserRecord(
                platform=p.platform, user_id=p.user_id, role=entry.role, name=entry.name, lang=entry.lang,
                allowed_symbols=list(entry.allowed_symbols),
            )  # fmt: skip
            await db.users.upsert(base.model_copy(update={"subscribed": on}))
            return self.d.reply(p, "query", "subscribed_all", on=on)
        await db.reports.subscribe(p.platform, p.user_id, kind.value, on)
        rules = self.d.settings.reports
        return self.d.reply(
            p, "query", "subscribed", kind=kind.value, on=on, master=master, enabled=rules.enabled,
            daily_at=rules.daily_at, daily_days=rules.daily_days, monthly_day=rules.monthly_day,
            monthly_at=rules.monthly_at, hedge_at=rules.hedge_at,
        )  # fmt: skip

    async def whoami(self, p: Principal) -> Reply:
        record = await self.d.db.users.get(p.platform, p.user_id)
        subscribed = record.subscribed if record is not None else p.entry.subscribe
        return self.d.reply(
            p, "query", "whoami", platform=p.platform, user_id=p.user_id, name=p.entry.name,
            role=p.role.value, lang=p.lang, symbols=list(p.entry.allowed_symbols), subscribed=subscribed,
            confirm=p.confirm.value,
        )  # fmt: skip

    async def query(self, p: Principal, cmd: Command) -> Reply:
        """Answer a query command (positions, orders, P&L, account, quote, report, help)."""
        match cmd.intent:
            case Intent.POSITIONS:
                return await self.positions(p, cmd)
            case Intent.ORDERS:
                orders = await self.d.port(cmd).orders(symbol=cmd.symbol)
                digits = await self.d.digits({o.symbol for o in orders}, cmd)
                return self.d.reply(p, "query", "orders", items=orders, digits=digits)
            case Intent.PNL:
                return await self.pnl(p, cmd)
            case Intent.ACCOUNT:
                return self.d.reply(p, "query", "account", a=await self.d.port(cmd).account())
            case Intent.QUOTE:
                if cmd.symbol is None:
                    return self.d.reply(p, "query", "usage", text="/quote XAUUSD")
                spec = await self.d.port(cmd).symbol(cmd.symbol)
                tick = await self.d.port(cmd).quote(spec.name)
                return self.d.reply(p, "query", "quote", t=tick, digits=spec.digits)
            case Intent.REPORT:
                return await self.report(p, cmd)
            case Intent.SUBSCRIBE | Intent.UNSUBSCRIBE:
                return await self.subscription(p, cmd.report, cmd.intent is Intent.SUBSCRIBE)
        return self.d.reply(p, "query", "help", role=p.role.value)

    async def report(self, p: Principal, cmd: Command) -> Reply:
        """A daily (default), monthly or hedge report with its chart; "last month"/"yesterday" shift it.

        With a magic number ("EA 20250101 的对冲情况") the report is that EA's alone; an EA with neither
        deals in the window nor open positions gets a sentence saying so, not a report of zeros."""
        kind = ReportKind((cmd.report or Report.DAILY).value)
        reports = self.d.reports_of(cmd)
        today = await reports.today()
        day, month = None, None
        if cmd.day is not None:  # "2026-11-05 对冲报告", "11月5日的日报"
            day = resolve_day(cmd.day, today)
        elif cmd.month is not None:  # "2025年1月的月报"
            month = resolve_month(cmd.month, today)
        elif cmd.period is Period.YESTERDAY and kind is not ReportKind.MONTHLY:
            day = today - timedelta(days=1)
        elif cmd.period is Period.LAST_MONTH and kind is ReportKind.MONTHLY:
            month = last_month(today)
        report = await reports.build(kind, day=day, month=month, magic=cmd.magic)
        if report.magic is not None and report.idle:
            return self.d.reply(p, "report", "idle", r=report)
        chart = await reports.chart(report, p.lang) if self.d.settings.reports.chart else None
        offers = self.d.suggestions if p.may(Permission.TRADE) else None
        return report_reply(
            self.d.renderer,
            p.lang,
            report,
            chart,
            offers=offers,
            account=cmd.account,
            shown=self.d.shown(cmd),
        )

    async def _dated_window(self, cmd: Command) -> Window:
        """The reporting calendar's window of the day or month a message named (checked as REST checks)."""
        day, month = cmd.day, cmd.month
        today = await self.d.reports_of(cmd).today()
        if day is not None:
            first = last = resolve_day(day, today)
            if first > today:
                raise ReportRequestError(f"{first.isoformat()} has not happened yet")
        else:
            year, number = resolve_month(month or "", today)
            if (year, number) > (today.year, today.month):
                raise ReportRequestError(f"{year}-{number:02d} has not begun yet")
            first, last = date(year, number, 1), date(year, number, monthrange(year, number)[1])
        trading = self.d.port(cmd)
        return range_window(first, last, tz=trading.timezone, server_utc_offset=trading.server_utc_offset)

    async def positions(self, p: Principal, cmd: Command) -> Reply:
        side = None if cmd.side is None else cmd.side.value
        found = await self.d.port(cmd).positions(symbol=cmd.symbol, magic=cmd.magic)
        found = [pos for pos in found if side is None or pos.side == side]
        digits = await self.d.digits({pos.symbol for pos in found}, cmd)
        currency = (await self.d.port(cmd).account()).currency
        return self.d.reply(p, "query", "positions", items=found, digits=digits, currency=currency)

    async def pnl(self, p: Principal, cmd: Command) -> Reply:
        if cmd.day is not None or cmd.month is not None:
            window = await self._dated_window(cmd)
        else:
            window = await self.d.port(cmd).window(CorePeriod((cmd.period or Period.TODAY).value))
        report = await self.d.port(cmd).pnl(window, symbol=cmd.symbol, magic=cmd.magic)
        currency = (await self.d.port(cmd).account()).currency
        return self.d.reply(p, "query", "pnl", report=report, currency=currency)
