"""`nobody bot [--webhook]`: the Telegram bot (long polling by default; token and options from NOBODY_BOT_*)."""

from __future__ import annotations

import argparse
import asyncio

from nobody.errors import CliError
from nobody.settings import get_settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("bot", help="run the Telegram bot (NOBODY_BOT_TOKEN; long polling unless a webhook URL is set)")
    p.add_argument("--webhook", action="store_true", help="serve NOBODY_BOT_WEBHOOK_URL instead of long polling")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    if not settings.bot_token:
        raise CliError("set NOBODY_BOT_TOKEN to the token from @BotFather")
    if args.webhook or settings.bot_webhook_url:
        if not settings.bot_webhook_url:
            raise CliError("--webhook needs NOBODY_BOT_WEBHOOK_URL (the public HTTPS URL Telegram posts to)")
        from bot.webhook import serve

        asyncio.run(serve(settings))
    else:
        from bot.app import run_polling

        run_polling(settings)
    return 0
