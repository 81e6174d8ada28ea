"""Accounts (issue 17): the account a message names, "all accounts", switching, names not configured."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlu import ALL_ACCOUNTS, Command, Intent, Problem, ProblemCode, Side, parse
from nlu.command import TRADING_INTENTS
from nlu.llm import _command_schema
from nlu.parser import read_account
from tests.nlu import test_phrases as phrases
from tests.nlu import test_safety_audit as audit
from tests.nlu.test_properties import TRADING_MARKERS, VOCABULARY

ACCOUNTS = {
    "demo": ["模拟盘"],
    "ic-live": ["IC实盘", "IC live"],
    "gold": ["金账户"],  # a symbol's name too: only with 账户/account
    "pp-2": ["Pepper 2", "胡椒实盘"],
    "main": ["主账户"],
    "today": [],  # a period's word: never alone
}
TABLE = Path(__file__).with_name("phrases_accounts.tsv")
ROWS = phrases._rows(TABLE)
# Accounts no line of the other tables names: with them every line parses exactly as without accounts.
UNNAMED = {"ic-live": ["IC实盘", "IC live"], "pp-2": ["Pepper 2"], "main": []}


def test_table_is_large_and_bilingual() -> None:
    assert len(ROWS) >= 60
    assert sum(text.isascii() for text, _e in ROWS) >= 25
    assert sum(not text.isascii() for text, _e in ROWS) >= 25


@pytest.mark.parametrize(("text", "expected"), ROWS, ids=[r[0] for r in ROWS])
def test_phrase(text: str, expected: dict[str, object]) -> None:
    dump = parse(text, accounts=ACCOUNTS).model_dump(mode="json")
    if dump["problem"] is not None:
        dump["problem"] = dump["problem"]["code"]
    assert dump == expected


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("on foo buy 0.01 gold", "foo"),
        ("切换到foo", "foo"),
        ("/use foo", "foo"),
        ("foo account balance", "foo"),
        ("buy 0.01 gold on acct-7", "acct-7"),
        ("account 12345 positions", "12345"),
        ("模拟账户持仓", "模拟"),
        ("在模拟账户买0.01手黄金", "模拟"),
        ("switch to IC pro", "ic pro"),
    ],
)
def test_a_name_not_configured_is_reported_with_the_name(text: str, name: str) -> None:
    assert parse(text, accounts=ACCOUNTS) == Command(
        problem=Problem(code=ProblemCode.UNKNOWN_ACCOUNT, text=name)
    )


@pytest.mark.parametrize(
    "text",
    [
        "in case gold drops close it",  # a condition, not a place
        "buy 0.1 lots on gold",  # the symbol
        "buy gold on weakness",  # a word, maybe a condition: plain unknown
        "show account",
        "my account balance",
        "which account",
        "switch to short",
        "sl at 3600-3650",
        "我的账户",
        "查看账户余额",
    ],
)
def test_words_around_a_place_are_not_taken_for_an_account(text: str) -> None:
    assert parse(text, accounts=ACCOUNTS) == parse(text)


def test_a_period_before_account_is_no_name() -> None:
    assert parse("today account P&L", accounts={"demo": []}) == parse("today account P&L")


def test_without_accounts_nothing_names_one() -> None:
    for text in ("IC实盘 平仓黄金", "切换到 IC实盘", "/use demo", "on foo buy 0.01 gold", "所有账户持仓"):
        assert parse(text).account is None
        assert parse(text, accounts={}) == parse(text)
    assert parse("所有账户持仓").intent is Intent.POSITIONS  # as before issue 17
    assert parse("/use demo").intent is Intent.UNKNOWN


@pytest.mark.parametrize(
    ("text", "expected"),
    phrases.ROWS + phrases.TRADER_ROWS,
    ids=[r[0] or "<empty>" for r in phrases.ROWS + phrases.TRADER_ROWS],
)
def test_accounts_no_line_names_change_nothing(text: str, expected: dict[str, object]) -> None:
    assert parse(text, accounts=UNNAMED) == parse(text)


def test_the_account_is_the_configured_name_not_the_label() -> None:
    command = parse("IC实盘 平仓0.01手黄金", accounts=ACCOUNTS)
    assert command == Command(intent=Intent.CLOSE, symbol="XAUUSD", volume=0.01, account="ic-live")
    assert command.model_dump(mode="json")["account"] == "ic-live"


def test_full_width_traditional_and_case_are_folded() -> None:
    assert parse("ＩＣ實盤 平倉黃金", accounts=ACCOUNTS).account == "ic-live"
    assert parse("ON DEMO BUY 0.01 GOLD", accounts=ACCOUNTS).account == "demo"
    assert parse("切换到 ＩＣ ＬＩＶＥ", accounts=ACCOUNTS) == Command(
        intent=Intent.USE_ACCOUNT, account="ic-live"
    )


def test_longest_name_first() -> None:
    accounts = {"ic": ["IC"], "ic-live": ["IC实盘"]}
    assert parse("IC实盘 持仓", accounts=accounts).account == "ic-live"
    assert parse("ic 持仓", accounts=accounts).account == "ic"
    assert parse("ic-live 持仓", accounts=accounts).account == "ic-live"


def test_a_label_two_accounts_share_is_never_resolved() -> None:
    accounts = {"x1": ["实盘"], "x2": ["实盘"]}
    assert parse("实盘 持仓", accounts=accounts) == Command()
    assert parse("实盘账户持仓", accounts=accounts) == Command()  # configured: not "no account called 实盘"
    assert parse("x1 持仓", accounts=accounts).account == "x1"


def test_an_account_configured_as_the_all_mark_is_ignored() -> None:
    assert parse("* 持仓", accounts={ALL_ACCOUNTS: []}).account is None


def test_trades_on_all_accounts_are_parsed_for_the_core_to_confirm() -> None:
    command = parse("close gold on all accounts", accounts=ACCOUNTS)
    assert command.is_trading
    assert command.account == ALL_ACCOUNTS


def test_aliases_and_accounts_together() -> None:
    command = parse("IC实盘 买入0.1手金仔", aliases={"XAUUSD": ["金仔"]}, accounts=ACCOUNTS)
    assert command == Command(
        intent=Intent.OPEN, symbol="XAUUSD", side=Side.BUY, volume=0.1, account="ic-live"
    )


def test_read_account_tells_the_llm_what_the_message_named() -> None:
    assert read_account("IC实盘 整它一手金子", ACCOUNTS).account == "ic-live"
    assert read_account("整它一手金子", ACCOUNTS).account is None
    assert read_account("positions demo", ACCOUNTS).command == Command()


def test_llm_schema_offers_only_configured_names() -> None:
    without = _command_schema()
    assert "account" not in without["properties"]
    assert "use_account" not in json.dumps(without)
    schema = _command_schema(["demo", "ic-live"])
    kinds = schema["properties"]["account"]["anyOf"]
    assert {"enum": ["demo", "ic-live", ALL_ACCOUNTS], "type": "string"} in kinds


ACCOUNT_WORDS = [
    "IC实盘", "ic-live", "IC live", "demo", "模拟盘", "pepper 2", "金账户", "today", "所有账户", "all accounts",
    "账户", "account", "on ", "在", "用", "的", ":", "切换到", "switch to ", "/use ", "foo", "#123456", "0.1手",
]  # fmt: skip
account_fragments = st.lists(
    st.one_of(st.sampled_from(ACCOUNT_WORDS + VOCABULARY), st.text(max_size=4)), max_size=10
).map("".join)
ANSWERS = {*ACCOUNTS, ALL_ACCOUNTS, None}


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(account_fragments, st.text(max_size=300)))
def test_any_text_names_a_configured_account_or_none(text: str) -> None:
    start = time.perf_counter()
    command = parse(text, accounts=ACCOUNTS)
    assert time.perf_counter() - start < 0.5
    assert command.account in ANSWERS
    if command.problem is not None:
        assert command.intent is Intent.UNKNOWN


@settings(max_examples=600, deadline=None)
@given(account_fragments)
def test_account_words_never_make_a_trade(text: str) -> None:
    if TRADING_MARKERS.search(text):
        return
    assert parse(text, accounts=ACCOUNTS).intent not in TRADING_INTENTS


@settings(max_examples=300, deadline=None)
@given(
    account_fragments,
    st.sampled_from(["IC实盘 ", "在demo账户", "on demo ", "所有账户", "demo: "]),
    st.sampled_from(["买入0.01手黄金", "平仓黄金", "close all gold", "撤销所有挂单", "把黄金止损改到2300"]),
)
def test_a_question_or_a_negation_still_blocks_a_trade(prefix: str, account: str, command: str) -> None:
    assert parse(f"{prefix} {account}{command}?", accounts=ACCOUNTS).intent not in TRADING_INTENTS
    assert parse(f"不要{account}{command}", accounts=ACCOUNTS).intent not in TRADING_INTENTS
    assert parse(f"{account}不要{command}", accounts=ACCOUNTS).intent not in TRADING_INTENTS


ACCOUNT_FORMS = ["IC实盘 {c}", "{c} on ic-live", "所有账户 {c}", "on demo {c}"]


def _wrapped() -> list[str]:
    return [form.format(c=command) for form in ACCOUNT_FORMS for command in audit.COMMANDS]


def test_every_audited_command_is_a_trade_on_an_account() -> None:
    not_trades = [text for text in _wrapped() if parse(text, accounts=ACCOUNTS).intent not in TRADING_INTENTS]
    assert not not_trades


@pytest.mark.parametrize("kind", sorted(audit.CLAUSES))
def test_no_clause_leaves_a_trade_on_an_account_standing(kind: str) -> None:
    standing = [
        clause.format(c=text)
        for clause in audit.CLAUSES[kind]
        for text in _wrapped()
        if parse(clause.format(c=text), accounts=ACCOUNTS).intent in TRADING_INTENTS
    ]
    assert not standing, f"{len(standing)} trades left standing: {standing[:20]}"


def test_one_character_names_are_only_switched_to() -> None:
    accounts = {"a": ["金"]}
    assert parse("/use a", accounts=accounts) == Command(intent=Intent.USE_ACCOUNT, account="a")
    assert parse("切换到金", accounts=accounts) == Command(intent=Intent.USE_ACCOUNT, account="a")
    for text in ("资金", "a 持仓", "金 持仓", "buy a lot of gold"):
        assert parse(text, accounts=accounts) == parse(text)


def test_a_label_given_as_one_string_is_one_label() -> None:
    assert parse("IC实盘 持仓", accounts={"ic-live": "IC实盘"}).account == "ic-live"


def test_an_account_at_mentioned_is_not_dropped_with_the_bots_name() -> None:
    for text in ("平仓黄金 @IC实盘", "close gold @demo", "close gold @ic live"):
        assert parse(text, accounts=ACCOUNTS) == Command()
    assert parse("@demobot 平仓黄金", accounts=ACCOUNTS) == parse("平仓黄金")
