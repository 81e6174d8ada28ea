"""One error root (issue 11, point 5): every error an edge may show is an `MT5BotError` with a kind, and
each kind has exactly one HTTP status and one chat template."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import api
import bot
import mt5bridge
import reports
from api.envelope import STATUS_OF_KIND
from bot.core.context import TEMPLATE_OF_KIND
from bot.core.render import Renderer
from mt5bridge.common.errors import ErrorKind, MT5BotError
from mt5bridge.terminal.errors import (
    CallTimeout,
    InvalidRequest,
    OrderOutcomeUnknown,
    TerminalFailure,
    TerminalUnavailable,
    TradeRejected,
)
from mt5bridge.trading.errors import (
    Forbidden,
    IdempotencyConflict,
    InvalidOrder,
    PreviewChanged,
    RequestInProgress,
    RiskRefused,
    UnknownSymbol,
)
from mt5bridge.trading.indicators import IndicatorError
from mt5bridge.trading.periods import PeriodError
from mt5bridge.trading.selectors import AmbiguousSelection, SelectionError
from reports.errors import ReportRequestError

# Today's statuses, pinned: the root must not move any of them.
STATUS = {
    InvalidRequest: 400,
    InvalidOrder: 400,
    UnknownSymbol: 400,
    SelectionError: 400,
    AmbiguousSelection: 400,
    PeriodError: 400,
    IndicatorError: 400,
    ReportRequestError: 400,
    Forbidden: 403,
    IdempotencyConflict: 409,
    RequestInProgress: 409,
    PreviewChanged: 409,
    RiskRefused: 422,
    TradeRejected: 422,
    TerminalFailure: 502,
    OrderOutcomeUnknown: 502,
    TerminalUnavailable: 503,
    CallTimeout: 503,
}


def _all_errors() -> set[type[MT5BotError]]:
    for package in (mt5bridge, reports, api, bot):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(info.name)
    found: set[type[MT5BotError]] = set()
    todo = [MT5BotError]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def test_every_kind_has_one_status_and_one_template_in_each_language() -> None:
    assert set(STATUS_OF_KIND) == set(ErrorKind) == set(TEMPLATE_OF_KIND)
    renderer = Renderer()
    for lang in ("zh", "en"):
        for kind, macro in TEMPLATE_OF_KIND.items():
            text = renderer.render(lang, "errors", macro, code="some_code", message="why").text
            assert text.startswith("⚠️") and "some_code: why" in text, (lang, kind)


def test_every_error_class_declares_a_kind_with_a_status() -> None:
    errors = _all_errors()
    assert set(STATUS) <= errors
    for cls in errors:
        assert cls.kind in STATUS_OF_KIND, cls


@pytest.mark.parametrize(("cls", "status"), STATUS.items(), ids=lambda v: getattr(v, "__name__", str(v)))
def test_each_error_keeps_its_status(cls: type[MT5BotError], status: int) -> None:
    assert STATUS_OF_KIND[cls.kind] == status


def test_the_value_errors_stay_value_errors() -> None:
    for cls in (PeriodError, IndicatorError, ReportRequestError):
        assert issubclass(cls, ValueError) and issubclass(cls, MT5BotError)
        assert str(cls("the reason")) == "the reason" and cls("the reason").message == "the reason"
