"""Everything a handler needs besides the update, kept once per Application in `bot_data`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram.ext import ContextTypes

from bot.callbacks import Signer
from bot.state import BotState
from inference.queue.base import JobBackend
from nobody.settings import Settings

KEY = "nobody.services"


@dataclass
class Services:
    settings: Settings
    state: BotState
    signer: Signer
    backend: JobBackend | None = None  # set in post_init (make_backend) unless given
    albums: Any = None  # bot.album.AlbumCollector

    @property
    def jobs(self) -> JobBackend:
        if self.backend is None:
            raise RuntimeError("job backend not started")
        return self.backend

    @property
    def ttl_minutes(self) -> int:
        return max(1, self.settings.bot_state_ttl // 60)


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data[KEY]
