"""A report as a chat message: the template's text, the chart as the photo, one button per suggestion.

A suggestion button's action is `do:<command>` (e.g. `do:close #123`): pressing it sends the command
through the normal trading flow, so it is previewed at the current price and needs the same confirmation
as a typed command. Only users who may trade get the buttons.
"""

from __future__ import annotations

from bot.core.render import Renderer
from bot.messages import Button, Reply
from reports.models import Report

DO_PREFIX = "do:"


def do_action(command: str) -> str:
    """The button action that runs `command` (an English phrase `nlu.parse` reads exactly)."""
    return DO_PREFIX + command


def parse_do(action: str) -> str | None:
    """The command of a `do:` action, None for anything else."""
    action = action.strip()
    if not action.startswith(DO_PREFIX) or len(action) == len(DO_PREFIX):
        return None
    return action[len(DO_PREFIX) :]


def report_reply(
    renderer: Renderer, lang: str, report: Report, chart: bytes | None, *, actions: bool
) -> Reply:
    """The report in `lang`, with its chart and, when `actions`, a button per actionable suggestion."""
    rendered = renderer.render(lang, "report", report.kind.value, r=report)
    buttons: list[list[Button]] = []
    if actions:
        currency = report.account.currency
        for suggestion in report.hedge.suggestions:
            if suggestion.action:
                label = renderer.render(
                    lang, "report", "suggestion_button", s=suggestion, currency=currency
                ).text
                buttons.append([Button(text=label[:64], action=do_action(suggestion.action))])
    return Reply(
        text=rendered.text, html=rendered.html, markdown=rendered.markdown, image=chart, buttons=buttons
    )
