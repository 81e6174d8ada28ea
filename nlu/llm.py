"""The LLM parser: asked only when the offline parser cannot answer; its answer is checked, never trusted.

Strategy (see docs/nlu.md): offline first; the LLM only for `unknown` or incomplete commands; a message
with a safety cue (question, negation, past, hypothetical) never becomes a trade. Its tool call must validate
against `Command` (extra keys such as "skip_confirmation" are rejected), name a known symbol, carry only
numbers that occur in the message, and agree with every field the offline parser already found. Any
error, timeout or refusal gives the offline answer back, which is never a trade the user did not type.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from nlu.accounts import Accounts, attach
from nlu.command import ALL_ACCOUNTS, PARSER_ONLY, UNKNOWN, Command, Intent, Need
from nlu.lexicon import Bands, lexicon
from nlu.llm_rules import checked as checked_rule
from nlu.llm_tools import AccountTools, run_tool, tool_specs
from nlu.needs import with_needs
from nlu.normalize import normalize
from nlu.parser import (
    has_number_finding,
    has_rule_cue,
    has_rule_word,
    has_safety_cue,
    has_trading_verb,
    parse,
    read_account,
)
from nlu.settings import LLMSettings

log = logging.getLogger(__name__)

COMMAND_TOOL = "submit_command"
MAX_TOOL_ROUNDS = 4
_NUMBER = re.compile(r"\d+(?:\.\d+)?")

PARSE_PROMPT = (
    "You turn one trading chat message (Chinese or English) into a command by calling submit_command. "
    "Use null for anything the message does not say; never guess a side, symbol, volume or ticket. "
    "Questions, negations, past events and hypotheticals are intent 'unknown'. "
    "Symbols are canonical MT5 names such as XAUUSD, EURUSD, USOIL, NAS100. "
    "A standing instruction to manage positions (break-even, trailing stop, staged take-profit, equity "
    "protection, profit lock) is intent 'rule_set' with the rule exactly as said; 'rule_list' lists the "
    "rules, 'rule_remove' removes the one numbered rule_id."
)
ANSWER_PROMPT = (
    "You answer questions about the user's MetaTrader 5 account using only the read-only tools. "
    "You cannot trade. Answer briefly in the user's language; if the tools do not tell, say so."
)


def _command_schema(accounts: Sequence[str] = ()) -> dict[str, Any]:
    """The Command's JSON schema without what only the offline parser sets: `problem`, `needs`, `number`,
    `rule_needs`.

    `account` is offered only with configured `accounts` (their names and ALL_ACCOUNTS, nothing else);
    switching accounts (`use_account`) is the offline parser's alone.
    """
    schema = Command.model_json_schema()
    for name in PARSER_ONLY:
        schema["properties"].pop(name, None)
    defs = schema.get("$defs", {})
    for name in ("Problem", "ProblemCode", "Need", "RuleNeed"):
        defs.pop(name, None)
    if "Intent" in defs:
        defs["Intent"]["enum"] = [i for i in defs["Intent"]["enum"] if i != Intent.USE_ACCOUNT]
    if accounts:
        account = schema["properties"]["account"]
        account["anyOf"] = [{"enum": [*accounts, ALL_ACCOUNTS], "type": "string"}, {"type": "null"}]
    else:
        schema["properties"].pop("account", None)
    _rename_def(schema, "ReportKind", "Report")
    return schema


def _rename_def(schema: dict[str, Any], old: str, new: str) -> None:
    """Show a shared enum to the model under the command's own word for it, in the same place.

    The vocabulary's `ReportKind` (`mt5bridge.common.vocab`) is `Command.report`; the model has always
    been shown it as `Report`, so the tool schema stays the same.
    """
    defs = schema.get("$defs", {})
    if old not in defs:
        return
    schema["$defs"] = {
        (new if k == old else k): ({**v, "title": new} if k == old else v) for k, v in defs.items()
    }
    for prop in schema["properties"].values():
        for alt in prop.get("anyOf", [prop]):
            if alt.get("$ref") == f"#/$defs/{old}":
                alt["$ref"] = f"#/$defs/{new}"


def _command_tool(accounts: Sequence[str] = ()) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": COMMAND_TOOL,
            "description": "Submit the parsed command.",
            "parameters": _command_schema(accounts),
        },
    }


def needs_llm(command: Command) -> bool:
    """True when the offline answer is unknown or a trading command missing what identifies it.

    Never for a number problem ("买入-1手黄金"): the LLM must not read -1 as 1; the chat explains instead.
    """
    if command.problem is not None or Need.VOLUME_OR_PRICE in (command.needs or ()):
        return False  # a number that fits both a lot and a price is asked with buttons, never guessed
    if command.intent is Intent.UNKNOWN:
        return True
    if command.intent is Intent.OPEN:
        return None in (command.symbol, command.side, command.volume)
    if command.intent in (Intent.CLOSE, Intent.CANCEL):
        return command.symbol is None and command.selector is None and command.magic is None
    if command.intent is Intent.MODIFY:
        return command.sl is None and command.tp is None and command.price is None
    return False


class LLMParser:
    """Offline parser first, an OpenAI-compatible LLM for what it cannot answer."""

    def __init__(
        self,
        settings: LLMSettings,
        aliases: Mapping[str, Sequence[str]] | None = None,
        bands: Bands | None = None,
        accounts: Accounts | None = None,
    ) -> None:
        if not settings.configured or settings.api_key is None:
            raise ValueError("the LLM is not configured (llm.base_url, llm.model and llm.api_key)")
        self._settings = settings
        self._aliases = aliases
        self._bands = bands
        self._accounts = accounts or None
        self._model = settings.model or ""
        import openai  # here: it costs 0.4-0.7 s at start-up, and only a configured LLM needs it

        self._client = openai.AsyncOpenAI(
            base_url=settings.base_url,
            api_key=settings.api_key.get_secret_value(),
            timeout=settings.timeout_sec,
            max_retries=settings.max_retries,
        )

    async def close(self) -> None:
        """Release the HTTP connections."""
        await self._client.close()

    async def parse(self, text: str) -> Command:
        """The command for one message; the LLM is consulted only when the offline parser falls short."""
        offline = parse(text, self._aliases, self._bands, self._accounts)
        if not needs_llm(offline):
            return offline
        if self._accounts and read_account(text, self._accounts, self._aliases).command is not None:
            return offline  # a switch, an account not configured, a name not placed: never a second opinion
        if has_safety_cue(text) and has_trading_verb(text, self._aliases):
            return offline  # a trade the offline parser refused on purpose: no second opinion
        if has_rule_word(text) and has_rule_cue(text):
            return offline  # "不要保本", "should I trail gold?": never a rule, asked or not

        try:
            arguments = await self._ask_command(text)
        except Exception as exc:  # the boundary: whatever failed, the answer is "not understood"
            log.warning("LLM parse failed: %s", type(exc).__name__)
            return offline
        if arguments is None:
            return offline
        return self.validate(text, arguments, offline)

    def validate(self, text: str, arguments: str, offline: Command) -> Command:
        """The LLM's JSON arguments as a Command, or `offline` if any check fails."""
        try:
            candidate = Command.model_validate(json.loads(arguments))
        except (ValueError, ValidationError, RecursionError):  # RecursionError: absurdly nested JSON
            return offline
        if candidate.intent is Intent.UNKNOWN or any(getattr(candidate, k) is not None for k in PARSER_ONLY):
            return offline
        if _carries_number(candidate) and has_number_finding(text, self._aliases):
            return offline  # a signed number, a range or an unclear separator is never read by the LLM
        if candidate.is_trading and has_safety_cue(text):
            return offline  # a question, negation, past or hypothetical never becomes a trade
        if candidate.changes_rules and has_rule_cue(text):
            return offline  # nor a rule (a rule's own trigger words are the offline reader's to take)
        checked = self._canonical(text, candidate)
        if checked is not None:
            checked = self._rule(text, checked)
        if checked is not None:
            checked = self._on_account(text, checked)
        if checked is None or not _numbers_ok(text, checked):
            return offline
        if not _agrees(offline, checked):
            return offline
        return with_needs(checked)

    def _canonical(self, text: str, candidate: Command) -> Command | None:
        """The candidate with a canonical symbol; None if the symbol is unknown or not the one named."""
        if candidate.symbol is None:
            return candidate
        lex = lexicon(self._aliases)
        symbol = candidate.symbol if candidate.symbol in lex.canonical else lex.resolve(candidate.symbol)
        if symbol is None:
            return None
        mentioned = {canonical for canonical, _s, _e in lex.symbols_in(normalize(text))}
        if mentioned and symbol not in mentioned:
            return None
        return candidate.model_copy(update={"symbol": symbol})

    def _rule(self, text: str, candidate: Command) -> Command | None:
        """A rule command's rule checked against the message (`nlu.llm_rules`); a rule on any other
        intent, a rule_set without one, or a rule_id that was not said: None."""
        if candidate.intent is not Intent.RULE_SET:
            if candidate.rule is not None or (
                candidate.rule_id is not None and candidate.intent is not Intent.RULE_REMOVE
            ):
                return None
            return candidate
        if candidate.rule is None or any(
            v is not None for v in (candidate.symbol, candidate.side, candidate.ticket, candidate.magic)
        ):
            return None  # a rule's positions are its scope; the command's fields are for questions
        rule = checked_rule(text, candidate.rule, lexicon(self._aliases))
        return None if rule is None else candidate.model_copy(update={"rule": rule})

    def _on_account(self, text: str, candidate: Command) -> Command | None:
        """The candidate on the account the message names (read offline); None if it says another.

        The LLM never picks an account: without configured accounts it may name none, and with them
        only the one the offline reader found in the message (which it may leave out: it is filled in).
        """
        if candidate.intent is Intent.USE_ACCOUNT:
            return None
        if not self._accounts:
            return candidate if candidate.account is None else None
        reading = read_account(text, self._accounts, self._aliases)
        if reading.command is not None or candidate.account not in (None, reading.account):
            return None
        if reading.questions_only and candidate.is_trading:
            return None  # "demo 整它一手金子": the demo account, or a demonstration?
        if reading.account is None:
            return candidate
        placed = attach(candidate.model_copy(update={"account": None}), reading.account)
        return None if placed.intent is Intent.UNKNOWN else placed

    async def _ask_command(self, text: str) -> str | None:
        # Typed as Any: the SDK's TypedDict params add nothing over the JSON the endpoint receives.
        messages: Any = [{"role": "system", "content": PARSE_PROMPT}, {"role": "user", "content": text}]
        tools: Any = [_command_tool(sorted(self._accounts or ()))]
        choice: Any = {"type": "function", "function": {"name": COMMAND_TOOL}}
        async with asyncio.timeout(self._deadline()):
            response = await self._client.chat.completions.create(
                model=self._model, messages=messages, tools=tools, tool_choice=choice, temperature=0
            )
        calls = response.choices[0].message.tool_calls if response.choices else None
        for call in calls or []:
            function = getattr(call, "function", None)
            if function is not None and function.name == COMMAND_TOOL:
                return str(function.arguments)
        return None  # a refusal or plain text: not understood

    async def answer(self, text: str, tools: AccountTools) -> str | None:
        """Answer a free-form account question with read-only tools; None if the LLM cannot."""
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": ANSWER_PROMPT},
            {"role": "user", "content": text},
        ]
        try:
            async with asyncio.timeout(self._deadline() * MAX_TOOL_ROUNDS):
                return await self._tool_loop(messages, tools)
        except Exception as exc:  # the boundary: no answer rather than a wrong one
            log.warning("LLM answer failed: %s", type(exc).__name__)
            return None

    async def _tool_loop(self, messages: list[dict[str, Any]], tools: AccountTools) -> str | None:
        specs: Any = tool_specs()
        for _round in range(MAX_TOOL_ROUNDS):
            response = await self._client.chat.completions.create(
                model=self._model,
                messages=messages,  # type: ignore[arg-type]
                tools=specs,
                temperature=0,
            )
            message = response.choices[0].message
            if not message.tool_calls:
                return message.content or None
            messages.append(message.model_dump(exclude_none=True))
            for call in message.tool_calls:
                function = getattr(call, "function", None)
                name = function.name if function else ""
                raw = function.arguments if function else ""
                result = await run_tool(tools, name, raw, lexicon(self._aliases))
                messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
        return None

    def _deadline(self) -> float:
        return self._settings.timeout_sec * (self._settings.max_retries + 1) + 1.0


