"""The one way to configure Nobody: environment variables with the NOBODY_ prefix (see README)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from models import ModelStore


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NOBODY_", extra="ignore")

    # models/
    model_dir: Path = Path("~/.cache/nobody/models")
    # One or more directories (os.pathsep-separated) holding files under their manifest names; tried first.
    model_mirror: str = ""

    # inference/
    detector: str = "scrfd"
    max_pixels: int = 60_000_000  # refuse bigger images before decoding them (decompression bombs)
    max_bytes: int = 50 * 1024 * 1024

    def mirrors(self) -> list[Path]:
        return [Path(p) for p in self.model_mirror.split(os.pathsep) if p.strip()]

    def store(self) -> ModelStore:
        return ModelStore(self.model_dir, self.mirrors())


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
