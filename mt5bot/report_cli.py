"""`mt5bot report daily|monthly|hedge`: a report from the running service, printed as the chat shows it.

A client of `GET /api/v1/reports/<kind>` (and `/chart` for `--chart FILE`), so it reads the live account
through the service rather than opening a second terminal connection. `--json` prints the figures as the
API gives them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

from mt5bot.config import load_settings
from mt5bot.remote import add_target_arguments, service_target

KINDS = ("daily", "monthly", "hedge")


class ServiceRefused(Exception):
    """The service answered with an error envelope."""


async def fetch(
    url: str, token: str, kind: str, params: dict[str, str], chart: bool, lang: str = "zh"
) -> tuple[dict[str, Any], bytes | None]:
    """The report's JSON `data` and, when asked, its chart (PNG bytes) in `lang`."""
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:
        async with http.get(f"{url}/api/v1/reports/{kind}", params=params) as resp:
            payload = await resp.json(content_type=None)
        if not payload.get("success"):
            code, message = payload.get("code", "error"), payload.get("error", "")
            raise ServiceRefused(f"({resp.status}) {code}: {message}")
        png = None
        if chart:
            chart_params = {**params, "lang": lang}
            async with http.get(f"{url}/api/v1/reports/{kind}/chart", params=chart_params) as resp:
                resp.raise_for_status()
                png = await resp.read()
        data: dict[str, Any] = payload["data"]
        return data, png


def render_text(data: dict[str, Any], lang: str) -> str:
    """The report as plain text in `lang`, from the chat's templates."""
    from bot.core.render import Renderer  # the templates and their filters; not needed for --json
    from reports.models import Report

    report = Report.model_validate(data)
    return Renderer().render(lang, "report", report.kind.value, r=report).text


def register(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """Add `report`'s arguments; return its runner."""
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--date", help="YYYY-MM-DD (daily, hedge; default today)")
    parser.add_argument("--month", help="YYYY-MM (monthly; default this month)")
    parser.add_argument(
        "--lang", choices=("zh", "en"), default=None, help="text language (default chat.default_lang)"
    )
    parser.add_argument("--chart", type=Path, metavar="FILE", help="also save the chart as a PNG")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    add_target_arguments(parser)

    def run(args: argparse.Namespace) -> int:
        settings = load_settings(args.config)
        url, token = service_target(settings, args)
        if not token:
            print("mt5bot report: no token; pass --token or set MT5BOT_SECURITY__TOKEN", file=sys.stderr)
            return 2
        params = {k: v for k, v in (("date", args.date), ("month", args.month)) if v}
        try:
            lang = args.lang or settings.chat.default_lang
            data, png = asyncio.run(fetch(url, token, args.kind, params, args.chart is not None, lang))
        except ServiceRefused as exc:
            print(f"mt5bot report: {exc}", file=sys.stderr)
            return 1
        except aiohttp.ClientError as exc:
            print(f"mt5bot report: cannot reach the service at {url}: {exc}", file=sys.stderr)
            return 1
        print(
            json.dumps(data, ensure_ascii=False, indent=2)
            if args.json
            else render_text(data, args.lang or settings.chat.default_lang)
        )
        if png is not None:
            args.chart.write_bytes(png)
            print(f"chart saved to {args.chart}", file=sys.stderr)
        return 0

    return run