def _carries_number(candidate: Command) -> bool:
    numbers = (
        candidate.volume,
        candidate.price,
        candidate.sl,
        candidate.tp,
        candidate.ticket,
        candidate.rule_id,
    )
    if candidate.is_trading or candidate.changes_rules or candidate.rule is not None:
        return True
    return candidate.magic is not None or any(n is not None for n in numbers)


def _numbers_ok(text: str, candidate: Command) -> bool:
    """Every number the LLM returns must occur in the message: an LLM may read, never invent."""
    said = {float(n) for n in _NUMBER.findall(normalize(text))}
    for value in (
        candidate.volume,
        candidate.price,
        candidate.sl,
        candidate.tp,
        candidate.ticket,
        candidate.magic,
        candidate.rule_id,
    ):
        if value is None or (value == 0 and candidate.intent is Intent.MODIFY):
            continue
        if not any(math.isclose(float(value), s, rel_tol=1e-9, abs_tol=1e-9) for s in said):
            return False
    return True


def _agrees(offline: Command, candidate: Command) -> bool:
    """The LLM may fill what the offline parser left null, never change what it found."""
    if offline.intent is Intent.UNKNOWN:
        return True
    if candidate.intent is not offline.intent:
        return False
    if offline.side is None and candidate.side is not None:
        return False  # the message named no side the lexicon knows: the chat asks, the LLM does not pick
    mine = offline.model_dump(exclude_none=True, exclude={"needs"})
    theirs = candidate.model_dump()
    return all(theirs[key] == value for key, value in mine.items())


__all__ = ["UNKNOWN", "AccountTools", "LLMParser", "needs_llm"]
