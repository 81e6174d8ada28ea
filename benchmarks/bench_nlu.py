"""Offline parser throughput on one core: messages per second over the phrase table (and a mix)."""

from __future__ import annotations

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
    rounds = 0
    start = time.perf_counter()
    while time.perf_counter() - start < 3.0:
        for text in messages:
            parse(text)
        rounds += 1
    elapsed = time.perf_counter() - start
    rate = rounds * len(messages) / elapsed
    print(f"nlu.parse: {rate:,.0f} messages/s ({len(messages)} distinct phrases, {rounds} rounds, one core)")
    aliases = {"XAUUSD": ["金仔", "黄金现货"]}
    start = time.perf_counter()
    count = 0
    while time.perf_counter() - start < 1.0:
        for text in messages:
            parse(text, aliases)
        count += len(messages)
    print(f"nlu.parse with config aliases: {count / (time.perf_counter() - start):,.0f} messages/s")


if __name__ == "__main__":
    main()
