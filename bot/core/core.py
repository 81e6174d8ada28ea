"""ChatCore: every message and button press from every platform goes through `handle`.

`handle` is one pipeline, readable top to bottom in this file:
1. authenticate: groups are answered only when addressed; the gate denies by default (one polite
   refusal per unknown user per run, every attempt audited);
2. route: a button press (confirmations, questions, report suggestions; one parser,
   dialog.parse_press), a typed answer to an open question, a slash command, or text;
3. parse: text through the offline parser (the LLM when configured);
4. run the flow: queries answered at once (commands.py), trading commands always confirmed
   (trade.py); each flow returns a `Step` (step.py): replies plus notes of what to audit;
5. audit, once, here, from the notes (flows never write the audit log; audit.py writes the lines);
6. render: on a platform without buttons, the buttons become a numbered menu (menu.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping

from bot.account_tools import ServiceAccountTools
from bot.core.account_flows import AccountFlows
from bot.core.accounts import AccountBook, AccountNotYours
from bot.core.audit import write_line, write_notes
from bot.core.auth import Gate, Permission, Principal
from bot.core.commands import Commands, Slash, parse_slash, strip_bot_name
from bot.core.confirm import Confirmation, ConfirmationBook, ConfirmState, Verdict
from bot.core.context import Deps
from bot.core.dialog import DialogBook, Press, PressKind, parse_press
from bot.core.menu import MenuBook
from bot.core.notify import Notifier
from bot.core.render import Renderer
from bot.core.reports import suggestion_book, suggestion_command
from bot.core.rules import RULE_INTENTS, RULE_QUESTIONS, RuleFlow
from bot.core.step import Note, Step
from bot.core.trade import TradeFlow, denied_role
from bot.core.trade_all import AllAccountsTrade
from bot.messages import Incoming, Reply
from bot.settings import ConfirmMode, Settings, UserEntry
from bot.text import written_in
from mt5bridge.common.errors import MT5BotError
from mt5bridge.common.roles import Role
from mt5bridge.remote.directory import ALL, AccountDirectory, AccountEntry
from mt5bridge.remote.rules import RemoteRules
from mt5bridge.terminal.watchdog import TerminalWatchdog
from mt5bridge.trading.port import RulePort
from mt5bridge.trading.service import TradingService
from nlu import Command, Intent, ProblemCode, parse
from nlu.llm import LLMParser, needs_llm
from reports.remote import ReportSource
from reports.service import ReportService
from storage.database import Database
from storage.models import Outcome

log = logging.getLogger(__name__)


class ChatCore:
    """The platform-neutral chat core: `await core.handle(Incoming)` -> replies to draw."""

    def __init__(
        self,
        trading: TradingService | None,
        db: Database,
        settings: Settings,
        *,
        accounts: AccountDirectory | None = None,
        report_sources: Mapping[str, ReportSource] | None = None,
        llm: LLMParser | None = None,
        clock: Callable[[], float] = time.monotonic,
        renderer: Renderer | None = None,
        reports: ReportSource | None = None,
        watchdog: TerminalWatchdog | None = None,
        rules: RulePort | None = None,
    ) -> None:
        ttl = float(settings.chat.confirm_ttl_sec)
        if accounts is None:  # one account: this service's own terminal
            if trading is None:
                raise ValueError("a chat core needs its own trading core or a directory of accounts")
            accounts = AccountDirectory([AccountEntry(LOCAL, None, trading, rules=rules)])
        for entry in accounts:  # the own terminal's rules; a bridge's over its REST API
            if entry.rules is None:
                entry.rules = rules if entry.remote is None else RemoteRules(entry.remote)
        sources = dict(report_sources or {})
        if reports is None:
            default = sources.get(accounts.default.name)
            reports = default if default is not None else ReportService(_local(trading), settings)
        self.deps = Deps(
            trading=accounts.default.port,
            local=trading,
            accounts=AccountBook(accounts),
            report_sources=sources,
            db=db,
            settings=settings,
            renderer=renderer or Renderer(),
            gate=Gate(settings),
            confirmations=ConfirmationBook(ttl, clock),
            dialogs=DialogBook(ttl, clock),
            clock=clock,
            reports=reports,
            menus=MenuBook(ttl, clock),
            suggestions=suggestion_book(clock),
            llm=llm,
        )
        self.trades = TradeFlow(self.deps)
        self.all_trades = AllAccountsTrade(self.deps, self.trades)
        self.commands = Commands(self.deps, watchdog)
        self.rules = RuleFlow(self.deps, self.trades.symbols_ok)
        self.accounts = AccountFlows(self.deps, self.commands)
        self._aliases = {k: list(v) for k, v in settings.nlu.aliases.items()}
        self._bands = dict(settings.nlu.price_bands)

    def notifier(self) -> Notifier:
        """A Notifier sharing this core's settings, storage and templates; `register`, then `start(bus)`."""
        return Notifier(
            self.deps.settings,
            self.deps.db,
            trading=self.deps.trading,
            renderer=self.deps.renderer,
            menus=self.deps.menus,
            suggestions=self.deps.suggestions,
        )

    def users_of(self, platform: str) -> list[UserEntry]:
        """The configured users of one platform (adapters read per-user drawing choices from them)."""
        return [u for u in self.deps.settings.users if u.platform == platform]

    def admit(self, platform: str, user_id: str, role: Role, lang: str | None = None) -> None:
        """Let in a caller its transport already authenticated (see Gate.admit)."""
        self.deps.gate.admit(platform, user_id, role, lang)

    async def handle(self, msg: Incoming) -> list[Reply]:
        """Answer one message or button press; never raises for a user's input.

        The pipeline: authenticate -> route (button press, slash command or text) -> parse -> run the
        flow -> audit (once, here, from the flow's notes) -> render the numbered menus.
        """
        owner = (msg.platform, msg.chat_id, msg.user_id)
        if not msg.buttons and msg.action is None and msg.text and (not msg.is_group or msg.addressed):
            # A platform without buttons: a typed number presses the latest numbered menu (menu.py).
            action = self.deps.menus.press(owner, msg.text)
            if action is not None:
                msg = msg.model_copy(update={"action": action, "text": None})
        if msg.is_group and not msg.addressed and msg.action is None:
            return []  # not for us: a group's chatter is neither answered nor logged
        raw = msg.action or msg.text or ""

        # 1. authenticate: deny by default, one polite refusal per unknown user per run
        p = self.deps.gate.principal(msg.platform, msg.user_id, msg.chat_id, msg.lang, raw)
        if p is None:
            replies = await self._refuse(msg, raw)
        else:
            await self._sweep()
            # 2-4. route, parse, run: what was parsed is noted even if the flow then raises
            parsed: list[Note] = []
            try:
                step = await self._run(p, msg, raw, parsed)
            except MT5BotError as refused:
                parsed.append(Note(p, "message", Outcome.REFUSED, error_code=str(refused.code)))
                step = Step([self.deps.error(p, refused)])
            except Exception:
                # the boundary: a bug must not leave the user without an answer or kill the adapter
                log.exception("chat core failed on a message from %s:%s", msg.platform, msg.user_id)
                step = Step([self.deps.reply(p, "errors", "internal")])
            # 5. audit, once, at the edge
            await write_notes(self.deps.db, [*parsed, *step.notes])
            replies = step.replies
        # 6. render: on a platform without buttons, buttons become a numbered menu
        if msg.buttons or not replies:
            return replies
        lang = self.deps.gate.lang(self.deps.gate.user(msg.platform, msg.user_id), msg.lang)
        return self.deps.menus.offer(owner, replies, self.deps.renderer, lang)

    async def _run(self, p: Principal, msg: Incoming, raw: str, parsed: list[Note]) -> Step:
        """Route and parse the input, then run its flow; notes of the parse go to `parsed`."""
        press = parse_press(raw)
        if press is not None:  # a button (or a typed `c:<id>:y`): confirmation, question, suggestion
            return await self._press(p, press)
        if (answer := self._not_text(p, msg, parsed)) is not None:
            return answer
        text = msg.text or ""
        question = self.deps.dialogs.open_for(p.owner)
        if question is not None:  # a typed answer to an open question
            typed = self.rules.typed if question.kind in RULE_QUESTIONS else self.trades.typed
            answered = await typed(p, question, text)
            if answered is not None:
                return answered
        slash = parse_slash(text)
        if slash is not None:
            parsed.append(Note(p, f"command.{slash[0].value}", Outcome.OK))
            if slash[0] is Slash.ACCOUNTS:
                return self.accounts.listing(p)
            return await self.commands.slash(p, *slash)
        cmd = await self._parse(strip_bot_name(text))
        if cmd.problem is not None:  # "买入-1手黄金", "0.01-0.05手": explained, never traded nor guessed
            parsed.append(Note(p, "message", Outcome.REFUSED, command=cmd, error_code=cmd.problem.code))
            if cmd.problem.code == ProblemCode.UNKNOWN_ACCOUNT:
                return self.accounts.unknown(p, cmd, cmd.problem.text)
            return Step([self.deps.reply(p, "numbers", "problem", problem=cmd.problem)])
        parsed.append(Note(p, "message", Outcome.OK, command=cmd))
        return await self._command(p, cmd, text)

    async def _command(self, p: Principal, cmd: Command, text: str) -> Step:
        """A parsed command (no problem): its account made explicit, then its flow."""
        if cmd.intent is Intent.UNKNOWN:
            return Step([await self._free_form(p, text)])
        if cmd.intent is Intent.USE_ACCOUNT:
            return self.accounts.use(p, cmd)
        try:  # the account it acts on, made explicit: named (and the user's), switched to, or default
            cmd = self.deps.accounts.resolve(p, cmd)
        except AccountNotYours as refused:
            return self.accounts.refused(p, refused, cmd)
        if cmd.intent in RULE_INTENTS:  # rules.py: previewed and confirmed like a trade
            return await self.rules.start(p, cmd, text)
        if cmd.is_trading:
            if cmd.account == ALL:
                return await self.all_trades.start(p, cmd)
            return await self.trades.start(p, cmd)
        if p.confirm is ConfirmMode.ALWAYS:
            conf = self.deps.confirmations.create(p.owner, p.role, cmd, p.raw, None, None)
            rendered = self.deps.render(p, "query", "ask_query", what=text)
            return Step([rendered.reply(self.trades.confirm_buttons(p, conf.id), confirmation_id=conf.id)])
        return await self._answer(p, cmd)

    async def _answer(self, p: Principal, cmd: Command) -> Step:
        """A query: on its account, or a section per account for all of them."""
        if cmd.account == ALL:
            return await self.accounts.query_all(p, cmd)
        try:
            answer = await self.commands.query(p, cmd)
        except MT5BotError as refused:  # named here, so the user sees which account said no
            note = Note(p, "query", Outcome.REFUSED, command=cmd, error_code=str(refused.code))
            return Step([self.deps.error(p, refused, cmd=cmd)], [note])
        # with several accounts an answer says whose it is (a report heads itself: report_reply)
        return Step([answer if cmd.intent is Intent.REPORT else self.deps.headed(p, cmd, answer)])

    def _not_text(self, p: Principal, msg: Incoming, parsed: list[Note]) -> Step | None:
        """A press of an action we do not know, or a message we cannot read: a short explanation."""
        if msg.action is not None:
            return Step([self.deps.render(p, "trade", "unknown_action").reply(edit=True)])
        if msg.media is not None and not msg.text:
            kind = msg.media.value
            parsed.append(Note(p, f"media.{kind}", Outcome.REFUSED, error_code="unsupported_media"))
            return Step([self.deps.reply(p, "errors", "media", kind=kind)])
        return None

    async def _refuse(self, msg: Incoming, raw: str) -> list[Reply]:
        await write_line(
            self.deps.db, msg.platform, msg.user_id, msg.chat_id, None, "message", Outcome.DENIED,
            raw=raw[:500], error_code="unknown_user",
        )  # fmt: skip
        if not self.deps.gate.first_refusal(msg.platform, msg.user_id):
            return []
        lang = self.deps.gate.lang(None, msg.lang)
        return [self.deps.renderer.render(lang, "access", "refused_unknown").reply()]

    async def _sweep(self) -> None:
        """Audit confirmations that timed out untouched; forget old state."""
        self.deps.dialogs.sweep()
        self.deps.menus.sweep()
        self.deps.suggestions.sweep()
        for conf in self.deps.confirmations.sweep():
            platform, chat_id, user_id = conf.owner
            entry = self.deps.gate.user(platform, user_id)
            await write_line(
                self.deps.db, platform, user_id, chat_id, entry.role.value if entry else None, "confirm",
                Outcome.EXPIRED, raw=conf.raw, confirmation=conf.id,
            )  # fmt: skip

    # --- buttons ---------------------------------------------------------------------------------
    async def _press(self, p: Principal, press: Press) -> Step:
        if press.kind is PressKind.QUESTION:
            asked = self.deps.dialogs.open_for(p.owner)
            if asked is not None and asked.id == press.id and asked.kind in RULE_QUESTIONS:
                return await self.rules.press(p, press)
            return await self.trades.press(p, press)
        if press.kind is PressKind.SUGGESTION:
            return await self._suggested(p, press.id)
        if press.kind is PressKind.ACCOUNT:
            return self.accounts.switch(p, press.id)
        verdict, conf = self.deps.confirmations.claim(press.id, p.owner, p.role)
        match verdict:
            case Verdict.GO if conf is not None:
                return await self._go(p, conf, accept=press.choice == "y")
            case Verdict.NOT_OWNER:
                return Step(
                    [self.deps.reply(p, "trade", "not_yours")],
                    [Note(p, "confirm", Outcome.DENIED, confirmation=press.id, error_code="not_owner")],
                )
            case Verdict.EXPIRED:
                return Step(
                    [self.deps.render(p, "trade", "expired").reply(edit=True)],
                    [Note(p, "confirm", Outcome.EXPIRED, confirmation=press.id)],
                )
            case Verdict.BUSY:
                return Step([self.deps.reply(p, "trade", "in_progress")])
            case Verdict.FINISHED if conf is not None:
                return Step([self._finished(p, conf)])
        return Step([self.deps.render(p, "trade", "unknown_action").reply(edit=True)])

    def _finished(self, p: Principal, conf: Confirmation) -> Reply:
        """A second tap: show what the first one did; never act again."""
        if conf.outcome is not None:
            return conf.outcome
        name = "cancelled" if conf.state is ConfirmState.CANCELLED else "unknown_action"
        return self.deps.render(p, "trade", name).reply(edit=True)

    async def _go(self, p: Principal, conf: Confirmation, *, accept: bool) -> Step:
        p = Principal(p.platform, p.user_id, p.chat_id, p.entry, p.lang, p.confirm, conf.raw)
        needed = Permission.QUERY if conf.request is None and conf.rule is None else Permission.TRADE
        if conf.admin is not None:
            needed = Permission.ADMIN
        if accept and not p.may(needed):  # the role may have changed since the preview (a config reload)
            self.deps.confirmations.finish(conf, ConfirmState.CANCELLED, None)
            return Step(
                [self.deps.reply(p, "access", "denied_role", role=p.role.value, needed=needed.value)],
                [Note(p, "confirm", Outcome.DENIED, command=conf.command, confirmation=conf.id,
                      error_code="role")],
            )  # fmt: skip
        if not accept:
            reply = self.deps.render(p, "trade", "cancelled").reply(edit=True)
            self.deps.confirmations.finish(conf, ConfirmState.CANCELLED, reply)
            return Step(
                [reply],
                [Note(p, "confirm", Outcome.REFUSED, command=conf.command, confirmation=conf.id,
                      error_code="cancelled_by_user")],
            )  # fmt: skip
        try:
            if conf.admin is not None:  # /restart_terminal (terminal_admin.py)
                return await self.commands.terminal.confirmed(p, conf)
            if conf.rule is not None:  # a rule to create or remove (rules.py)
                return await self.rules.confirmed(p, conf)
            if conf.request is None:  # a query under `confirm: always`
                answered = await self._answer(p, conf.command)
                reply = answered.replies[0].model_copy(update={"edit": True})
                self.deps.confirmations.finish(conf, ConfirmState.DONE, reply)
                return Step([reply])
            if conf.parts is not None:  # a trade on all accounts (trade_all.py)
                return await self.all_trades.confirmed(p, conf)
            return await self.trades.execute_claimed(p, conf)
        finally:
            if conf.state is ConfirmState.EXECUTING:  # an unexpected error: never leave it claimable
                self.deps.confirmations.finish(conf, ConfirmState.DONE, None)

    async def _suggested(self, p: Principal, offer_id: str) -> Step:
        """A suggestion button: its typed request goes through the trading flow (preview, confirm)."""
        offered = self.deps.suggestions.get(offer_id)
        if offered is None:
            return Step([self.deps.render(p, "trade", "unknown_action").reply()])
        cmd = suggestion_command(offered)
        try:  # a suggestion acts on the account whose report made it: only for users of that account
            cmd = self.deps.accounts.resolve(p, cmd)
        except AccountNotYours as refused:
            return self.accounts.refused(p, refused, cmd)
        taken = Note(p, "suggestion", Outcome.OK, command=cmd)
        step = denied_role(self.deps, p, cmd) if not p.may(Permission.TRADE) else None
        if step is None:
            step = await self.trades.propose(p, cmd, offered.action)
        return Step(step.replies, [taken, *step.notes])

    def command_menus(self, *, admin: bool = False) -> dict[str, list[tuple[str, str]]]:
        """The slash commands with their descriptions, per language (for a platform's command menu);
        `admin` adds the admin commands (shown in admins' own chats only)."""
        macros = ("commands", "admin_commands") if admin else ("commands",)
        menus = {}
        for lang in ("zh", "en"):
            text = "\n".join(self.deps.renderer.render(lang, "menu", m).text for m in macros)
            menus[lang] = [
                (c, d.strip()) for c, _, d in (line.partition(" ") for line in text.splitlines()) if c
            ]
        return menus

    def admin_menus(self, platform: str) -> list[tuple[str, list[tuple[str, str]]]]:
        """Each configured admin of `platform` with the full menu in their language: (user id, menu)."""
        menus = self.command_menus(admin=True)
        admins = [u for u in self.users_of(platform) if u.role is Role.ADMIN]
        return [(u.id, menus[u.lang or self.deps.settings.chat.default_lang]) for u in admins]

    def understand(self, text: str) -> Command:
        """What the offline parser makes of `text` with the configured aliases and price bands (no LLM,
        no side effects): the command, with `needs` when the chat would ask."""
        return parse(strip_bot_name(text), self._aliases, self._bands, self.deps.accounts.parser_accounts())

    async def _parse(self, text: str) -> Command:
        cmd = parse(text, self._aliases, self._bands, self.deps.accounts.parser_accounts())
        if self.deps.llm is not None and needs_llm(cmd):
            cmd = await self.deps.llm.parse(text)
        return cmd

    async def _free_form(self, p: Principal, text: str) -> Reply:
        if self.deps.llm is not None:
            # the facts of the account this user is on in this chat (their switched or default one)
            tools = ServiceAccountTools(self.deps.accounts.current(p).port)
            answer = await self.deps.llm.answer(text, tools)
            if answer:
                return self.deps.reply(p, "query", "answer", text=answer)
        # Not understood: say so in the language the message was written in, unless the user chose one.
        lang = p.lang if p.entry.lang else (written_in(text) or p.lang)
        return self.deps.renderer.render(lang, "query", "not_understood").reply()


LOCAL = "local"  # the one account's name when a chat core is given no directory


def _local(trading: TradingService | None) -> TradingService:
    if trading is None:
        raise ValueError("no report source for the default account and no local trading core")
    return trading
