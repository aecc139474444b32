"""Webhook mode: an aiohttp server receives Telegram's POSTs, checks the secret-token header, queues the update."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hmac
import logging
import signal
from urllib.parse import urlparse

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot import app as bot_app
from bot.callbacks import derive_secret
from nobody.settings import Settings

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_secret(settings: Settings) -> str:
    """The configured secret, or one derived from the token (Telegram allows A-Z a-z 0-9 _ -, up to 256)."""
    if settings.bot_webhook_secret:
        return settings.bot_webhook_secret
    raw = derive_secret("", settings.bot_token, "webhook")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def webhook_app(application: Application, secret: str, path: str) -> web.Application:  # type: ignore[type-arg]
    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("webhook call without the right secret token")
            return web.Response(status=403)
        try:
            update = Update.de_json(await request.json(), application.bot)
        except ValueError:
            return web.Response(status=400)
        await application.update_queue.put(update)
        return web.Response(text="ok")

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    web_app = web.Application(client_max_size=1024 * 1024)
    web_app.router.add_post(path, receive)
    web_app.router.add_get("/healthz", healthz)
    return web_app


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Run until SIGINT/SIGTERM (or `stop`): start the bot, listen, register the webhook with Telegram."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    application = bot_app.build_application(settings, webhook=True)
    secret = webhook_secret(settings)
    path = urlparse(settings.bot_webhook_url).path or "/"
    await bot_app.start(application)
    runner = web.AppRunner(webhook_app(application, secret, path))
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.bot_webhook_listen, settings.bot_webhook_port).start()
        await application.bot.set_webhook(
            settings.bot_webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES
        )
        log.info("bot: webhook on %s:%d%s", settings.bot_webhook_listen, settings.bot_webhook_port, path)
        await stop.wait()
    finally:
        await runner.cleanup()
        await bot_app.stop(application)
