"""`mt5bot chat`: talk to the running service in plain language from a terminal.

A client of `POST /api/v1/chat`: type a message, read the reply; buttons are shown as numbered choices
and typing the number presses the button. The token comes from `--token`, else the configured
`security.token` (or `MT5BOT_SECURITY__TOKEN`); the URL from `--url`, else the configured server.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import Any

import aiohttp

from mt5bot.config import load_settings
from mt5bot.remote import add_target_arguments, service_target

PROMPT = "> "


def _print_reply(data: dict[str, Any], out: Callable[[str], None]) -> list[str]:
    """Show a reply; return the buttons' actions in the order they were numbered."""
    out(data["text"])
    actions = []
    for number, button in enumerate(data.get("buttons") or [], start=1):
        out(f"  [{number}] {button['text']}")
        actions.append(button["action"])
    return actions


async def _send(http: aiohttp.ClientSession, url: str, text: str, lang: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"text": text}
    if lang:
        body["lang"] = lang
    async with http.post(url, json=body) as resp:
        payload = await resp.json(content_type=None)
    if not payload.get("success"):
        return {"text": f"({resp.status}) {payload.get('error', 'error')}", "buttons": []}
    data: dict[str, Any] = payload["data"]
    return data


async def converse(
    url: str, token: str, lang: str | None, read: Callable[[], str | None], out: Callable[[str], None]
) -> int:
    """The read-send-print loop; `read` returns None at end of input."""
    headers = {"Authorization": f"Bearer {token}"}
    actions: list[str] = []
    async with aiohttp.ClientSession(headers=headers) as http:
        while (line := read()) is not None:
            text = line.strip()
            if not text:
                continue
            if text in ("/quit", "/exit"):
                break
            if text.isdigit() and 1 <= int(text) <= len(actions):
                text = actions[int(text) - 1]  # pressing a numbered button sends its action
            try:
                actions = _print_reply(await _send(http, f"{url}/api/v1/chat", text, lang), out)
            except aiohttp.ClientError as exc:
                out(f"cannot reach the service at {url}: {exc}")
                return 1
    return 0


def _read_line() -> str | None:
    try:
        return input(PROMPT)
    except EOFError:
        return None


def register(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """Add `chat`'s arguments; return its runner."""
    add_target_arguments(parser)
    parser.add_argument("--lang", choices=("zh", "en"), help="reply language")

    def run(args: argparse.Namespace) -> int:
        url, token = service_target(load_settings(args.config), args)
        if not token:
            print("mt5bot chat: no token; pass --token or set MT5BOT_SECURITY__TOKEN", file=sys.stderr)
            return 2
        if sys.stdin.isatty():
            print("mt5bot chat: type a message (e.g. 本日盈亏, buy 0.01 gold); numbers press buttons; /quit")
        return asyncio.run(converse(url, token, args.lang, _read_line, print))

    return run
