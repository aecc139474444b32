"""Command handlers: thin wrappers that pick the language and hand over to a flow or send one message."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.flows import settings as settings_flow
from bot.i18n import t
from bot.invite import INVITE_PREFIX, deep_link, invite_payload, qr_png
from bot.ui import chat_of

AGE_PAYLOAD = "age"


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = await chat_of(update, context)
    payload = context.args[0] if context.args else ""
    text = t(chat.lang, "start")
    if payload.startswith(INVITE_PREFIX):
        text = t(chat.lang, "start_invited") + "\n\n" + text
    await chat.bot.send_message(chat.chat_id, text)
    if payload == AGE_PAYLOAD:
        await age(update, context)


async def help_(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = await chat_of(update, context)
    await chat.bot.send_message(chat.chat_id, t(chat.lang, "help"))


async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = await chat_of(update, context)
    await chat.bot.send_message(chat.chat_id, t(chat.lang, "privacy", minutes=chat.services.ttl_minutes))


async def invite(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = await chat_of(update, context)
    link = deep_link(chat.bot.username, invite_payload(chat.services.signer, chat.user_id))
    await chat.bot.send_photo(chat.chat_id, qr_png(link), caption=t(chat.lang, "invite_caption", link=link))


async def age(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = await chat_of(update, context)
    await chat.services.state.set_awaiting(chat.user_id, chat.chat_id, "age_photo")
    await chat.bot.send_message(chat.chat_id, t(chat.lang, "age_send_photo"))


async def settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await settings_flow.show(await chat_of(update, context))


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = await chat_of(update, context)
    state = chat.services.state
    waiting = await state.awaiting(chat.user_id, chat.chat_id)
    dropped = await state.drop_all(chat.user_id)
    await state.clear_awaiting(chat.user_id)
    await chat.bot.send_message(chat.chat_id, t(chat.lang, "cancelled" if dropped or waiting else "nothing_to_cancel"))


async def delete(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = await chat_of(update, context)
    await chat.services.state.forget(chat.user_id)
    await chat.bot.send_message(chat.chat_id, t(chat.lang, "deleted"))
