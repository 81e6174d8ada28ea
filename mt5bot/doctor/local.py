"""Checks of this machine and the configuration itself: Python, the backend package, tokens, TLS files.

Plain functions over the settings (and the file system for TLS); nothing here talks to the network.
"""

from __future__ import annotations

import importlib
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr

from api.settings import TLSSettings
from api.tls import TLSConfigError, server_ssl_context
from mt5bot.config import Settings
from mt5bot.doctor.model import Check, fail, ok, skip, warn
from mt5bridge.terminal.backends import import_package
from mt5bridge.terminal.settings import Backend

MIN_PYTHON = (3, 11)
CERT_WARN_DAYS = 14

# Secrets the user chooses, and the shortest we accept: the API and the OneBot socket are guarded by
# nothing else. Secrets a platform issues (Telegram, WeCom Secret, LLM key) are probed, not measured.
CHOSEN_SECRETS: tuple[tuple[str, int], ...] = (
    ("security.token", 16),
    ("security.read_only_token", 16),
    ("security.jwt_secret", 32),  # HS256: RFC 7518 wants a key of at least 256 bits
    ("telegram.webhook_secret", 16),
    ("onebot.access_token", 16),
    ("wecom.token", 8),
)
_WEAK = frozenset({"changeme", "change-me", "password", "secret", "token", "test", "admin", "example"})


def python_version(info: tuple[int, ...] = tuple(sys.version_info[:3])) -> Check:
    """Python 3.11 or newer, as pyproject.toml requires."""
    shown = ".".join(str(p) for p in info)
    if info[:2] >= MIN_PYTHON:
        return ok("python", f"Python {shown}")
    return fail("python", f"Python {shown} is too old", "install Python 3.11 or newer and recreate .venv")


def resolved_backend(backend: Backend) -> Backend:
    """The backend `auto` stands for on this machine (as mt5bot/backend.py decides)."""
    if backend is Backend.AUTO:
        return Backend.NATIVE if import_package() is not None else Backend.SIMULATOR
    return backend


def backend_import(backend: Backend) -> Check:
    """The package the configured backend needs can be imported."""
    chosen = resolved_backend(backend)
    note = f"{chosen.value} (mt5.backend: {backend.value})" if backend is Backend.AUTO else chosen.value
    module = {Backend.NATIVE: "MetaTrader5", Backend.MT5LINUX: "rpyc"}.get(chosen, "mt5bridge.simulator")
    try:
        importlib.import_module(module)
    except ImportError as exc:
        hint = (
            "the MetaTrader5 package runs on Windows only: `pip install MetaTrader5` there, "
            "or use mt5.backend: mt5linux (Wine) or simulator"
            if chosen is Backend.NATIVE
            else "reinstall mt5bot into .venv (`pip install -e .`)"
        )
        return fail("backend", f"{note}: cannot import {module}: {exc}", hint)
    return ok("backend", note)


def _secret_problem(value: str, minimum: int) -> str | None:
    if len(value) < minimum:
        return f"{len(value)} characters, fewer than {minimum}"
    if value.lower() in _WEAK or len(set(value)) < 4:
        return "a placeholder or trivially guessable value"
    return None


def _lookup(settings: Settings, dotted: str) -> SecretStr | None:
    section, key = dotted.split(".")
    value = getattr(getattr(settings, section), key)
    return value if isinstance(value, SecretStr) else None


def tokens(settings: Settings) -> Check:
    """The API token is set; every secret the user chose is long enough and not a placeholder."""
    problems = []
    for dotted, minimum in CHOSEN_SECRETS:
        secret = _lookup(settings, dotted)
        if secret is not None and (problem := _secret_problem(secret.get_secret_value(), minimum)):
            problems.append(f"{dotted}: {problem}")
    if problems:
        env = problems[0].split(":")[0].replace(".", "__").upper()
        return fail(
            "tokens",
            "; ".join(problems),
            f"choose a long random value, e.g. MT5BOT_{env}=$(openssl rand -hex 24)",
        )
    if settings.security.token is None and settings.security.jwt_secret is None:
        return warn(
            "tokens",
            "security.token is not set: the API refuses everything but /health",
            "set MT5BOT_SECURITY__TOKEN=$(openssl rand -hex 24) to use the API, `mt5bot chat` and `report`",
        )
    return ok("tokens", "set and long enough")


def tls_files(tls: TLSSettings, now: datetime | None = None) -> Check:
    """The certificate and key load together, and the certificate is within its validity period."""
    if not tls.cert and not tls.key:
        return skip("tls", "TLS is off (server.tls.cert and key unset)")
    if not (tls.cert and tls.key):
        missing = "key" if tls.cert else "cert"
        return fail(
            "tls",
            f"server.tls.{missing} is not set, so TLS stays off",
            "give both server.tls.cert and server.tls.key (PEM files), or neither",
        )
    for name in (tls.cert, tls.key):
        if not Path(name).is_file():
            return fail(
                "tls",
                f"{name}: no such file",
                "check the path in server.tls (relative to the service's folder)",
            )
    try:
        server_ssl_context(tls)
    except TLSConfigError as exc:
        return fail(
            "tls", str(exc), "the key must be the certificate's, both PEM, readable by the service's user"
        )
    return certificate_dates(Path(tls.cert), now or datetime.now(UTC))


def certificate_dates(cert: Path, now: datetime) -> Check:
    """The first certificate in the PEM file is valid now, and not about to expire."""
    from cryptography import x509  # only when TLS is configured

    try:
        leaf = x509.load_pem_x509_certificate(cert.read_bytes())
    except (OSError, ValueError) as exc:
        return fail(
            "tls", f"{cert}: cannot read the certificate: {exc}", "server.tls.cert must be a PEM certificate"
        )
    start, end = leaf.not_valid_before_utc, leaf.not_valid_after_utc
    if now < start:
        return fail(
            "tls", f"{cert}: not valid before {start:%Y-%m-%d %H:%M} UTC", "check this machine's clock"
        )
    if now >= end:
        return fail(
            "tls", f"{cert}: expired on {end:%Y-%m-%d}", "renew the certificate and restart the service"
        )
    if end - now < timedelta(days=CERT_WARN_DAYS):
        return warn("tls", f"{cert}: expires on {end:%Y-%m-%d}", "renew the certificate soon")
    return ok("tls", f"{cert}: valid until {end:%Y-%m-%d}")
