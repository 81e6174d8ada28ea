"""Where the CLI clients (`mt5bot chat`, `mt5bot report`) find the running service, and with what token."""

from __future__ import annotations

import argparse

from mt5bot.config import Settings


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    """`--url` and `--token`, shared by every client subcommand."""
    parser.add_argument("--url", help="service URL (default: from the config's server.host/port)")
    parser.add_argument("--token", help="API token (default: security.token from the config)")


def service_target(settings: Settings, args: argparse.Namespace) -> tuple[str, str | None]:
    """The service's base URL and the API token: the arguments first, else the configuration."""
    token = args.token or (settings.security.token.get_secret_value() if settings.security.token else None)
    host = "127.0.0.1" if settings.server.host in ("0.0.0.0", "::") else settings.server.host  # noqa: S104
    scheme = "https" if settings.server.tls.cert else "http"
    url = (args.url or f"{scheme}://{host}:{settings.server.port}").rstrip("/")
    return url, token
