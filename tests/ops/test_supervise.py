"""`mt5bot service run`'s loop: started again after a failure, with a growing pause; stopped on purpose."""

from __future__ import annotations

from itertools import pairwise

from mt5bot.autostart.supervise import CONFIG_ERROR, supervise


class Script:
    """`run_once` answering the given exit codes in turn, on a clock that the pauses advance."""

    def __init__(self, codes: list[int], run_sec: float = 1.0) -> None:
        self.codes = codes
        self.run_sec = run_sec
        self.now = 0.0
        self.runs = 0
        self.pauses: list[float] = []
        self.stop_at: float | None = None

    def run_once(self) -> int:
        self.runs += 1
        self.now += self.run_sec
        return self.codes.pop(0)

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def clock(self) -> float:
        return self.now

    def stop_requested(self) -> bool:
        return self.stop_at is not None and self.now >= self.stop_at


def test_a_failure_is_followed_by_a_growing_pause_then_a_new_run() -> None:
    script = Script([1, 1, 1, 0])
    starts: list[float] = []

    def run_once() -> int:
        starts.append(script.now)
        return script.run_once()

    assert supervise(run_once, script.stop_requested, script.sleep, script.clock, backoff=(5, 10)) == 0
    assert script.runs == 4
    gaps = [round(b - a - 1.0) for a, b in pairwise(starts)]
    assert gaps == [5, 10, 10]


def test_a_long_healthy_run_resets_the_pause() -> None:
    script = Script([1, 1, 0], run_sec=600)
    starts: list[float] = []

    def run_once() -> int:
        starts.append(script.now)
        return script.run_once()

    supervise(run_once, script.stop_requested, script.sleep, script.clock, backoff=(5, 60))
    assert [round(b - a - 600) for a, b in pairwise(starts)] == [5, 5]


def test_a_config_error_is_not_retried() -> None:
    script = Script([CONFIG_ERROR, 0])
    assert supervise(script.run_once, script.stop_requested, script.sleep, script.clock) == CONFIG_ERROR
    assert script.runs == 1


def test_a_stop_request_during_the_pause_ends_the_loop() -> None:
    script = Script([1, 1])
    script.stop_at = 3.0
    assert supervise(script.run_once, script.stop_requested, script.sleep, script.clock, backoff=(30,)) == 0
    assert script.runs == 1
