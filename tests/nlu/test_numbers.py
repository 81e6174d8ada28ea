"""Signs, zeros, ranges and separators (issue 10.2): a number is read as written or refused, never altered.

Every refusal is `unknown` with a typed `problem` (code, field, offending text) for the chat's reply.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlu import Command, parse
from nlu.bands import BANDS
from nlu.command import Problem, ProblemCode
from nlu.lexicon import lexicon
from nlu.normalize import normalize
from nlu.numbers import check

NEG, SIGNED, ZERO_V, ZERO = "negative_number", "signed_number", "zero_volume", "zero_number"
RANGE, SEP = "ambiguous_range", "ambiguous_separator"

# message -> (problem code, field, offending text as normalised)
REFUSED: list[tuple[str, str, str | None, str]] = [
    # the examples
    ("买入-1手黄金", NEG, "volume", "-1手"),
    ("卖出-0.5手黄金", NEG, "volume", "-0.5手"),
    ("buy -1 lot gold", NEG, "volume", "-1 lot"),
    # every minus sign: full-width, unicode minus, dashes, 负 and 負, with spaces
    ("买入－1手黄金", NEG, "volume", "-1手"),
    ("买入−1手黄金", NEG, "volume", "-1手"),
    ("买入–1手黄金", NEG, "volume", "-1手"),
    ("买入—1手黄金", NEG, "volume", "-1手"),
    ("买入﹣1手黄金", NEG, "volume", "-1手"),
    ("买入负1手黄金", NEG, "volume", "负1手"),
    ("买入负一手黄金", NEG, "volume", "负1手"),
    ("买入负零点五手黄金", NEG, "volume", "负0.5手"),
    ("买入 - 1手黄金", NEG, "volume", "- 1手"),
    ("买入黄金-1手", NEG, "volume", "-1手"),
    ("黄金-1手", NEG, "volume", "-1手"),
    # traditional
    ("買入－１手黃金", NEG, "volume", "-1手"),
    ("賣出負0.5手黃金", NEG, "volume", "负0.5手"),
    ("平倉-0.01手黃金", NEG, "volume", "-0.01手"),
    ("買入黃金1手 止損-3600", NEG, "sl", "止损-3600"),
    # English
    ("sell -0.5 lots gold", NEG, "volume", "-0.5 lots"),
    ("buy -0.01 gold", NEG, "volume", "-0.01"),
    ("buy gold -1", NEG, None, "-1"),
    ("buy gold-1 lot", NEG, "volume", "-1 lot"),
    ("buy xauusd-1 lot", NEG, "volume", "-1 lot"),
    ("BUY −1 LOT GOLD", NEG, "volume", "-1 lot"),
    ("close -0.01 lots gold", NEG, "volume", "-0.01 lots"),
    ("buy 0.1 lot gold sl -3600", NEG, "sl", "sl -3600"),
    ("buy 0.1 lot gold sl-3600", NEG, "sl", "sl-3600"),
    ("buy 0.1 lot gold sl: -3600", NEG, "sl", "sl: -3600"),
    ("buy 0.1 lot gold tp -3700", NEG, "tp", "tp -3700"),
    ("buy limit 0.1 lots gold at -3600", NEG, "price", "at -3600"),
    ("buy limit 0.1 lots gold @-3600", NEG, "price", "@-3600"),  # "@-3600" is no @mention
    ("挂单买入黄金1手 @负3600", NEG, "price", "@负3600"),
    ("close ticket -123456", NEG, "ticket", "ticket -123456"),
    ("close all gold magic -7", NEG, "magic", "magic -7"),
    ("/buy -1 gold", NEG, "volume", "-1"),
    # Chinese SL/TP/price/ticket
    ("买入黄金0.1手 止损-3600", NEG, "sl", "止损-3600"),
    ("买入黄金0.1手 止损－3600", NEG, "sl", "止损-3600"),
    ("买入黄金0.1手 止盈负3700", NEG, "tp", "止盈负3700"),
    ("把黄金止损改到-3600", NEG, "sl", "止损改到-3600"),
    ("挂单买入0.1手黄金 价格-3600", NEG, "price", "价格-3600"),
    ("平仓#-123456", NEG, "ticket", "#-123456"),
    ("平仓单号-123456", NEG, "ticket", "单号-123456"),
    ("持仓#-123456", NEG, "ticket", "#-123456"),
    # mixed
    ("buy -0.1手黄金", NEG, "volume", "-0.1手"),
    ("买入-0.1 lots gold", NEG, "volume", "-0.1 lots"),
    ("买入黄金1手 sl -3600", NEG, "sl", "sl -3600"),
    # a plus sign: an offset the command cannot carry
    ("买入黄金1手 止损+20", SIGNED, "sl", "止损+20"),
    ("buy gold 1 lot tp +50", SIGNED, "tp", "tp +50"),
    ("买入＋1手黄金", SIGNED, "volume", "+1手"),
    ("买入黄金1手 止损±20", SIGNED, "sl", "止损±20"),
    # zero
    ("买入0手黄金", ZERO_V, "volume", "0手"),
    ("买入零手黄金", ZERO_V, "volume", "0手"),
    ("買入０手黃金", ZERO_V, "volume", "0手"),
    ("buy 0 lots gold", ZERO_V, "volume", "0 lots"),
    ("buy 0.00 lots gold", ZERO_V, "volume", "0.00 lots"),
    ("平仓0手黄金", ZERO_V, "volume", "0手"),
    ("挂单买入1手黄金 价格0", ZERO, "price", "价格0"),
    ("buy limit 1 lot gold at 0", ZERO, "price", "at 0"),
    ("买入黄金1手 止损0", ZERO, "sl", "止损0"),
    ("buy gold 1 lot tp 0", ZERO, "tp", "tp 0"),
    ("平仓#000", ZERO, "ticket", "#000"),
    ("持仓 #000", ZERO, "ticket", "#000"),
    # ranges are never collapsed to one end
    ("买入0.01-0.05手黄金", RANGE, "volume", "0.01-0.05手"),
    ("买入0.01~0.05手黄金", RANGE, "volume", "0.01~0.05手"),
    ("买入0.01～0.05手黄金", RANGE, "volume", "0.01~0.05手"),
    ("买入0.01〜0.05手黄金", RANGE, "volume", "0.01~0.05手"),
    ("买入0.01到0.05手黄金", RANGE, "volume", "0.01到0.05手"),
    ("买入0.01至0.05手黄金", RANGE, "volume", "0.01至0.05手"),
    ("买入0.01手到0.05手黄金", RANGE, "volume", "0.01手到0.05手"),
    ("買入0.01－0.05手黃金", RANGE, "volume", "0.01-0.05手"),
    ("buy 0.01-0.05 lots gold", RANGE, "volume", "0.01-0.05 lots"),
    ("buy 0.01 - 0.05 lots gold", RANGE, "volume", "0.01 - 0.05 lots"),
    ("buy limit 1 lot gold at 3600-3650", RANGE, "price", "at 3600-3650"),
    ("buy limit 1 lot gold at 3600–3650", RANGE, "price", "at 3600-3650"),
    ("买入黄金1手 止损3600-3650", RANGE, "sl", "止损3600-3650"),
    ("买入黄金1手 止盈3700~3750", RANGE, "tp", "止盈3700~3750"),
    ("买入黄金1手 止损3600到3550", RANGE, "sl", "止损3600到3550"),
    ("sell gold 1 lot sl 3,600-3,650", RANGE, "sl", "sl 3,600-3,650"),
    # separators: a decimal comma, a bad grouping, a dotted thousands, a leading point
    ("买入0,5手黄金", SEP, "volume", "0,5手"),
    ("买入1,5手黄金", SEP, "volume", "1,5手"),
    ("买入０，５手黄金", SEP, "volume", "0,5手"),
    ("buy 0,05 lots gold", SEP, "volume", "0,05 lots"),
    ("buy 1,000 lots gold", SEP, "volume", "1,000 lots"),
    ("买入黄金1手 止损36,00", SEP, "sl", "止损36,00"),
    ("买入黄金1手 止损3600,3650", SEP, "sl", "止损3600,3650"),
    ("买入黄金1手 止损3.600.000", SEP, "sl", "止损3.600.000"),
    ("买入.5手黄金", SEP, "volume", ".5手"),
    ("平仓#123,456", SEP, "ticket", "#123,456"),
    # a thousands comma only for an instrument quoted in the thousands, in a price, SL or TP
    ("买入欧美1手 止损1,085", SEP, "sl", "止损1,085"),
    ("buy 1 lot eurusd sl 1,085", SEP, "sl", "sl 1,085"),
    ("把#123456的止损改到3,600", SEP, "sl", "止损改到3,600"),
    ("buy 1 lot silver tp 3,000", SEP, "tp", "tp 3,000"),
]

# message -> the command it must be (fields not listed are null)
READ: list[tuple[str, dict[str, object]]] = [
    ("买入黄金 止损3,600", {"intent": "open", "symbol": "XAUUSD", "side": "buy", "sl": 3600.0}),
    (
        "买入黄金1手 止损3,600",
        {"intent": "open", "symbol": "XAUUSD", "side": "buy", "volume": 1.0, "sl": 3600.0},
    ),
    (
        "買入黃金１手　止損３，６００",
        {"intent": "open", "symbol": "XAUUSD", "side": "buy", "volume": 1.0, "sl": 3600.0},
    ),
    (
        "sell 0.1 lots btc sl 65,000.5 tp 60,000",
        {"intent": "open", "symbol": "BTCUSD", "side": "sell", "volume": 0.1, "sl": 65000.5, "tp": 60000.0},
    ),
    (
        "buy limit 1 lot nas100 at 18,250",
        {
            "intent": "open",
            "symbol": "NAS100",
            "side": "buy",
            "volume": 1.0,
            "order_type": "limit",
            "price": 18250.0,
        },
    ),
    (
        "把道指止损改到39,500",
        {"intent": "modify", "symbol": "US30", "sl": 39500.0},
    ),
    # "-" as a separator that is not next to a number, and a 0 that removes an SL in a modify
    ("黄金止损改为0", {"intent": "modify", "symbol": "XAUUSD", "sl": 0.0}),
    ("buy 0.1 lot gold-ecn", {"intent": "open", "symbol": "XAUUSD", "side": "buy", "volume": 0.1}),
    ("buy 0.1 lot xauusd-std", {"intent": "open", "symbol": "XAUUSD", "side": "buy", "volume": 0.1}),
    (
        "买入0.01手黄金 - 止损2300",
        {"intent": "open", "symbol": "XAUUSD", "side": "buy", "volume": 0.01, "sl": 2300.0},
    ),
    (
        "买入0.01手黄金，止损2300",
        {"intent": "open", "symbol": "XAUUSD", "side": "buy", "volume": 0.01, "sl": 2300.0},
    ),
    ("做多纳指100 1手", {"intent": "open", "symbol": "NAS100", "side": "buy", "volume": 1.0}),
    # a query is still answered when the signed number is not in one of its fields
    ("今天盈亏-50", {"intent": "pnl", "period": "today"}),
    ("本月盈亏 -1,000.5", {"intent": "pnl", "period": "month"}),
    ("/positions gold -1", {"intent": "positions", "symbol": "XAUUSD"}),
]

# Not refused with a problem but still never a trade: the digits stay unexplained.
UNEXPLAINED = [
    "买入黄金1手 止损2024-01-05",  # a chain of dashes: a date or a code, not a range
    "buy 0.01 to 0.05 lots gold",  # "to" is not read as a range mark (it also means "move to")
    "买入黄金1手 止损3 600",
    "买入黄金1手 止损three thousand",  # an SL word without a number the parser reads: refused, not dropped
    "买入黄金1手 止损3600 止盈三千七七",
]


def _dump(command: Command) -> dict[str, object]:
    return command.model_dump(mode="json", exclude_none=True)


@pytest.mark.parametrize(("text", "code", "field", "quoted"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_with_a_typed_problem(text: str, code: str, field: str | None, quoted: str) -> None:
    command = parse(text)
    assert command.problem == Problem(code=ProblemCode(code), field=field, text=quoted)
    assert command == Command(problem=command.problem)  # unknown, and no other field is set
    assert not command.is_trading


@pytest.mark.parametrize(("text", "expected"), READ, ids=[r[0] for r in READ])
def test_read_as_written(text: str, expected: dict[str, object]) -> None:
    assert _dump(parse(text)) == expected


@pytest.mark.parametrize("text", UNEXPLAINED)
def test_unexplained_digits_are_no_trade(text: str) -> None:
    assert parse(text) == Command()


def test_the_problem_is_part_of_the_contract() -> None:
    dump = parse("买入-1手黄金").model_dump(mode="json")
    assert dump["intent"] == "unknown"
    assert dump["problem"] == {"code": "negative_number", "field": "volume", "text": "-1手"}
    assert parse("买入0.01手黄金").model_dump(mode="json")["problem"] is None


def test_no_cue_leaves_the_text_alone() -> None:
    text = "买入0.01手黄金 止损2300"
    checked = check(text)
    assert checked.text is text and not checked.findings and not checked.grouped


# --- properties ---------------------------------------------------------------------------------------
MINUS_SIGNS = ["-", "－", "−", "–", "—", "﹣", "- ", "－ ", "负", "負"]
RANGE_MARKS = ["-", "~", "～", "〜", "到", "至", " - ", "－", "—"]
FULL_WIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")
SYMBOLS = ["黄金", "黃金", "gold", "欧美", "歐美", "silver"]

# (template, {placeholder: field}): every number in the template is read into its field.
TEMPLATES: list[tuple[str, dict[str, str]]] = [
    ("买入{v}手{sym}", {"v": "volume"}),
    ("卖出{sym}{v}手 止损{sl} 止盈{tp}", {"v": "volume", "sl": "sl", "tp": "tp"}),
    ("做多{sym} {v}手 止损{sl}", {"v": "volume", "sl": "sl"}),
    ("挂单买入{v}手{sym} 价格{p}", {"v": "volume", "p": "price"}),
    ("平仓{v}手{sym}", {"v": "volume"}),
    ("把{sym}止损改到{sl}", {"sl": "sl"}),
    ("把{sym}止盈改为{tp}", {"tp": "tp"}),
    ("買入{v}手{sym} 止損{sl}", {"v": "volume", "sl": "sl"}),
    ("賣出{sym}{v}手 止盈{tp}", {"v": "volume", "tp": "tp"}),
    ("buy {v} lots {sym}", {"v": "volume"}),
    ("buy {v} {sym}", {"v": "volume"}),
    ("sell {sym} {v} lot sl {sl} tp {tp}", {"v": "volume", "sl": "sl", "tp": "tp"}),
    ("buy limit {v} lots {sym} at {p}", {"v": "volume", "p": "price"}),
    ("sell stop {v} lots {sym} @ {p} sl {sl}", {"v": "volume", "p": "price", "sl": "sl"}),
    ("close {v} lots {sym}", {"v": "volume"}),
    ("buy {v}手{sym} 止损{sl}", {"v": "volume", "sl": "sl"}),
    ("买入{v} lots {sym} sl {sl} tp {tp}", {"v": "volume", "sl": "sl", "tp": "tp"}),
]


@dataclass(frozen=True)
class Message:
    """A trading message from a template; `render` writes it, optionally changing the target number."""

    template: str
    fields: dict[str, str]
    values: dict[str, str]  # ASCII
    full_width: bool
    symbol: str
    target: str

    def render(self, change: Callable[[str], str] = str) -> str:
        shown = {k: v.translate(FULL_WIDTH) if self.full_width else v for k, v in self.values.items()}
        shown[self.target] = change(shown[self.target])
        return self.template.format(sym=self.symbol, **shown)


def _lots(cents: int) -> str:
    return f"{cents / 100:.2f}".rstrip("0").rstrip(".")


def _price(value: int, decimals: int) -> str:
    return f"{value / 10**decimals:.{decimals}f}"


@st.composite
def messages(draw: st.DrawFn) -> Message:
    template, fields = draw(st.sampled_from(TEMPLATES))
    symbol = draw(st.sampled_from(SYMBOLS))
    low, high = BANDS[lexicon().resolve(symbol) or ""]  # a price outside the band is not understood
    prices = {}
    for key in ("p", "sl", "tp"):
        decimals = draw(st.integers(0, 3))
        scale = 10**decimals
        prices[key] = _price(draw(st.integers(math.ceil(low * scale), math.floor(high * scale))), decimals)
    return Message(
        template=template,
        fields=fields,
        values={"v": _lots(draw(st.integers(1, 10_000))), **prices},  # a bare lot is at most 100
        full_width=draw(st.booleans()),
        symbol=symbol,
        target=draw(st.sampled_from(sorted(fields))),
    )


def _assert_sound(message: Message) -> None:
    """The unchanged message is a trade carrying every number where it was written."""
    plain = parse(message.render())
    assert plain.is_trading, message.render()
    for key, name in message.fields.items():
        assert getattr(plain, name) == pytest.approx(float(message.values[key])), (message.render(), name)


@settings(max_examples=600, deadline=None)
@given(messages(), st.sampled_from(MINUS_SIGNS))
def test_a_minus_sign_before_any_number_never_yields_a_trade(message: Message, sign: str) -> None:
    _assert_sound(message)
    signed = parse(message.render(lambda number: sign + number))
    assert not signed.is_trading
    assert signed.problem is not None and signed.problem.code is ProblemCode.NEGATIVE_NUMBER
    assert signed.problem.field == message.fields[message.target]
    assert signed == Command(problem=signed.problem)  # the absolute value is nowhere in the result


@settings(max_examples=300, deadline=None)
@given(messages(), st.sampled_from(RANGE_MARKS), st.integers(1, 9999))
def test_a_range_is_never_collapsed_to_one_end(message: Message, mark: str, other: int) -> None:
    _assert_sound(message)
    command = parse(message.render(lambda number: f"{number}{mark}{other}"))
    assert not command.is_trading
    assert command.problem is not None and command.problem.code is ProblemCode.AMBIGUOUS_RANGE
    # A bare number after the verb is a volume only if it looks like one: "buy 0.01-1000 gold" has no field.
    bare = message.template == "buy {v} {sym}"
    assert command.problem.field in (
        (message.fields[message.target], None) if bare else (message.fields[message.target],)
    )


@settings(max_examples=300, deadline=None)
@given(messages(), st.sampled_from([",", "，"]), st.integers(0, 99))
def test_a_comma_that_is_not_a_thousands_grouping_is_never_read(
    message: Message, comma: str, tail: int
) -> None:
    command = parse(message.render(lambda number: f"{number}{comma}{tail}"))
    assert not command.is_trading  # "0,5" is neither 5 nor 0 nor 0.5, nor 1,5 15
    assert command.problem is not None and command.problem.code is ProblemCode.AMBIGUOUS_SEPARATOR


SIGN_BEFORE_DIGIT = re.compile(r"(?:[-+±]|负)\s*\d")
PIECES = (
    "买入|卖出|平仓|做多|buy|sell|close|黄金|gold|xauusd|手| lots|止损| sl |止盈| tp |价格|@|#| |-|－|−|—|负|負|+|＋|±"
    "|0|1|0.5|3600|123456|,|，|~|到|.| magic |把|改到"
).split("|")


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14).map("".join))
def test_no_trade_ever_comes_from_a_message_with_a_signed_number(text: str) -> None:
    command = parse(text)
    if command.is_trading:
        assert not SIGN_BEFORE_DIGIT.search(normalize(text)), (text, command)
        numbers = (command.volume, command.price, command.sl, command.tp, command.ticket, command.magic)
        assert all(value is None or value >= 0 for value in numbers)
