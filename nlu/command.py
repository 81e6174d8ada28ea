"""The command contract: what one chat message means, exact on every field it claims, null elsewhere."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mt5bridge.common.rulespec import RuleSpec
from mt5bridge.common.vocab import Period, ReportKind, Selector, Side

MAX_VOLUME = 1000.0  # lots; anything above is not a volume a retail account can mean
# `Command.account` for "所有账户" / "all accounts": every account the user may use. Never a configured name
# (names are identifiers such as `demo`, `ic-live`; the parser ignores an account configured as "*").
ALL_ACCOUNTS = "*"


class Intent(StrEnum):
    OPEN = "open"
    CLOSE = "close"
    MODIFY = "modify"
    CANCEL = "cancel"
    LOCK = "lock"  # 锁仓: open the opposite side, same size, of the position(s) named
    PNL = "pnl"
    POSITIONS = "positions"
    ORDERS = "orders"
    ACCOUNT = "account"
    QUOTE = "quote"
    REPORT = "report"
    HELP = "help"
    SUBSCRIBE = "subscribe"  # 订阅日报: receive a scheduled report (no report: notifications at all)
    UNSUBSCRIBE = "unsubscribe"  # 取消月报 / 退订: stop it
    USE_ACCOUNT = "use_account"  # 切换到 IC实盘, /use demo: the user's account from now on (null: list them)
    RULE_SET = "rule_set"  # 黄金保本, trail EURUSD 20 points: a trade-management rule (`Command.rule`)
    RULE_LIST = "rule_list"  # /rules, 我的规则: the active rules
    RULE_REMOVE = "rule_remove"  # 删除规则3 (`rule_id`), 取消黄金保本 (which one is asked)
    UNKNOWN = "unknown"

    @property
    def is_trading(self) -> bool:
        """True for intents that change the account (they always need confirmation downstream)."""
        return self in TRADING_INTENTS

    @property
    def changes_rules(self) -> bool:
        """True for setting or removing a rule: previewed and confirmed like a trade (docs/nlu.md)."""
        return self in RULE_CHANGES


TRADING_INTENTS = frozenset({Intent.OPEN, Intent.CLOSE, Intent.MODIFY, Intent.CANCEL, Intent.LOCK})
RULE_CHANGES = frozenset({Intent.RULE_SET, Intent.RULE_REMOVE})


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    PENDING = "pending"  # a pending order whose kind (limit or stop) the user did not say


Report = ReportKind  # the command's name for the report kind (`Command.report`)


class ProblemCode(StrEnum):
    """Why a number in the message cannot be used as written (see docs/nlu.md, "Numbers"), or why the
    account it names cannot be (docs/nlu.md, "Accounts")."""

    NEGATIVE_NUMBER = "negative_number"  # a minus sign (- － − 负) before the number
    SIGNED_NUMBER = "signed_number"  # a plus sign (+ ±): a relative offset, which the command cannot carry
    ZERO_VOLUME = "zero_volume"
    ZERO_NUMBER = "zero_number"  # a price or ticket of 0; an SL/TP of 0 on an open
    AMBIGUOUS_RANGE = "ambiguous_range"  # 0.01-0.05手, 3600~3650, 0.01到0.05手: never one end of it
    AMBIGUOUS_SEPARATOR = "ambiguous_separator"  # 0,5 / 1,5 / 3.600.000, or 1,000 where it cannot be a price
    UNKNOWN_ACCOUNT = "unknown_account"  # "on foo buy...", "切换到foo": no configured account is called that


class Need(StrEnum):
    """What the chat must ask before the command is complete (the parser never guesses it)."""

    SIDE = "side"  # buy or sell
    VOLUME_OR_PRICE = "volume_or_price"  # a number that fits both (`Command.number` holds it)
    SYMBOL = "symbol"
    TICKET = "ticket"  # which position or order


class RuleNeed(StrEnum):
    """What the chat must ask before a rule is complete (docs/nlu.md, "Rules"): the positions it acts on,
    a figure the message did not give, or which rule to remove. Answered by reading the message again with
    the answer (`nlu.parser.complete_rule`), never by filling a field in."""

    SCOPE = "scope"  # which positions (a symbol, a ticket, an EA, a side, or all of them)
    DISTANCE = "distance"  # a trailing stop's distance (points, k x ATR or the last N candles)
    LIMIT = "limit"  # an equity guard's drawdown (percent or amount)
    REFERENCE = "reference"  # what that drawdown is measured from (start of day, peak, fixed amount)
    STAGES = "stages"  # a staged take-profit's levels and shares
    LOCK_START = "lock_start"  # the floating profit that arms a profit lock (amount)
    GIVE_BACK = "give_back"  # the share of it the lock gives back before closing
    RULE = "rule"  # which rule to remove (`rule_id`)


NumberField = Literal["volume", "price", "sl", "tp", "ticket", "magic"]


class Problem(BaseModel):
    """A number, or an account name, the parser refused to read: the chat explains it; the command is
    `unknown`, never a trade."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: ProblemCode
    field: NumberField | None = Field(
        default=None, description="where the number stood, when known (null for an account name)"
    )
    text: str = Field(
        description="the offending text, as normalised (half-width, lower case); the name for unknown_account"
    )


