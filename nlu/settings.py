"""The parser's settings: extra symbol names (`nlu`) and the optional LLM fallback (`llm`).

Plain pydantic, strict and immutable like every section, but built here on pydantic alone: `nlu` imports
nothing of the project outside itself.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NLUSettings(_Section):
    """`aliases` adds names per canonical symbol, e.g. `{XAUUSD: [金仔, 黄金现货]}`; `price_bands` sets
    where a symbol's price can be, e.g. `{JP225: [20000, 60000]}` (see docs/nlu.md, "Price bands")."""

    aliases: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    price_bands: dict[str, tuple[float, float]] = Field(default_factory=dict)

    @field_validator("price_bands")
    @classmethod
    def _bands(cls, bands: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        for name, (low, high) in bands.items():
            if not (math.isfinite(low) and math.isfinite(high) and 0 < low < high):
                raise ValueError(f"price_bands.{name}: need 0 < low < high, got [{low}, {high}]")
        return bands


class LLMSettings(_Section):
    """An OpenAI-compatible endpoint; the LLM parser is used only when base_url, model and api_key are set."""

    base_url: str | None = None
    model: str | None = None
    api_key: SecretStr | None = None
    timeout_sec: float = Field(15.0, gt=0)
    max_retries: int = Field(0, ge=0, le=3)

    @property
    def configured(self) -> bool:
        return bool(self.base_url and self.model and self.api_key)
