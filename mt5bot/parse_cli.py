"""`mt5bot parse TEXT|-- [--llm]`: print each message's command as one JSON object per line.

The CLI glue only: it loads the configuration and hands the text to `nlu` (pure: text in, command out).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Iterable

from mt5bot.config import load_settings
from nlu.command import Command
from nlu.parser import parse
from nlu.settings import LLMSettings


def _dump(command: Command) -> str:
    return json.dumps(command.model_dump(mode="json"), ensure_ascii=False)


def _messages(text: str) -> Iterable[str]:
    if text != "-":
        yield text
        return
    for line in sys.stdin:
        yield line.rstrip("\r\n")


async def _run_llm(
    text: str,
    settings: LLMSettings,
    aliases: dict[str, tuple[str, ...]],
    bands: dict[str, tuple[float, float]],
    accounts: dict[str, list[str]] | None,
) -> None:
    from nlu.llm import LLMParser  # imported here: openai is slow to import and only --llm needs it

    parser = LLMParser(settings, aliases, bands, accounts)
    try:
        for message in _messages(text):
            print(_dump(await parser.parse(message)), flush=True)
    finally:
        await parser.close()


def run(args: argparse.Namespace) -> int:
    """Parse the message(s) and print one JSON command per message."""
    settings = load_settings(args.config)
    aliases = settings.nlu.aliases
    accounts = settings.parser_accounts()  # the configured accounts' names and labels (several only)
    if args.llm:
        if not settings.llm.configured:
            print(
                "mt5bot parse: --llm needs llm.base_url, llm.model and llm.api_key (or MT5BOT_LLM__API_KEY)",
                file=sys.stderr,
            )
            return 2
        asyncio.run(_run_llm(args.text, settings.llm, aliases, settings.nlu.price_bands, accounts))
        return 0
    for message in _messages(args.text):
        print(_dump(parse(message, aliases, settings.nlu.price_bands, accounts)), flush=True)
    return 0


def register(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """Add the `parse` arguments; return the runner."""
    parser.add_argument(
        "text", metavar="TEXT", help="the message, or - to read one message per line from stdin"
    )
    parser.add_argument(
        "--llm", action="store_true", help="ask the configured LLM when the offline parser cannot"
    )
    return run
