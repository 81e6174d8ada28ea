"""Secrets never reach log lines: configured values and bearer-looking tokens are masked."""

from __future__ import annotations

import logging

import pytest

from mt5bot.config import load_settings
from mt5bot.logs import RedactingFilter, secret_values


def test_configured_secrets_and_bearer_tokens_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings(
        environ={"MT5BOT_SECURITY__TOKEN": "tok-AAAA1111", "MT5BOT_MT5__PASSWORD": "pw-BBBB2222"}
    )
    assert set(secret_values(settings)) == {"tok-AAAA1111", "pw-BBBB2222"}
    logger = logging.getLogger("test.redaction")
    logger.addFilter(RedactingFilter(secret_values(settings)))
    with caplog.at_level(logging.INFO, logger="test.redaction"):
        logger.info("login with %s and %s", "tok-AAAA1111", "pw-BBBB2222")
        logger.info("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.x.y from 1.2.3.4")
        logger.info("GET /api/v1/ws?token=abcdef123456&x=1")
        try:
            raise ValueError("bad password=pw-BBBB2222")
        except ValueError:
            logger.exception("failed")
    text = caplog.text
    for secret in ("tok-AAAA1111", "pw-BBBB2222", "eyJhbGciOiJIUzI1NiJ9", "abcdef123456"):
        assert secret not in text
    assert "Bearer ***" in text
    assert "token=***" in text
