"""Trade-management rules from chat (issue 19): listing the rules and removing one, all, or the one a
message names without its number (then asked) (docs/nlu.md, "Rules")."""

from __future__ import annotations

import pytest

from nlu import Command, Intent, RuleNeed, Selector, parse

# --- listing and removing ---------------------------------------------------------------------------
LISTS_AND_REMOVALS: list[tuple[str, Command]] = [
    ("/rules", Command(intent=Intent.RULE_LIST)),
    ("规则", Command(intent=Intent.RULE_LIST)),
    ("我的规则", Command(intent=Intent.RULE_LIST)),
    ("查看规则", Command(intent=Intent.RULE_LIST)),
    ("规则有哪些?", Command(intent=Intent.RULE_LIST)),
    ("list rules", Command(intent=Intent.RULE_LIST)),
    ("show my active rules", Command(intent=Intent.RULE_LIST)),
    ("黄金的规则", Command(intent=Intent.RULE_LIST, symbol="XAUUSD")),
    ("/rules gold", Command(intent=Intent.RULE_LIST, symbol="XAUUSD")),
    ("删除规则3", Command(intent=Intent.RULE_REMOVE, rule_id=3)),
    ("删除规则 #3", Command(intent=Intent.RULE_REMOVE, rule_id=3)),
    ("删掉第3条规则", Command(intent=Intent.RULE_REMOVE, rule_id=3)),
    ("取消规则3", Command(intent=Intent.RULE_REMOVE, rule_id=3)),
    ("刪除規則3", Command(intent=Intent.RULE_REMOVE, rule_id=3)),
    ("remove rule 3", Command(intent=Intent.RULE_REMOVE, rule_id=3)),
    ("Delete Rule #3", Command(intent=Intent.RULE_REMOVE, rule_id=3)),
    ("删除所有规则", Command(intent=Intent.RULE_REMOVE, selector=Selector.ALL)),
    ("remove all rules", Command(intent=Intent.RULE_REMOVE, selector=Selector.ALL)),
    ("删除规则", Command(intent=Intent.RULE_REMOVE, rule_needs=(RuleNeed.RULE,))),
    ("取消黄金保本", Command(intent=Intent.RULE_REMOVE, symbol="XAUUSD", rule_needs=(RuleNeed.RULE,))),
    ("把黄金的保本取消", Command(intent=Intent.RULE_REMOVE, symbol="XAUUSD", rule_needs=(RuleNeed.RULE,))),
    ("取消黄金移动止损", Command(intent=Intent.RULE_REMOVE, symbol="XAUUSD", rule_needs=(RuleNeed.RULE,))),
    ("stop trailing gold", Command(intent=Intent.RULE_REMOVE, symbol="XAUUSD", rule_needs=(RuleNeed.RULE,))),
    (
        "remove the breakeven on gold",
        Command(intent=Intent.RULE_REMOVE, symbol="XAUUSD", rule_needs=(RuleNeed.RULE,)),
    ),
]


@pytest.mark.parametrize(("text", "command"), LISTS_AND_REMOVALS, ids=[t for t, _c in LISTS_AND_REMOVALS])
def test_listing_and_removing(text: str, command: Command) -> None:
    assert parse(text) == command
