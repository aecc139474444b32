"""/settings: default mode (replace, blur, pixelate, solid) and language (automatic, 한국어, English)."""

from __future__ import annotations

import contextlib

from telegram import CallbackQuery
from telegram.error import BadRequest

from bot import keyboards
from bot.callbacks import Action, Callback
from bot.i18n import LANGUAGES, pick_language, t
from bot.state import Prefs
from bot.ui import Chat


def _text(lang: str, prefs: Prefs) -> str:
    return t(lang, "settings", mode=t(lang, f"mode_{prefs.mode}"), lang=t(lang, f"lang_{prefs.lang or 'auto'}"))


async def show(chat: Chat) -> None:
    prefs = await chat.services.state.prefs(chat.user_id)
    markup = keyboards.settings(chat.services.signer, chat.user_id, prefs, chat.lang)
    await chat.bot.send_message(chat.chat_id, _text(chat.lang, prefs), reply_markup=markup)


async def on_button(chat: Chat, query: CallbackQuery, cb: Callback, language_code: str | None) -> None:
    if cb.sid != f"@{chat.user_id}":
        await query.answer(t(chat.lang, "not_yours"), show_alert=True)
        return
    state = chat.services.state
    prefs = await state.prefs(chat.user_id)
    if cb.action == Action.MODE and cb.arg in keyboards.MODES:
        prefs.mode = cb.arg
    elif cb.action == Action.LANG and (cb.arg in LANGUAGES or cb.arg == "auto"):
        prefs.lang = None if cb.arg == "auto" else cb.arg
    else:
        await query.answer()
        return
    await state.save_prefs(chat.user_id, prefs)
    lang = pick_language(prefs.lang, language_code)
    await query.answer(t(lang, "saved"))
    markup = keyboards.settings(chat.services.signer, chat.user_id, prefs, lang)
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(_text(lang, prefs), reply_markup=markup)
