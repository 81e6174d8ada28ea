"""The base of every settings section (strict, immutable) and the error a configuration raises.

Each part declares its own sections on `Section` in its `settings.py`; `mt5bot/config.py` assembles them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ConfigError(Exception):
    """The configuration cannot be used; the message is one line naming the key and the problem."""


class Section(BaseModel):
    """A configuration section: unknown keys are refused, values never change after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True)
