"""Logging for the service: console plus a rotating file, with every secret masked on the way out.

The redaction filter knows the configured secret values (tokens, passwords, API keys) and also masks
anything that looks like a bearer token, a JWT or an Authorization header's value, so a secret that slips
into a message or an exception text never reaches a log line.

The database drivers log every statement with its values at DEBUG (aiosqlite prints the chat text it
stores): their loggers stay at WARNING whatever `logging.level` is, unless `logging.sql` asks for the
statements, which SQLAlchemy then logs without their values (the engine hides them: storage/engine.py).
Request refusals and aiohttp's protocol errors are logged one short line at a time, a few per minute per
address (api/security/refusals.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from logging.handlers import RotatingFileHandler
from pathlib import Path

from pydantic import BaseModel, SecretStr

from mt5bot.config import Settings
from mt5bridge.common.errorcount import ErrorCounter

MASK = "***"
_BEARER = re.compile(r"(?i)(bearer\s+|token=|api_key=|password=)([^\s&\"',;]+)")
# An Authorization header's value whatever its scheme (aiohttp quotes raw header lines in parse errors).
_AUTHORIZATION = re.compile(r"(?i)(authorization\s*[:=]\s*(?:bearer\s+|basic\s+|token\s+)?)([^\s\"',;&\\]+)")
_JWT = re.compile(r"eyJ[\w-]*\.[\w-]*\.?[\w-]*")
# Loggers that print SQL with its values at DEBUG/INFO (chat text, account data).
SQL_LOGGERS = ("sqlalchemy", "aiosqlite", "asyncpg")
FORMAT = "%(asctime)s.%(msecs)03d | %(levelname)s | %(name)s:%(funcName)s:%(lineno)d - %(message)s"


def secret_values(model: BaseModel) -> list[str]:
    """Every SecretStr value anywhere in a settings tree."""
    found: list[str] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, SecretStr) and value.get_secret_value():
            found.append(value.get_secret_value())
        elif isinstance(value, BaseModel):
            found.extend(secret_values(value))
    return found


class RedactingFilter(logging.Filter):
    """Replaces known secrets and bearer-looking tokens in the final message text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        text = _JWT.sub(MASK, text)
        text = _AUTHORIZATION.sub(lambda m: m.group(1) + MASK, text)
        return _BEARER.sub(lambda m: m.group(1) + MASK, text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            message = message + "\n" + logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
            record.exc_text = None
        record.msg, record.args = self.redact(message), None
        return True


def setup_logging(settings: Settings) -> None:
    """Console and rotating-file handlers on the root logger, both behind the redaction filter."""
    conf = settings.logging
    redactor = RedactingFilter(secret_values(settings))
    formatter = logging.Formatter(FORMAT, datefmt="%Y-%m-%d %H:%M:%S")
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if conf.file:
        Path(conf.file).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(
            RotatingFileHandler(
                conf.file, maxBytes=conf.max_bytes, backupCount=conf.backup_count, encoding="utf-8"
            )
        )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(redactor)
        root.addHandler(handler)
    root.addHandler(ErrorCounter())  # errors of the last hour, for /status (it writes nothing)
    root.setLevel(conf.level.upper())
    # Third-party loggers that print request URLs (with tokens in them) stay at WARNING.
    for noisy in ("httpx", "telegram", "aiohttp.access", "apscheduler", "openai", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    quiet_sql(conf.sql, root.level)


def quiet_sql(sql: bool, level: int = logging.INFO) -> None:
    """Database drivers at WARNING (or the root's level if higher); with `sql`, SQLAlchemy's statements
    at INFO. aiosqlite and asyncpg stay quiet either way: they would print the values."""
    for name in SQL_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, level))
    if sql:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
