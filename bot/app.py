"""Build the python-telegram-bot Application and run it by long polling (default) or webhook (aiohttp)."""

from __future__ import annotations

import inspect
import logging
from typing import Any

from telegram import BotCommand, Update
from telegram.ext import AIORateLimiter, Application

from bot.album import AlbumCollector
from bot.callbacks import Signer, derive_secret
from bot.handlers import COMMANDS, register
from bot.i18n import LANGUAGES, t
from bot.kv import KV, make_kv
from bot.services import KEY, Services
from bot.state import BotState
from inference.queue.base import JobBackend
from nobody.settings import Settings

log = logging.getLogger(__name__)

RATE_LIMIT_RETRIES = 3  # a 429's retry_after is waited out this many times before giving up


def build_application(
    settings: Settings,
    *,
    backend: JobBackend | None = None,
    kv: KV | None = None,
    state_prefix: str = "nobody:bot:",
    webhook: bool = False,
    album_quiet: float = 1.0,
) -> Application:  # type: ignore[type-arg]
    """The bot, wired. `backend`/`kv` given here are the caller's to close; those made from settings are ours."""
    if not settings.bot_token:
        raise ValueError("NOBODY_BOT_TOKEN is not set")
    # httpx logs every request URL at INFO, and those URLs hold the bot token and file paths.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    builder = (
        Application.builder()
        .token(settings.bot_token)
        .base_url(settings.bot_base_url)
        .base_file_url(settings.bot_base_file_url)
        .rate_limiter(AIORateLimiter(max_retries=RATE_LIMIT_RETRIES))
        .concurrent_updates(True)  # a user's job must not hold up everyone else's updates
        .write_timeout(60)  # results can be tens of MB
        .read_timeout(30)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if webhook:
        builder = builder.updater(None)
    app = builder.build()
    state_url = settings.bot_state_url or getattr(settings, "redis_url", "")  # the queue's Redis, if any
    state = BotState(kv or make_kv(state_url), settings.bot_state_ttl, state_prefix)
    signer = Signer(derive_secret(settings.bot_callback_secret, settings.bot_token, "callback"))
    app.bot_data[KEY] = Services(settings, state, signer, backend, AlbumCollector(album_quiet))
    app.bot_data["owns"] = {"backend": backend is None, "kv": kv is None}
    register(app)
    return app


async def make_job_backend(settings: Settings) -> JobBackend:
    """The embedded process pool, or arq on Redis when NOBODY_REDIS_URL is set (`inference.queue.make_backend`)."""
    from inference.queue import make_backend

    backend: Any = make_backend(settings)
    return await backend if inspect.isawaitable(backend) else backend


async def _post_init(app: Application) -> None:  # type: ignore[type-arg]
    svc: Services = app.bot_data[KEY]
    if svc.backend is None:
        svc.backend = await make_job_backend(svc.settings)
    await set_commands(app)


async def set_commands(app: Application) -> None:  # type: ignore[type-arg]
    """The command menu, in each catalog language, plus English for everyone else."""
    for lang in (None, *LANGUAGES):
        commands = [BotCommand(name, t(lang or "en", f"cmd_{name}")) for name in COMMANDS]
        await app.bot.set_my_commands(commands, language_code=lang)


async def _post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
    svc: Services = app.bot_data[KEY]
    owns = app.bot_data["owns"]
    if owns["backend"] and svc.backend is not None:
        await svc.backend.close()
        svc.backend = None
    if owns["kv"]:
        await svc.state.kv.close()


async def start(app: Application) -> None:  # type: ignore[type-arg]
    """Initialise and start without an updater loop of PTB's own (webhook mode, tests); `stop` undoes it."""
    await app.initialize()
    await _post_init(app)
    await app.start()


async def stop(app: Application) -> None:  # type: ignore[type-arg]
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()
    await _post_shutdown(app)


def run_polling(settings: Settings) -> None:
    app = build_application(settings)
    log.info("bot: long polling %s", settings.bot_base_url)
    app.run_polling(allowed_updates=Update.ALL_TYPES)
