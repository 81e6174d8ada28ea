"""Intent parser: one chat message in, one exact `Command` out (offline first, LLM when configured)."""

from nlu.command import (
    ALL_ACCOUNTS,
    Command,
    Intent,
    Need,
    OrderType,
    Period,
    Problem,
    ProblemCode,
    Report,
    RuleNeed,
    Selector,
    Side,
)
from nlu.parser import parse

__all__ = [
    "ALL_ACCOUNTS",
    "Command",
    "Intent",
    "Need",
    "OrderType",
    "Period",
    "Problem",
    "ProblemCode",
    "Report",
    "RuleNeed",
    "Selector",
    "Side",
    "parse",
]
