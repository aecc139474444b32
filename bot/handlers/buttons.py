"""Inline button presses: verify the signed data, load the selection, check who pressed, hand over to the flow."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.flows import age, anonymize
from bot.flows import settings as settings_flow
from bot.i18n import t
from bot.ui import chat_of

log = logging.getLogger(__name__)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    chat = await chat_of(update, context)
    svc = chat.services
    cb = svc.signer.unpack(query.data)
    if cb is None:
        log.warning("button with bad or forged data")
        await query.answer(t(chat.lang, "expired", minutes=svc.ttl_minutes), show_alert=True)
        return
    if cb.sid.startswith("@"):
        await settings_flow.on_button(chat, query, cb, query.from_user.language_code)
        return
    async with svc.state.lock(cb.sid):
        session = await svc.state.load(cb.sid)
        if session is None:
            await query.answer(t(chat.lang, "expired", minutes=svc.ttl_minutes), show_alert=True)
            with contextlib.suppress(TelegramError):
                await query.edit_message_reply_markup(None)
            return
        if session.owner != query.from_user.id:
            await query.answer(t(chat.lang, "not_yours"), show_alert=True)
            return
        flow = age if session.kind == "age" else anonymize
        follow_up = await flow.on_button(chat, query, session, cb)
    if follow_up is not None:
        await follow_up  # the long job, outside the lock so other presses are answered meanwhile
