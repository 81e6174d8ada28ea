"""Suite-wide fixtures."""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator

import pytest
from aiohttp import web_app

from mt5bot.logs import SQL_LOGGERS


@pytest.fixture(autouse=True)
def _forget_aiohttp_middleware_chains() -> Iterator[None]:
    """Let each test's app (and its simulator) be freed when the test ends.

    aiohttp caches built middleware chains in a process-wide lru_cache(maxsize=1024) keyed on the app, which
    pins every app a test created: about 280 MB each here (the suite peaked near 20 GB of 24). One app per
    process, as in production, never notices. The name is private, hence the getattr. An app sits in
    reference cycles and its big arrays do not count towards the collector's thresholds, so collect now.
    """
    yield
    cache = getattr(web_app, "_cached_build_middleware", None)
    if cache is not None and cache.cache_info().currsize:
        cache.cache_clear()
        gc.collect()


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """setup_logging reconfigures the root logger: put pytest's handlers and every level back after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    names = (*SQL_LOGGERS, "sqlalchemy.engine", "httpx", "telegram", "aiohttp.access", "apscheduler", "openai",
             "alembic")  # fmt: skip
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)
