"""The watchdog's policy over plain data and a fake clock: when it waits, restarts and gives up."""

from __future__ import annotations

from dataclasses import dataclass

from mt5bridge.terminal.settings import WatchdogSettings
from mt5bridge.terminal.watchdog.policy import (
    Action,
    Cause,
    Decision,
    History,
    Look,
    backoff,
    decide,
    in_last_hour,
    manual_allowed,
)

RULES = WatchdogSettings(
    enabled=True, heartbeat_failed_min=5, backoff_start_sec=60, backoff_max_sec=600, max_restarts_per_hour=3
)


@dataclass
class Clock:
    now: float = 10_000.0

    def tick(self, seconds: float) -> float:
        self.now += seconds
        return self.now


def down(clock: Clock, *, alive: bool = True, last_up: float = 10_000.0) -> Look:
    return Look(clock.now, link_up=False, process_alive=alive, last_up=last_up)


def run(rules: WatchdogSettings, look: Look, history: History) -> tuple[Decision, History]:
    """One round as the runner plays it: decide, then record a restart or the give-up."""
    decision = decide(rules, look, history)
    if decision.action is Action.RESTART and decision.cause is not None:
        history = history.restarted(look.now, decision.cause)
    elif decision.action is Action.GIVE_UP:
        history = history.giving_up()
    return decision, history


def test_heartbeat_failing_for_n_minutes_restarts() -> None:
    clock = Clock()
    clock.tick(4 * 60 + 59)
    assert decide(RULES, down(clock), History()).action is Action.WAIT
    clock.tick(1)
    assert decide(RULES, down(clock), History()) == Decision(Action.RESTART, Cause.HEARTBEAT_FAILED)


def test_process_gone_restarts_at_once() -> None:
    clock = Clock()
    clock.tick(1)
    assert decide(RULES, down(clock, alive=False), History()) == Decision(Action.RESTART, Cause.PROCESS_GONE)


def test_link_up_never_restarts_even_if_no_process_matches() -> None:
    clock = Clock()
    look = Look(clock.tick(3600), link_up=True, process_alive=False, last_up=clock.now)
    assert decide(RULES, look, History()).action is Action.WAIT


def test_disabled_does_nothing() -> None:
    clock = Clock()
    off = RULES.model_copy(update={"enabled": False})
    clock.tick(3600)
    assert decide(off, down(clock, alive=False), History()).action is Action.WAIT


def test_after_a_restart_the_terminal_gets_the_full_time_again() -> None:
    clock = Clock()
    history = History().restarted(clock.tick(300), Cause.HEARTBEAT_FAILED)
    clock.tick(299)  # heartbeat still failing, the new process still starting
    assert decide(RULES, down(clock), history).action is Action.WAIT
    clock.tick(1)
    assert decide(RULES, down(clock), history).action is Action.RESTART


def test_backoff_grows_to_its_cap() -> None:
    assert [backoff(n, 60, 600) for n in range(7)] == [0, 60, 120, 240, 480, 600, 600]
    clock = Clock()
    history = History()
    gaps = []
    for _ in range(3):  # the process dies again and again: restarts are spaced by the backoff
        started = clock.now
        while decide(RULES, down(clock, alive=False), history).action is not Action.RESTART:
            clock.tick(1)
        gaps.append(clock.now - started)
        history = history.restarted(clock.now, Cause.PROCESS_GONE)
    assert gaps == [0, 60, 120]


def test_cap_per_hour_gives_up_once_then_resumes_when_the_hour_has_room() -> None:
    clock = Clock()
    history = History()
    decisions, notices = [], 0
    for _ in range(3 * 60):  # every 10 s for half an hour, the process gone
        clock.tick(10)
        before = history.gave_up
        decision, history = run(RULES, down(clock, alive=False), history)
        decisions.append(decision.action)
        notices += int(history.gave_up and not before)  # the runner tells the admins on this change
    assert decisions.count(Action.RESTART) == 3
    first_give_up = decisions.index(Action.GIVE_UP)
    assert set(decisions[first_give_up:]) == {Action.GIVE_UP}
    assert notices == 1
    assert history.gave_up and in_last_hour(history, clock.now, manual=False) == 3
    clock.tick(3600)  # an hour after those restarts there is room again
    decision, history = run(RULES, down(clock, alive=False), history)
    assert decision.action is Action.RESTART and not history.gave_up


def test_link_back_resets_the_backoff_and_the_give_up() -> None:
    clock = Clock()
    history = History().restarted(clock.now, Cause.PROCESS_GONE).restarted(clock.tick(60), Cause.PROCESS_GONE)
    assert history.streak == 2
    history = history.giving_up().recovered()
    assert history.streak == 0 and not history.gave_up
    assert len(history.restarts) == 2  # they still count toward the hour's cap


def test_manual_restarts_have_their_own_cap() -> None:
    clock = Clock()
    history = History()
    for _ in range(3):
        history = history.restarted(clock.tick(1), Cause.PROCESS_GONE)
    assert manual_allowed(RULES, history, clock.now)  # automatic ones do not use up the admins' restarts
    for _ in range(3):
        assert manual_allowed(RULES, history, clock.now)
        history = history.restarted(clock.tick(1), Cause.MANUAL)
    assert not manual_allowed(RULES, history, clock.now)
    assert manual_allowed(RULES, history, clock.tick(3600))
