"""Reports across accounts: each account's report built at once, then consolidated (reports/consolidated.py).

`AccountsReports` is a schedule's source on a front (one run: every account's report of a kind and
period) and what the chat's "所有账户日报" builds. A run keeps each account's own report, so each reader
gets the consolidated view of the accounts they may see, from the very figures each account sends.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from mt5bridge.common.errors import MT5BotError
from reports.consolidated import ConsolidatedReport, consolidate
from reports.models import Report, ReportKind
from reports.remote import ReportSource

log = logging.getLogger(__name__)

ACCOUNT_TIMEOUT_SEC = 10.0  # per account: a slow bridge is named as not answering, the others still count


@dataclass(frozen=True)
class AccountsRun:
    """Every account's report of one kind and period, and the accounts that did not answer."""

    kind: ReportKind
    reports: dict[str, Report]
    silent: list[str] = field(default_factory=list)  # account names
    shown: dict[str, str] = field(default_factory=dict)  # name -> what people call it

    def consolidated(
        self, accounts: Sequence[str] | None = None, canonical: Callable[[str], str] = str
    ) -> ConsolidatedReport | None:
        """The consolidated report of `accounts` (default all) that answered; None when none did."""
        names = list(self.reports) if accounts is None else [a for a in accounts if a in self.reports]
        if not names:
            return None
        labels = {name: self.shown.get(name, name) for name in names}
        return consolidate({n: self.reports[n] for n in names}, labels=labels, canonical=canonical)

    def silent_of(self, accounts: Sequence[str] | None = None) -> list[str]:
        """The names people know of the accounts (of `accounts`) that did not answer."""
        return [self.shown.get(n, n) for n in self.silent if accounts is None or n in accounts]


class AccountsReports:
    """Several accounts' reports as one source: `build` asks each at once, within a timeout each."""

    def __init__(
        self,
        sources: Mapping[str, ReportSource],
        shown: Mapping[str, str],
        *,
        timeout: float = ACCOUNT_TIMEOUT_SEC,
    ) -> None:
        if not sources:
            raise ValueError("no accounts to report on")
        self.sources = dict(sources)
        self.shown = dict(shown)
        self.timeout = timeout

    async def today(self) -> date:
        """Today on the first account's calendar (the schedule's)."""
        return await next(iter(self.sources.values())).today()

    async def build(
        self,
        kind: ReportKind,
        *,
        day: date | None = None,
        month: tuple[int, int] | None = None,
        magic: int | None = None,
        accounts: Sequence[str] | None = None,
    ) -> AccountsRun:
        """Each account's report (of `accounts`, default all) for the day or month."""
        names = [n for n in self.sources if accounts is None or n in accounts]

        async def one(name: str) -> Report:
            source = self.sources[name]
            return await asyncio.wait_for(source.build(kind, day=day, month=month, magic=magic), self.timeout)

        built = await asyncio.gather(*(one(n) for n in names), return_exceptions=True)
        reports: dict[str, Report] = {}
        silent: list[str] = []
        for name, result in zip(names, built, strict=True):
            if isinstance(result, Report):
                reports[name] = result
                continue
            silent.append(name)
            if not isinstance(result, MT5BotError | TimeoutError):
                log.error("the %s report of account %s failed", kind.value, name, exc_info=result)
        return AccountsRun(kind, reports, silent, self.shown)

    async def chart(self, report: AccountsRun, lang: str = "zh") -> bytes:
        """No chart of its own: each account's report carries its chart."""
        raise NotImplementedError("a consolidated report has no chart; each account's report has one")
