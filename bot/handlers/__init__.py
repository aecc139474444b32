"""Wiring: which handler gets which update."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.handlers import buttons, commands, errors, messages

COMMANDS = ("start", "help", "invite", "age", "settings", "privacy", "cancel", "delete")


def register(app: Application) -> None:  # type: ignore[type-arg]
    callbacks = {
        "start": commands.start,
        "help": commands.help_,
        "invite": commands.invite,
        "age": commands.age,
        "settings": commands.settings,
        "privacy": commands.privacy,
        "cancel": commands.cancel,
        "delete": commands.delete,
    }
    for name in COMMANDS:
        app.add_handler(CommandHandler(name, callbacks[name]))
    new_messages = filters.UpdateType.MESSAGE
    app.add_handler(MessageHandler(new_messages & (filters.PHOTO | filters.Document.ALL), messages.on_image))
    app.add_handler(MessageHandler(new_messages & filters.TEXT & ~filters.COMMAND, messages.on_text))
    app.add_handler(CallbackQueryHandler(buttons.on_button))
    app.add_error_handler(errors.on_error)