class Command(BaseModel):
    """One parsed message. Null means "the message did not say (or the parser is not sure)"."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)

    intent: Intent = Intent.UNKNOWN
    symbol: str | None = Field(default=None, description="canonical symbol, before broker-suffix resolution")
    side: Side | None = Field(default=None, description="for close: direction of the positions to close")
    volume: float | None = Field(default=None, gt=0, le=MAX_VOLUME, description="lots")
    order_type: OrderType | None = None
    price: float | None = Field(default=None, gt=0)
    sl: float | None = Field(default=None, ge=0, description="0 removes the stop loss")
    tp: float | None = Field(default=None, ge=0, description="0 removes the take profit")
    fraction: float | None = Field(
        default=None, gt=0, le=1, description="close: a share of what is held (0.5 = half), FIFO"
    )
    selector: Selector | None = None
    ticket: int | None = Field(default=None, gt=0)
    magic: int | None = Field(default=None, ge=0, description="EA filter")
    period: Period | None = None
    report: Report | None = None
    day: str | None = Field(
        default=None,
        pattern=r"^(\d{4}|-)-\d{2}-\d{2}$",
        description="report/pnl: the calendar day named, YYYY-MM-DD (--MM-DD: the year was not said)",
    )
    month: str | None = Field(
        default=None,
        pattern=r"^(\d{4}|-)-\d{2}$",
        description="report/pnl: the calendar month named, YYYY-MM (--MM: the year was not said)",
    )
    account: str | None = Field(
        default=None,
        min_length=1,
        description=(
            "the configured account the message names, as its name (not the label typed); "
            f"'{ALL_ACCOUNTS}' for all accounts; null: not said (the user's default account)"
        ),
    )
    problem: Problem | None = Field(
        default=None,
        description="set by the parser only, with intent unknown: why a number or account name was refused",
    )
    needs: tuple[Need, ...] | None = Field(
        default=None, description="what the chat must ask (buttons) before the command is complete"
    )
    number: float | None = Field(
        default=None,
        exclude=True,
        description="the number a volume_or_price question is about; not part of the dumped contract",
    )
    rule: RuleSpec | None = Field(
        default=None, description="rule_set: the rule exactly as said (null while rule_needs are asked)"
    )
    rule_id: int | None = Field(default=None, gt=0, description="rule_remove: the rule's number")
    rule_needs: tuple[RuleNeed, ...] | None = Field(
        default=None, description="what the chat must ask (buttons) before the rule is complete"
    )

    @property
    def is_trading(self) -> bool:
        """True when executing this command would change the account."""
        return self.intent.is_trading

    @property
    def changes_rules(self) -> bool:
        """True when confirming this command would set or remove a rule."""
        return self.intent.changes_rules


UNKNOWN = Command()
PARSER_ONLY = (
    "problem",
    "needs",
    "number",
    "rule_needs",
)  # set by the offline parser alone, never taken from an LLM
