"""Timing figures of laps and the table they print in (benchmarks/bench_front.py and its fan-in)."""

from __future__ import annotations

import os

FIGURES = ("p50", "p90", "p99", "max")


def figures(laps: list[float]) -> dict[str, float]:
    """p50/p90/p99/max in ms (nearest rank)."""
    ordered = sorted(laps)

    def rank(q: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))] * 1000

    return {"p50": rank(0.5), "p90": rank(0.9), "p99": rank(0.99), "max": ordered[-1] * 1000}


def table(title: str, rows: list[tuple[str, int, list[float]]]) -> None:
    print(f"\n{title}")
    print(f"  {'':34} {'n':>5} " + " ".join(f"{f + ' ms':>9}" for f in FIGURES))
    for label, n, laps in rows:
        fig = figures(laps)
        print(f"  {label:34} {n:>5} " + " ".join(f"{fig[f]:9.1f}" for f in FIGURES))


def loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"
