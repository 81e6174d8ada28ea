"""`/loglevel debug` on the real logging setup: debug lines appear, masked like every other line; the
database drivers stay quiet; the error counter setup_logging installs counts what /status shows."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from mt5bot.logs import SQL_LOGGERS, setup_logging
from mt5bridge.common.errorcount import ErrorCounter
from tests.api.conftest import api_settings
from tests.bot.core_stand import Stand, only, running_stand

TOKEN = "tg-secret-token-0123456789"


@pytest.mark.usefixtures("restore_logging")
async def test_debug_switched_on_from_chat_is_logged_masked(tmp_path: Path) -> None:
    log_file = tmp_path / "mt5bot.log"
    settings = api_settings(
        tmp_path, logging={"level": "INFO", "file": str(log_file)}, telegram={"token": TOKEN}
    )
    setup_logging(settings)
    counter = ErrorCounter.on()
    assert counter is not None
    logger = logging.getLogger("bot.telegram.test")
    async with running_stand(tmp_path) as stand:
        logger.debug("before: %s", "not-yet-debug")
        assert "debug" in only(await stand.say("1", "/loglevel debug")).text
        logger.debug("calling https://api.telegram.org/bot%s/getMe with Bearer abc.def-123", TOKEN)
        for name in SQL_LOGGERS:  # debug must not start printing the statements' values
            assert not logging.getLogger(name).isEnabledFor(logging.DEBUG)
        logger.error("one failure")
        assert counter.count() == 1
        await _back_to_info(stand)
    logged = log_file.read_text(encoding="utf-8")
    assert "not-yet-debug" not in logged
    assert "/getMe" in logged  # the debug line is there...
    assert TOKEN not in logged  # ...with the secret masked
    assert "abc.def-123" not in logged


async def _back_to_info(stand: Stand) -> None:
    assert "info" in only(await stand.say("1", "/loglevel info")).text
    assert not logging.getLogger("bot.telegram.test").isEnabledFor(logging.DEBUG)
