"""A report as a chat message: the template's text, the chart as the photo, one button per suggestion.

A suggestion's typed request (a `CloseRequest` or `ModifyRequest` from `reports.hedge`) is kept in the
core's `SuggestionBook` under a short id, and its button's action is `s:<id>`. Pressing it sends the
request through the normal trading flow: previewed at the current price and confirmed like a typed
command; a tap never trades by itself. Only users who may trade get the buttons. An offer lives a day
(`SUGGESTION_TTL_SEC`, until the next daily report); after that, or after a restart, the button answers
that it is no longer valid. Buttons of the old `do:<command>` form are answered the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.core.book import ExpiringBook
from bot.core.confirm import new_id
from bot.core.dialog import suggestion_action
from bot.core.render import Rendered, Renderer, joined
from bot.messages import Button, Reply
from mt5bridge.trading.models import CloseRequest
from nlu import Command, Intent, Selector, Side
from reports.across import AccountsRun
from reports.models import Report, SuggestedAction

SUGGESTION_TTL_SEC = 86400.0


@dataclass(frozen=True, slots=True)
class Offered:
    """A suggestion's request and the account whose report suggested it (None: the only account)."""

    action: SuggestedAction
    account: str | None = None


class SuggestionBook(ExpiringBook[str, Offered]):
    """The requests behind the suggestion buttons on offer, by id; any user who may trade can take one."""

    def offer(self, action: SuggestedAction, account: str | None = None) -> str:
        """Keep `action` (on `account`) for a day; the id its button carries."""
        offer_id = new_id()
        self.put(offer_id, Offered(action, account))
        return offer_id


def suggestion_book(clock: Callable[[], float]) -> SuggestionBook:
    return SuggestionBook(SUGGESTION_TTL_SEC, clock)


def suggestion_command(offered: Offered) -> Command:
    """What the confirmation and the audit record for a suggestion: the request as a command."""
    action = offered.action
    return Command(
        account=offered.account,
        intent=Intent.CLOSE if isinstance(action, CloseRequest) else Intent.MODIFY,
        symbol=action.symbol,
        side=Side(action.side.value) if action.side else None,
        selector=Selector(action.selector.value) if action.selector else None,
        ticket=action.ticket,
        magic=action.magic,
        volume=action.volume if isinstance(action, CloseRequest) else None,
        sl=None if isinstance(action, CloseRequest) else action.sl,
        tp=None if isinstance(action, CloseRequest) else action.tp,
        price=None if isinstance(action, CloseRequest) else action.price or None,
    )


def report_reply(
    renderer: Renderer,
    lang: str,
    report: Report,
    chart: bytes | None,
    *,
    offers: SuggestionBook | None,
    late: datetime | None = None,
    account: str | None = None,
    shown: str | None = None,
) -> Reply:
    """The report in `lang`, with its chart and, given `offers`, a button per actionable suggestion;
    `late` (when it was due) heads a report sent after the fact with a line saying so. `account` is
    the account whose report it is (its suggestions act there), `shown` its name heading the report
    when there are several."""
    rendered = renderer.render(lang, "report", report.kind.value, r=report)
    if shown is not None:
        rendered = renderer.render(lang, "accounts", "heading", name=shown).then(rendered)
    if late is not None:
        note = renderer.render(lang, "notify", "late", due=late.strftime("%Y-%m-%d %H:%M"))
        rendered = note.then(rendered)
    buttons: list[list[Button]] = []
    if offers is not None:
        currency = report.account.currency
        for suggestion in report.hedge.suggestions:
            if suggestion.action is not None:
                label = renderer.render(
                    lang, "report", "suggestion_button", s=suggestion, currency=currency
                ).text
                action = suggestion_action(offers.offer(suggestion.action, account))
                buttons.append([Button(text=label[:64], action=action)])
    return Reply(
        text=rendered.text, html=rendered.html, markdown=rendered.markdown, image=chart, buttons=buttons
    )


def consolidated_reply(
    renderer: Renderer,
    lang: str,
    run: AccountsRun,
    *,
    accounts: list[str] | None = None,
    canonical: Callable[[str], str] = str,
    late: datetime | None = None,
) -> Reply:
    """The consolidated report of `accounts` (default all) in `lang`, the silent accounts named."""
    parts: list[Rendered] = []
    if late is not None:
        parts.append(renderer.render(lang, "notify", "late", due=late.strftime("%Y-%m-%d %H:%M")))
    merged = run.consolidated(accounts, canonical)
    if merged is not None:
        parts.append(renderer.render(lang, "report", "consolidated", c=merged))
    silent = run.silent_of(accounts)
    if silent:
        parts.append(renderer.render(lang, "accounts", "unreachable", names=silent))
    return joined(parts).reply()
