"""Suite-wide fixtures."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from aiohttp import web_app


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
