"""Photos, image files, other files and free text."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.flows import age, anonymize
from bot.i18n import t
from bot.media import NotAnImage, incoming_image
from bot.ui import chat_of

AGE_TARGETS = "age_targets:"


async def on_image(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    chat = await chat_of(update, context)
    try:
        item = incoming_image(message)
    except NotAnImage:
        await message.reply_text(t(chat.lang, "not_image"))
        return
    items = [item]
    if message.media_group_id:
        key = f"{chat.chat_id}:{message.media_group_id}"
        collected = await chat.services.albums.collect(key, message.message_id, item)
        if collected is None:
            return  # another photo of the same album; the album's first handler answers for all
        items = collected
    state = chat.services.state
    ages = age.caption_ages(message.caption)
    if ages is not None or await state.awaiting(chat.user_id, chat.chat_id) == "age_photo":
        await state.clear_awaiting(chat.user_id)
        await age.start(chat, items[0], ages or [])
        return
    await anonymize.start(chat, items)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    chat = await chat_of(update, context)
    waiting = await chat.services.state.awaiting(chat.user_id, chat.chat_id)
    if waiting and waiting.startswith(AGE_TARGETS):
        await age.on_typed_ages(chat, waiting.removeprefix(AGE_TARGETS), message.text)
    elif message.chat.type == ChatType.PRIVATE:
        await message.reply_text(t(chat.lang, "unknown_text"))
