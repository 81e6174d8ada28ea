"""`/restart_terminal` and the terminal watchdog's news for admins.

`/restart_terminal` is admin only (everyone else gets the role refusal, audited `denied`) and always
confirmed through the core's confirmation book: buttons, single use, expiring, owned by the admin who
asked. The tap runs the watchdog's own restart (stop what is left of terminal64.exe, start it, initialise
the link), under the watchdog's hourly cap for manual restarts; it is audited like the other admin
switches (`chat.admin.restart_terminal`). With the watchdog off (`mt5.watchdog.enabled: false`, the
default) the command says so and does nothing.

`WatchdogNotices` turns the watchdog's events (it gave up; the terminal is back after its restarts) into
one message for every configured admin on a registered platform, whatever their subscription (as the ops
warnings do: this is the service talking to whoever runs it), rendered from `terminal.j2`.
"""

from __future__ import annotations

from bot.core.auth import Permission, Principal
from bot.core.confirm import AdminAction, Confirmation, ConfirmState
from bot.core.context import Deps
from bot.core.dialog import confirm_action
from bot.core.notify import Notifier
from bot.core.step import Note, Step
from bot.messages import Button, Reply
from bot.settings import Settings, UserEntry
from mt5bridge.common.roles import Role
from mt5bridge.terminal.watchdog import RestartOutcome, RestartResult, TerminalWatchdog
from mt5bridge.trading.events import Event, EventBus, EventKind
from mt5bridge.trading.events.models import TerminalRestarted, WatchdogGaveUp
from nlu import Command
from storage.models import Outcome

ACTION = "admin.restart_terminal"
WATCHDOG_KINDS = frozenset({EventKind.WATCHDOG_GAVE_UP, EventKind.TERMINAL_RESTARTED})

_OUTCOMES: dict[RestartOutcome, tuple[Outcome, str | None]] = {
    RestartOutcome.RESTARTED: (Outcome.OK, None),
    RestartOutcome.CAPPED: (Outcome.REFUSED, "restart_cap"),
    RestartOutcome.BUSY: (Outcome.REFUSED, "restart_in_progress"),
    RestartOutcome.FAILED: (Outcome.FAILED, "restart_failed"),
}


class TerminalAdmin:
    """The `/restart_terminal` flow: `ask` (preview and buttons), `confirmed` (the tap)."""

    def __init__(self, deps: Deps, watchdog: TerminalWatchdog | None) -> None:
        self.d = deps
        self.watchdog = watchdog if watchdog is not None and watchdog.rules.enabled else None

    def ask(self, p: Principal) -> Step:
        """Admins get what will be restarted, with confirm/cancel buttons; the tap goes to `confirmed`."""
        if not p.may(Permission.ADMIN):
            refusal = self.d.reply(p, "access", "denied_role", role=p.role.value, needed="admin")
            return Step([refusal], [Note(p, ACTION, Outcome.DENIED, error_code="role")])
        if self.watchdog is None:
            off = Note(p, ACTION, Outcome.REFUSED, error_code="watchdog_off")
            return Step([self.d.reply(p, "terminal", "disabled")], [off])
        conf = self.d.confirmations.create(
            p.owner, p.role, Command(), p.raw, None, None, admin=AdminAction.RESTART_TERMINAL
        )
        process = self.watchdog.process
        rendered = self.d.render(
            p, "terminal", "ask_restart", path=process.path, args=process.args[1:],
            ttl=int(self.d.confirmations.ttl),
        )  # fmt: skip
        label = self.d.renderer.label
        buttons = [
            [
                Button(text=label(p.lang, "confirm"), action=confirm_action(conf.id, True)),
                Button(text=label(p.lang, "cancel"), action=confirm_action(conf.id, False)),
            ]
        ]
        pending = Note(p, ACTION, Outcome.PENDING, confirmation=conf.id)
        return Step([rendered.reply(buttons, confirmation_id=conf.id)], [pending])

    async def confirmed(self, p: Principal, conf: Confirmation) -> Step:
        """The admin's tap on "confirm" (the core has claimed it and checked the role again)."""
        if self.watchdog is None:  # the confirmation cannot exist then; never act without a watchdog
            reply = self.d.render(p, "terminal", "disabled").reply(edit=True)
            result = RestartResult(RestartOutcome.FAILED, error="watchdog off")
        else:
            result = await self.watchdog.restart()
            reply = self._result(p, result)
        self.d.confirmations.finish(conf, ConfirmState.DONE, reply)
        outcome, code = _OUTCOMES[result.outcome]
        return Step([reply], [Note(p, ACTION, outcome, confirmation=conf.id, error_code=code)])

    def _result(self, p: Principal, result: RestartResult) -> Reply:
        cap = self.watchdog.rules.max_restarts_per_hour if self.watchdog is not None else 0
        return self.d.render(
            p, "terminal", "restart_result", outcome=result.outcome.value, pid=result.pid,
            stopped=result.stopped, error=result.error, cap=cap,
        ).reply(edit=True)  # fmt: skip


class WatchdogNotices:
    """The watchdog's events as messages for admins; `start(bus)` consumes the bus."""

    def __init__(self, settings: Settings, notifier: Notifier) -> None:
        self.settings = settings
        self.notifier = notifier

    def start(self, bus: EventBus) -> None:
        bus.consume(self.on_event, WATCHDOG_KINDS, name="watchdog-notices")

    def admins(self) -> list[UserEntry]:
        """Configured admins on a platform that registered an outbox."""
        boxes = self.notifier.outboxes()
        return [u for u in self.settings.users if u.role is Role.ADMIN and u.platform in boxes]

    async def on_event(self, event: Event) -> None:
        """One message per admin, in their language; queued on the outbox, never awaited."""
        if isinstance(event, WatchdogGaveUp):
            macro = "gave_up"
        elif isinstance(event, TerminalRestarted):
            macro = "back"
        else:
            return
        boxes = self.notifier.outboxes()
        for user in self.admins():
            lang = self.notifier.gate.lang(user, None)
            reply = self.notifier.renderer.render(lang, "terminal", macro, e=event).reply()
            boxes[user.platform].post(user.id, reply)
