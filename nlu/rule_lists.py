"""Listing and removing rules (docs/nlu.md, "Rules"): "/rules", "规则", "list rules"; "删除规则3", "remove
rule #3", "删除所有规则"; "取消黄金保本", "stop trailing gold" (which of gold's rules is asked)."""

from __future__ import annotations

from mt5bridge.common.vocab import Selector
from nlu import rule_reading as K
from nlu import rule_words as W
from nlu.command import UNKNOWN, Command, Intent, RuleNeed
from nlu.regex import compile_ as _re

_KIND_NOUN = (
    r"保本|移动止损|跟踪止损|追踪止损|分批止盈|分批平仓|净值保护|回撤保护|亏损保护|锁利|利润保护|利润锁定"
    r"|\bbreak[- ]?even\b|\bb/e\b|\btrailing(?: stop)?\b|\btrail\b|\bpartial (?:take[- ]?profits?|tps?)\b"
    r"|\bequity (?:guard|protection)\b|\bdrawdown (?:guard|protection)\b|\bprofit lock\b"
)
_REMOVE_KIND = _re(
    r"^[\s,，]*(?:请|帮我|把|将|please\s+)?\s*(?:"
    + W.REMOVE_VERB.pattern
    + r")\s*(?:掉|了)?\s*(?:\b(?:the|my)\s+)?"
    r"(?:[§\s]*(?:的)?\s*(?:多单|空单|longs|shorts)?\s*(?:的)?\s*)(?P<k1>" + _KIND_NOUN + r")"
    r"|(?P<k2>"
    + _KIND_NOUN
    + r")\s*(?:规则)?\s*(?:"
    + W.REMOVE_VERB.pattern
    + r")\s*(?:掉|了|吧)?[\s.!。！]*$"
)
_KIND_NOUN_RE = _re(_KIND_NOUN)
_STOP_TRAILING = _re(r"\bstop (?:the |my )?trail")


def removes_by_kind(text: str) -> bool:
    """ "取消黄金保本", "把黄金的保本取消", "stop trailing gold": a rule's kind with a removing verb."""
    return bool(_REMOVE_KIND.search(text) or _STOP_TRAILING.search(text))


def about_rules(r: K.Reading) -> Command:
    """ "规则", "/rules", "list rules" (a list); "删除规则3", "remove rule #3" (a removal); else unknown."""
    rule_id = r.one(W.RULE_ID)
    removing = r.take(W.REMOVE_VERB)
    if rule_id is not None:
        value = int(rule_id.group("id") or rule_id.group("nth") or rule_id.group("num"))
        if not removing or r.bad or value <= 0 or r.symbols or r.ticket or r.magic is not None:
            return UNKNOWN  # "规则3" alone, "规则3在黄金上": nothing we read
        r.take(W.RULE_WORD)
        return Command(intent=Intent.RULE_REMOVE, rule_id=value) if K.rest_is_filler(r) else UNKNOWN
    if not removing:
        return _listing(r)
    everything = bool(r.take(W.ALL_RULES))
    r.take(W.RULE_WORD)
    if r.bad or not K.rest_is_filler(r):
        return UNKNOWN
    if everything:
        return Command(intent=Intent.RULE_REMOVE, selector=Selector.ALL)
    return _which_rule(r)


def _listing(r: K.Reading) -> Command:
    if r.bad or r.ticket is not None or r.magic is not None or len(r.symbols) > 1:
        return UNKNOWN
    if not W.LIST.search(r.text):
        return UNKNOWN  # "规则怎么设", "不要规则": about rules, but nothing we read
    return Command(intent=Intent.RULE_LIST, symbol=r.symbol())


def remove_by_kind(r: K.Reading) -> Command:
    """ "取消黄金保本", "stop trailing gold": which rule is asked, among those of the positions named."""
    r.take(_REMOVE_KIND)
    r.take(_STOP_TRAILING)
    r.take(_KIND_NOUN_RE)
    r.take(W.REMOVE_VERB)
    K.read_side(r)
    K.read_whole(r)
    if r.bad or not K.rest_is_filler(r):
        return UNKNOWN
    return _which_rule(r)


def _which_rule(r: K.Reading) -> Command:
    """A removal that names no rule: the chat lists the rules (of the positions named) to pick one."""
    if len(r.symbols) > 1:
        return UNKNOWN
    return Command(
        intent=Intent.RULE_REMOVE,
        symbol=r.symbol(),
        side=r.side,
        ticket=r.ticket,
        magic=r.magic,
        rule_needs=(RuleNeed.RULE,),
    )
