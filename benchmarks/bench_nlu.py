"""Offline parser throughput on one core: messages per second over the phrase table (and a mix).

Six half-second windows each; the best and the median are printed, since a shared VM's noise (other
guests, frequency changes) moves a single figure by 30 % from run to run.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from nlu import parse

TABLE = Path(__file__).resolve().parent.parent / "tests" / "nlu" / "phrases.tsv"


def _messages() -> list[str]:
    lines = TABLE.read_text(encoding="utf-8").splitlines()
    return [line.partition("\t")[0] for line in lines if line and not line.startswith("#")]


def main() -> None:
    messages = _messages()
    for text in messages:  # warm the lexicon cache and the regex engine
        parse(text)
    rates = [_window(messages, None) for _ in range(6)]
    print(
        f"nlu.parse: {max(rates):,.0f} messages/s best, {statistics.median(rates):,.0f} median "
        f"({len(messages)} distinct phrases, 6 windows of 0.5 s, one core)"
    )
    aliases = {"XAUUSD": ["金仔", "黄金现货"]}
    with_aliases = [_window(messages, aliases) for _ in range(4)]
    print(
        f"nlu.parse with config aliases: {max(with_aliases):,.0f} messages/s best, "
        f"{statistics.median(with_aliases):,.0f} median"
    )


def _window(messages: list[str], aliases: dict[str, list[str]] | None) -> float:
    count = 0
    start = time.perf_counter()
    while time.perf_counter() - start < 0.5:
        for text in messages:
            parse(text, aliases)
        count += len(messages)
    return count / (time.perf_counter() - start)


if __name__ == "__main__":
    main()
