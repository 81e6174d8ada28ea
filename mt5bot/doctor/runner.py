"""Run every check in order and mask the secrets in what they say.

The configuration comes first: without a valid one nothing else can be checked, and the report says
so in one line. Every configured secret (and the database password) is replaced by `***` in every
detail and hint, whatever a library put in its error message.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from pydantic import BaseModel, SecretStr
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from mt5bot.config import ConfigError, Settings, config_path, load_settings
from mt5bot.doctor import local
from mt5bot.doctor.database import database
from mt5bot.doctor.model import Check, Status, fail, ok, skip
from mt5bot.doctor.platforms import platform_checks
from mt5bot.doctor.ports import ports
from mt5bot.doctor.terminal_probe import terminal_checks
from mt5bot.doctor.watchdog import watchdog

MASK = "***"


async def run_checks(config: str | None = None, environ: Mapping[str, str] | None = None) -> list[Check]:
    """Every check, one `Check` each, in the order they are shown."""
    found = [local.python_version()]
    try:
        settings = load_settings(config, environ)
    except ConfigError as exc:
        found.append(
            fail("config", str(exc), "fix the key it names (config.yaml has every key with comments)")
        )
        found.append(skip("other checks", "they need a valid configuration"))
        return found
    found.append(ok("config", f"{config_path(config, environ)} is valid"))
    found += await _checks(settings)
    return mask(found, secret_values(settings))


async def _checks(settings: Settings) -> list[Check]:
    backend = local.backend_import(settings.mt5.backend)
    found = [backend, local.tokens(settings), local.tls_files(settings.server.tls)]
    found += await ports(settings.server)
    found.append(await database(settings.database.url))
    if backend.status is Status.FAIL:
        found.append(skip("terminal", "the backend cannot be imported"))
    else:
        found += await terminal_checks(settings)
    found.append(watchdog(settings.mt5))
    found += await platform_checks(settings)
    return found


def _walk(value: object) -> Iterator[str]:
    if isinstance(value, SecretStr):
        yield value.get_secret_value()
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _walk(getattr(value, name))
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _walk(item)


def secret_values(settings: Settings) -> list[str]:
    """Every secret in the settings, longest first (so a secret containing another is masked whole)."""
    found = set(_walk(settings))
    try:
        password = make_url(settings.database.url).password
    except ArgumentError:
        password = None
    if password:
        found.add(str(password))
    return sorted((s for s in found if s), key=len, reverse=True)


def mask(checks: list[Check], secrets: list[str]) -> list[Check]:
    """The checks with every secret in their detail and hint replaced by `***`."""

    def clean(text: str) -> str:
        for secret in secrets:
            text = text.replace(secret, MASK)
        return text

    return [c.model_copy(update={"detail": clean(c.detail), "hint": clean(c.hint)}) for c in checks]
