"""Builders for the ops tests: a simulator config in a folder of its own, and a spec for it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mt5bot.autostart.spec import ServiceSpec, build
from tests.serve_config import write_config


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(tmp_path)


@pytest.fixture
def spec(config: Path) -> ServiceSpec:
    return build("mt5bot", config, "trader", python=sys.executable)
