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

    # inference/queue + inference/service
    redis_url: str = ""  # redis://host:6379/0 → jobs run on `nobody worker` processes; empty → in this process
    queue_name: str = "nobody"  # arq queue name and prefix of our Redis keys (several deployments, one Redis)
    workers: int = 2  # job processes per `nobody serve` (embedded) or `nobody worker`; each loads every model
    max_queue: int = 32  # jobs waiting for a job process; beyond this new jobs are refused (HTTP 503)
    job_timeout: float = 120.0  # one run of one job; past it its process is killed and the job fails
    max_tries: int = 3  # runs of a job whose worker died mid-job (SIGKILL, OOM) before it ends as failed
    job_ttl: int = 600  # seconds an upload may wait for a worker, and a result is kept (Redis; embedded: memory)
    serve_host: str = "127.0.0.1"
    serve_port: int = 8080
    request_timeout: float = 300.0  # how long an HTTP request waits for its job before 504

    # bot/ (Telegram)
    bot_token: str = ""
    # Bot API endpoints; point both at a local Bot API server (or a test server) to lift the 20 MB download limit.
    bot_base_url: str = "https://api.telegram.org/bot"
    bot_base_file_url: str = "https://api.telegram.org/file/bot"
    bot_webhook_url: str = ""  # public HTTPS URL Telegram posts updates to; empty = long polling
    bot_webhook_listen: str = "0.0.0.0"
    bot_webhook_port: int = 8443
    bot_webhook_secret: str = ""  # checked against X-Telegram-Bot-Api-Secret-Token; empty = derived from the token
    bot_callback_secret: str = ""  # HMAC key signing button data; empty = derived from the token
    bot_state_url: str = ""  # redis://… keeps selections across restarts; empty = in this process's memory
    bot_state_ttl: int = 3600  # seconds a photo and its selection are kept
    bot_quota_per_day: int = 50  # photos (and re-rolls) per user per UTC day; 0 = unlimited
    bot_max_download_bytes: int = 20 * 1024 * 1024  # Telegram's getFile limit; raise it with a local Bot API server
    bot_job_timeout: float = 600.0

    def mirrors(self) -> list[Path]:
        return [Path(p) for p in self.model_mirror.split(os.pathsep) if p.strip()]

    def store(self) -> ModelStore:
        return ModelStore(self.model_dir, self.mirrors())


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
